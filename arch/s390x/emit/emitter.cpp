// The s390x trampoline emitter, on xtramp's own encoder (encoder.hpp).
// Primitives only: the planner (common/tramp/plan.cpp) decides what goes where.
//
// Frame (replace mode: called exactly like the traced function, r14 = return
// address, r15 = the caller's stack pointer; entry patch: reached by
// "brasl %r0, trampoline" at the function's entry, r0 = the body):
//
//   entry+160 ...          the caller's stack arguments (ELF ABI: 160(%r15))
//   entry+48 .. entry+127  r6-r15, saved by stmg into the caller's register
//                          save area (the ABI lets the callee use it)
//   entry = sp+frame_size
//   [entry patch: sp+arch_off   r0, the body's address]
//   sp+save_off ...        raw argument registers (r2-r6, f0/f2/f4/f6: 8 bytes)
//   sp+ctx_off ...         ctx[0..n), return slots
//   sp+ip_off+8            ctx[-1] = slot count
//   sp+ip_off              ctx[-2] = function address
//   sp+160 ...             stack arguments for the original call
//   sp+0 .. sp+159         our register save area, for the functions we call
//                          (bytes 0..7 double as a scratch slot between calls)
//
// SP stays 8-byte aligned. Scratch: r0 (data), r1 (pointer / call target).
#include "arch/s390x/emit/emitter.hpp"

#include <map>
#include <string>

#include "arch/s390x/emit/encoder.hpp"
#include "common/error.hpp"

namespace xtramp::s390x {

namespace {

constexpr unsigned kSp = 15, kRa = 14, kData = 0, kPtr = 1;
constexpr int32_t kScratch = 0;  // 0(%r15): our own save area's first doubleword

class S390xEmitter final : public Emitter {
 public:
  EmitterTraits traits(AttachMode mode) const override {
    EmitterTraits t;
    t.sp_align = 8;
    t.entry_sp_mod = 0;
    t.call_pushes = 0;
    t.outgoing_reserve = 160;  // the register save area a callee may use
    // r6-r15 go to the caller's save area; entry patch ("brasl %r0,
    // trampoline"): r0, the body's address, gets a slot of ours.
    t.arch_area = mode == AttachMode::replace ? 0 : 8;
    t.stack_args_base = 160;
    t.fpr_save_size = 8;
    return t;
  }

  void begin(const TrampolinePlan& plan) override {
    a_ = Assembler();
    labels_.clear();
    frame_ = plan.frame_size;
    a_.stmg(6, 15, Mem(48, kSp));
    a_.lay(kSp, Mem(-static_cast<int64_t>(frame_), kSp));
    if (plan.mode == AttachMode::entry_patch) a_.stg(0, at(plan.arch_off));
  }

  void step(const TrampolinePlan& plan, const Step& s) override {
    switch (s.op) {
      case Step::Op::save_reg:
        if (s.saved.kind == LocKind::gpr)
          a_.stg(s.saved.reg, at(s.off));
        else
          a_.std(s.saved.reg, at(s.off));
        break;
      case Step::Op::restore_reg:
        if (s.saved.kind == LocKind::gpr)
          a_.lg(s.saved.reg, at(s.off));
        else
          a_.ld(s.saved.reg, at(s.off));
        break;
      case Step::Op::zero_slot:
        a_.lghi(kData, 0);
        a_.stg(kData, at(s.off));
        break;
      case Step::Op::store_imm:
        a_.load_imm64(kData, s.imm);
        a_.stg(kData, at(s.off));
        break;
      case Step::Op::reg_to_frame:
        reg_to_frame(s.part, s.off);
        break;
      case Step::Op::stack_to_frame:
      case Step::Op::copy_stack_args:
        copy(kSp, entry(s.src), s.off, s.size);
        break;
      case Step::Op::ptr_to_frame:
        if (s.part.loc.kind == LocKind::stack)
          a_.lg(kPtr, at(entry(s.part.loc.offset)));
        else
          a_.lgr(kPtr, s.part.loc.reg);
        copy(kPtr, 0, s.off, s.size);
        break;
      case Step::Op::framed_ptr_to_frame:
        a_.lg(kPtr, at(s.src));
        copy(kPtr, 0, s.off, s.size);
        break;
      case Step::Op::call_program:
        a_.load_imm64(2, reinterpret_cast<uint64_t>(s.prog));
        a_.lay(3, at(plan.ctx_off));
        a_.load_imm64(kPtr, reinterpret_cast<uint64_t>(&xtramp_run_program));
        a_.basr(kRa, kPtr);
        if (s.off >= 0) a_.stg(2, at(s.off));
        break;
      case Step::Op::branch_if_result_nonzero:
        a_.ltgr(2, 2);
        a_.brcl(cond::ne, label(s.label));
        break;
      case Step::Op::call_original:
        a_.load_imm64(kPtr, s.imm);
        a_.basr(kRa, kPtr);
        break;
      case Step::Op::bind_label:
        a_.bind(label(s.label));
        break;
      case Step::Op::frame_to_reg:
        frame_to_reg(s.part, s.off, s.ext);
        break;
      case Step::Op::framed_to_reg:
        a_.lg(s.part.loc.reg, at(s.src));
        break;
      case Step::Op::inflight_add:
        // LAAG is interlocked and serialises like a full barrier (POP,
        // "interlocked-update" storage operands).
        a_.load_imm64(kPtr, s.imm);
        a_.lghi(kData, s.off);
        a_.laag(kData, kData, Mem(0, kPtr));
        break;
    }
  }

  std::vector<uint8_t> finish(const TrampolinePlan& plan) override {
    const bool into_body = plan.mode == AttachMode::entry_patch && !plan.calls_original;
    if (into_body) a_.lg(kPtr, at(plan.arch_off));               // the body (r0 at entry)
    a_.lmg(6, 15, Mem(static_cast<int64_t>(frame_) + 48, kSp));  // restores r14 and r15 too
    a_.br(into_body ? kPtr : kRa);
    return a_.finish();
  }

 private:
  static Mem at(int32_t off) { return Mem(off, kSp); }
  int32_t entry(int32_t entry_off) const { return static_cast<int32_t>(frame_) + entry_off; }

  Label label(uint32_t id) {
    auto it = labels_.find(id);
    if (it == labels_.end()) it = labels_.emplace(id, a_.new_label()).first;
    return it->second;
  }

  // Memory to memory: MVC moves up to 256 bytes at a time.
  void copy(unsigned src_base, int32_t src, int32_t dst, uint32_t size) {
    for (uint32_t done = 0; done < size;) {
      const uint32_t n = size - done < 256 ? size - done : 256;
      a_.mvc(at(dst + static_cast<int32_t>(done)), Mem(src + static_cast<int32_t>(done), src_base),
             n);
      done += n;
    }
  }

  // Bytes [loc_offset, +size) of the register's big-endian image at off.
  void reg_to_frame(const ArgPart& p, int32_t off) {
    if (p.loc.kind == LocKind::fpr) {
      if (p.loc_offset == 0 && p.size == 8) return a_.std(p.loc.reg, at(off));
      if (p.loc_offset == 0 && p.size == 4) return a_.ste(p.loc.reg, at(off));  // the left half
      a_.std(p.loc.reg, at(kScratch));
    } else {
      const uint32_t low = 8 - p.size;  // the low-order bytes: what ST/STH/STC store
      if (p.loc_offset == 0 && p.size == 8) return a_.stg(p.loc.reg, at(off));
      if (p.loc_offset == low && p.size == 4) return a_.st(p.loc.reg, at(off));
      if (p.loc_offset == low && p.size == 2) return a_.sth(p.loc.reg, at(off));
      if (p.loc_offset == low && p.size == 1) return a_.stc(p.loc.reg, at(off));
      a_.stg(p.loc.reg, at(kScratch));
    }
    a_.mvc(at(off), at(kScratch + static_cast<int32_t>(p.loc_offset)), p.size);
  }

  // The return value back into its register, extended as the ABI says.
  void frame_to_reg(const ArgPart& p, int32_t off, Extension ext) {
    const unsigned r = p.loc.reg;
    if (p.loc.kind == LocKind::fpr) {
      if (p.size == 4) return a_.le(r, at(off));
      return a_.ld(r, at(off));
    }
    const bool sign = ext == Extension::sign;
    switch (p.size) {
      case 8:
        return a_.lg(r, at(off));
      case 4:
        return sign ? a_.lgf(r, at(off)) : a_.llgf(r, at(off));
      case 2:
        return sign ? a_.lgh(r, at(off)) : a_.llgh(r, at(off));
      case 1:
        return sign ? a_.lgb(r, at(off)) : a_.llgc(r, at(off));
      default:
        // An odd-sized piece: place it at the low-order end of the scratch
        // doubleword, then load the whole doubleword.
        a_.lghi(kData, 0);
        a_.stg(kData, at(kScratch));
        a_.mvc(at(kScratch + static_cast<int32_t>(p.loc_offset)), at(off), p.size);
        return a_.lg(r, at(kScratch));
    }
  }

  Assembler a_;
  std::map<uint32_t, Label> labels_;
  uint32_t frame_ = 0;
};

}  // namespace

std::unique_ptr<Emitter> make_emitter() {
  return std::make_unique<S390xEmitter>();
}

}  // namespace xtramp::s390x
