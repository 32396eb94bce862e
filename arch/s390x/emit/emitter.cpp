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
//   sp+ip_off+8            ctx[-1] = func_meta: slot count (bits 0-7), the running
//                          fsession program's cookie index (8-15), exit half (63;
//                          not a halfword: LLIHF/IILF + STG, the others MVGHI)
//   sp+ip_off              ctx[-2] = function address
//   sp+cookie_off ...      fsession cookies, 8 bytes each (n fsession programs):
//                          ctx[-3] at sp+ip_off-8 is the last one's, ctx[-2-n] at
//                          sp+cookie_off the first one's; zeroed before fentry
//   sp+160 ...             stack arguments for the original call
//   sp+0 .. sp+159         our register save area, for the functions we call
//                          (bytes 0..7 double as a scratch slot between calls)
//
// SP stays 8-byte aligned. Scratch: r0 (data), r1 (pointer / call target).
#include "arch/s390x/emit/emitter.hpp"

#include <deque>
#include <map>
#include <optional>
#include <string>
#include <variant>

#include "arch/s390x/emit/encoder.hpp"
#include "arch/s390x/regs.hpp"
#include "common/error.hpp"
#include "common/tramp/host_tls.hpp"
#include "common/tramp/rcu_facts.hpp"

namespace xtramp::s390x {

namespace {

constexpr unsigned kSp = 15, kRa = 14, kData = 0, kPtr = 1;
constexpr int32_t kScratch = 0;  // 0(%r15): our own save area's first doubleword
// r6's doubleword in a register save area, where STMG 6,15 starts: the area
// holds r2-r15 from offset 16, r_n at 8n ([S390ABI] "Register save area").
constexpr int32_t kR6Save = 48;
// Callee-saved ([S390ABI] table "Register usage across function calls":
// r6-r13 are nonvolatile), saved by begin()'s STMG and restored by finish()'s LMG, and never
// an argument: the inline program path keeps the thread's RunBlock and the
// program's marked run word in them across the program's call.
constexpr unsigned kBlock = 7, kRunWord = 8;

// The inline program path's TLS facts, on an s390x host only (the generated
// code runs in this process). s390x uses TLS variant II, like x86-64: the
// thread pointer points at the TCB and the static TLS blocks lie below it, so
// an initial-exec variable is at a fixed negative offset from it (Drepper,
// "ELF Handling For Thread-Local Storage", version 0.21,
// https://www.akkadia.org/drepper/tls.pdf, "Run-Time Handling of TLS";
// glibc 2.36 sysdeps/s390/nptl/tls.h: TLS_TCB_AT_TP). The thread pointer is
// held in access registers a0 (bits 0-31) and a1 (bits 32-63), which
// [S390ABI] table "Register usage across function calls" reserves for
// system use; EAR, SLLG, EAR
// read it, as [gcc] gcc/config/s390/s390.md "*get_tp_64" does for
// __builtin_thread_pointer. The offset must fit LTG's signed 20-bit
// displacement.
#if defined(__s390x__)
uintptr_t host_thread_pointer() noexcept {
  return reinterpret_cast<uintptr_t>(__builtin_thread_pointer());
}
// LTG's signed 20-bit displacement
bool tp_offset_fits(int64_t off) noexcept {
  return off >= -524288 && off <= 524287;
}

// The host's TLS facts (common/tramp/host_tls.hpp); none on another host.
constexpr HostTls kHostTls{&host_thread_pointer, &tp_offset_fits};
#else
constexpr HostTls kHostTls{};
#endif

class S390xEmitter final : public Emitter {
 public:
  EmitterTraits traits(AttachMode mode) const override {
    EmitterTraits t;
    t.sp_align = 8;
    t.entry_sp_mod = 0;
    t.call_pushes = 0;
    t.outgoing_reserve = kRegSaveArea;  // the register save area a callee may use
    // r6-r15 go to the caller's save area; entry patch ("brasl %r0,
    // trampoline"): r0, the body's address, gets a slot of ours.
    t.arch_area = mode == AttachMode::replace ? 0 : 8;
    t.stack_args_base = kStackArgsBase;
    t.fpr_save_size = 8;
    return t;
  }

  void begin(const TrampolinePlan& plan) override {
    a_ = Assembler();
    labels_.clear();
    out_of_line_.clear();
    run_ = {};
    frame_ = plan.frame_size;
    a_.stmg(6, 15, Mem(kR6Save, kSp));
    a_.lay(kSp, Mem(-static_cast<int64_t>(frame_), kSp));
    if (plan.mode == AttachMode::entry_patch) a_.stg(0, at(plan.arch_off));
  }

  void step(const TrampolinePlan& plan, const Step& s) override {
    std::visit(
        [&](const auto& op) {
          if constexpr (requires { gpr_slot(op); }) {
            if (const std::optional<GprRun> r = gpr_slot(op)) return queue_gpr_slot(*r);
          }
          flush_gpr_run();
          emit(plan, op);
        },
        s);
  }

  // The entry stub (emitter.hpp, runtime/rcu.hpp). Only r0 and r1 are free at a
  // function's entry (r0 is not a base register); the entry-patch trampoline
  // wants r0 = the body, which the stub sets last.
  //
  // The outermost section of a registered thread (every call but nested and
  // first ones) falls straight through.
  //
  //   retry:
  //     ear %r1,%a0 ; sllg %r1,%r1,32 ; ear %r1,%a1 ; lg %r1,off(%r1)  ; this thread's Reader
  //     lg   %r0,0(%r1)              ; its word
  //     tmll %r0,kUnregistered|kNestMask ; jnz other (cc1 | cc2 | cc3)
  //     %r1 = &gp_ctr ; lg %r0,0(%r1) ; %r1 = the Reader again   ; outermost
  //   store:
  //     stg  %r0,0(%r1)              ; a plain store to the thread's own line
  //     %r1 = target_ptr ; lg %r1,0(%r1) ; [entry patch: %r0 = the body] ; br %r1
  //   other:
  //     tmll %r0,1 ; jo slow         ; not registered yet
  //     aghi %r0,kNestOne ; j store  ; nested
  //   slow:
  //     %r1 = xtramp_rcu_register_thunk ; basr %r1,%r1 ; j retry
  //   passthrough:
  //     (the word -= kNestOne) ; %r1 = resume ; br %r1
  StubCode entry_stub(const StubSpec& spec) override {
    const rcu::StubFacts f = stub_facts(spec.facts);
    a_ = Assembler();
    const Label retry = a_.new_label(), slow = a_.new_label(), other = a_.new_label(),
                store = a_.new_label();
    a_.bind(retry);
    reader(f);
    a_.lg(kData, Mem(0, kPtr));
    a_.tmll(kData, static_cast<int64_t>(rcu::kUnregistered | rcu::kNestMask));
    // Any selected bit one (z/Architecture Principles of Operation, TEST UNDER
    // MASK: cc1 / cc2 mixed, cc3 all ones): not the outermost section.
    a_.brcl(cond::ne, other);
    a_.load_imm64_fixed(kPtr, f.gp_ctr);
    a_.lg(kData, Mem(0, kPtr));
    reader(f);
    a_.bind(store);
    a_.stg(kData, Mem(0, kPtr));
    a_.load_imm64_fixed(kPtr, spec.target_ptr);
    a_.lg(kPtr, Mem(0, kPtr));
    if (spec.mode == AttachMode::entry_patch) a_.load_imm64_fixed(kData, spec.resume);
    a_.br(kPtr);
    a_.bind(other);
    a_.tmll(kData, static_cast<int64_t>(rcu::kUnregistered));
    a_.brcl(cond::o, slow);  // cc3: the bit is one
    a_.aghi(kData, static_cast<int64_t>(rcu::kNestOne));
    a_.brcl(cond::always, store);
    a_.bind(slow);
    a_.load_imm64_fixed(kPtr, f.register_thunk);
    a_.basr(kPtr, kPtr);  // the branch address is taken before the link is stored
    a_.brcl(cond::always, retry);
    StubCode out;
    out.passthrough = static_cast<uint32_t>(a_.size());
    leave_section(f);
    a_.load_imm64_fixed(kPtr, spec.resume);
    a_.br(kPtr);
    out.code = a_.finish();
    return out;
  }

  std::vector<uint8_t> exit_stub(const rcu::StubFacts& facts) override {
    const rcu::StubFacts f = stub_facts(facts);
    a_ = Assembler();
    leave_section(f);
    a_.br(kRa);
    return a_.finish();
  }

  std::vector<uint8_t> finish(const TrampolinePlan& plan) override {
    flush_gpr_run();
    const bool into_body = plan.mode == AttachMode::entry_patch && !plan.calls_original;
    if (into_body && plan.exit_addr == 0) a_.lg(kPtr, at(plan.arch_off));  // the body (r0)
    a_.lmg(6, 15, Mem(static_cast<int64_t>(frame_) + kR6Save, kSp));  // restores r14 and r15 too
    if (plan.exit_addr != 0) {
      // Leave the caller's read-side section in code that is never freed
      // (runtime/rcu.hpp): the exit stub returns to r14; a fentry-only entry patch's
      // exit (the site's passthrough) goes to the body.
      a_.load_imm64(kPtr, plan.exit_addr);
      a_.br(kPtr);
    } else {
      a_.br(into_body ? kPtr : kRa);
    }
    emit_out_of_line(plan);
    return a_.finish();
  }

 private:
  rcu::StubFacts stub_facts(const rcu::StubFacts& facts) const {
    const rcu::StubFacts f = kHostTls.stub_facts(facts);
    if (!f.available)
      throw Error(Errc::unsupported, "s390x: no RCU entry stub (not an s390x host)");
    return f;
  }

  // %r1 = this thread's Reader.
  void reader(const rcu::StubFacts& f) {
    a_.ear(kPtr, 0);
    a_.sllg(kPtr, kPtr, 32);
    a_.ear(kPtr, 1);
    a_.lg(kPtr, Mem(f.reader_tp_offset, kPtr));
  }

  // The thread's reader word -= kNestOne (r0, r1).
  void leave_section(const rcu::StubFacts& f) {
    reader(f);
    a_.lg(kData, Mem(0, kPtr));
    a_.aghi(kData, -static_cast<int64_t>(rcu::kNestOne));
    a_.stg(kData, Mem(0, kPtr));
  }

  static Mem at(int32_t off) { return Mem(off, kSp); }

  // Whole general registers to and from frame slots: consecutive registers
  // to consecutive doublewords (the argument registers r2-r6 saved into ctx,
  // or loaded back before the original call) become one STMG / LMG.
  struct GprRun {
    bool load = false;
    unsigned first = 0, count = 0;
    int32_t off = 0;
  };

  // A step that stores or loads a whole GPR at a frame slot, as a run of
  // one; nullopt when it does not. Other steps have no gpr_slot().
  static std::optional<GprRun> gpr_slot(const step::SaveReg& s) { return saved_slot(false, s.reg); }
  static std::optional<GprRun> gpr_slot(const step::RestoreReg& s) {
    return saved_slot(true, s.reg);
  }
  static std::optional<GprRun> gpr_slot(const step::RegToFrame& s) {
    if (s.src.kind != LocKind::gpr || s.src.offset != 0 || s.src.size != 8) return std::nullopt;
    return GprRun{false, s.src.reg, 1, s.frame_off};
  }
  static std::optional<GprRun> gpr_slot(const step::FrameToReg& s) {
    if (s.dst.kind != LocKind::gpr || s.dst.size != 8) return std::nullopt;
    return GprRun{true, s.dst.reg, 1, s.frame_off};
  }
  static std::optional<GprRun> gpr_slot(const step::SavedPtrToReg& s) {
    return GprRun{true, s.gpr, 1, s.ptr_off};
  }
  static std::optional<GprRun> saved_slot(bool load, const SavedReg& r) {
    if (r.kind != LocKind::gpr) return std::nullopt;
    return GprRun{load, r.reg, 1, r.off};
  }

  // Appends one register's slot to the run, or starts a new run.
  void queue_gpr_slot(const GprRun& s) {
    if (run_.count != 0 && run_.load == s.load && s.first == run_.first + run_.count &&
        s.off == run_.off + 8 * static_cast<int32_t>(run_.count)) {
      ++run_.count;
      return;
    }
    flush_gpr_run();
    run_ = s;
  }

  // One per step type (step.hpp), for what gpr_slot() leaves.
  void emit(const TrampolinePlan&, const step::SaveReg& s) {
    if (s.reg.kind == LocKind::gpr)
      a_.stg(s.reg.reg, at(s.reg.off));
    else
      a_.std(s.reg.reg, at(s.reg.off));
  }
  void emit(const TrampolinePlan&, const step::RestoreReg& s) {
    if (s.reg.kind == LocKind::gpr)
      a_.lg(s.reg.reg, at(s.reg.off));
    else
      a_.ld(s.reg.reg, at(s.reg.off));
  }
  void emit(const TrampolinePlan&, const step::ZeroSlot& s) { store_imm(s.frame_off, 0); }
  void emit(const TrampolinePlan&, const step::StoreImm& s) { store_imm(s.frame_off, s.value); }
  void emit(const TrampolinePlan&, const step::RegToFrame& s) { reg_to_frame(s.src, s.frame_off); }
  void emit(const TrampolinePlan&, const step::StackToFrame& s) {
    copy(kSp, entry(s.entry_sp_off), s.to.off, s.to.size);
  }
  void emit(const TrampolinePlan&, const step::CopyStackArgs& s) {
    copy(kSp, entry(s.entry_sp_off), s.to.off, s.to.size);
  }
  void emit(const TrampolinePlan&, const step::ByRefToFrame& s) {
    if (s.ptr.kind == LocKind::stack)
      a_.lg(kPtr, at(entry(s.ptr.offset)));
    else
      a_.lgr(kPtr, s.ptr.reg);
    copy(kPtr, 0, s.to.off, s.to.size);
  }
  void emit(const TrampolinePlan&, const step::SavedPtrToFrame& s) {
    a_.lg(kPtr, at(s.ptr_off));
    copy(kPtr, 0, s.to.off, s.to.size);
  }
  void emit(const TrampolinePlan& plan, const step::CallProgram& s) {
    call_program(plan, *s.prog);
    if (s.result_off) a_.stg(2, at(*s.result_off));
  }
  void emit(const TrampolinePlan&, const step::BranchIfResultNonzero& s) {
    a_.ltgr(2, 2);
    a_.brcl(cond::ne, label(s.label));
  }
  void emit(const TrampolinePlan&, const step::CallOriginal& s) {
    a_.load_imm64(kPtr, s.addr);
    a_.basr(kRa, kPtr);
  }
  void emit(const TrampolinePlan&, const step::BindLabel& s) { a_.bind(label(s.label)); }
  void emit(const TrampolinePlan&, const step::FrameToReg& s) {
    frame_to_reg(s.dst, s.frame_off, s.ext);
  }
  void emit(const TrampolinePlan&, const step::SavedPtrToReg& s) { a_.lg(s.gpr, at(s.ptr_off)); }

  void flush_gpr_run() {
    const GprRun r = run_;
    run_ = {};
    if (r.count == 1) {
      if (r.load)
        a_.lg(r.first, at(r.off));
      else
        a_.stg(r.first, at(r.off));
    } else if (r.count > 1) {
      if (r.load)
        a_.lmg(r.first, r.first + r.count - 1, at(r.off));
      else
        a_.stmg(r.first, r.first + r.count - 1, at(r.off));
    }
  }

  // A doubleword constant into a frame slot: MVGHI when it is a signed
  // halfword and the slot is within its 12-bit displacement.
  void store_imm(int32_t off, uint64_t v) {
    const auto sv = static_cast<int64_t>(v);
    if (sv >= -32768 && sv <= 32767 && off >= 0 && off <= 4095) {
      a_.mvghi(at(off), sv);
      return;
    }
    a_.load_imm64(kData, v);
    a_.stg(kData, at(off));
  }

  // The program's result in r2. A nothrow program on an s390x host gets the
  // runner's fast path inline (common/tramp/program.cpp ProgramRunner::run),
  // its other cases out of line, after the trampoline's br:
  //
  //     ear  %r1,%a0 ; sllg %r1,%r1,32 ; ear %r1,%a1   ; the thread pointer
  //     lg   %r7,off(%r1)              ; this thread's RunBlock
  //     lg   %r8,word(%r7)             ; the program's run word
  //     tmll %r8,1 ; jgo slow          ; running on this thread (cc3: a miss),
  //                                    ; or no block yet (the runner claims one)
  //     aghi %r8,1 ; stg %r8,word(%r7) ; mark it (bit 0 is clear: + is |)
  //     la   %r2,ctx(%r15) ; %r1 = prog ; lg %r3,cookie(%r1) ; lg %r1,fn(%r1)
  //     basr %r14,%r1
  //     aghi %r8,1 ; stg %r8,word(%r7) ; (v|1) + 1 = v + one run, unmarked
  //   done:
  //     ...
  //     br   %r14
  //   slow:
  //     %r2 = prog ; %r3 = ctx ; basr xtramp_run_program ; jg done
  //
  // The block and the marked word stay in r7 and r8 across the call: the
  // word is the same after it (a re-entry on this thread only reads it, no
  // other thread writes it), as the runner's reload would find.
  // A program that may throw always goes through the runner, whose catch-all
  // keeps an exception from unwinding through generated code.
  void call_program(const TrampolinePlan& plan, const Program& prog) {
    const detail::InlineRun& run = inline_run_;
    if (!prog.nothrow || !run.available) {
      call_runner(plan, prog);
      return;
    }
    OutOfLine& o = out_of_line_.emplace_back(OutOfLine{a_.new_label(), a_.new_label(), &prog});
    const Mem run_word(run.words_offset + 8 * static_cast<int64_t>(prog.guard_slot()), kBlock);
    const auto running = static_cast<int64_t>(run.running_bit);
    a_.ear(kPtr, 0);
    a_.sllg(kPtr, kPtr, 32);
    a_.ear(kPtr, 1);
    a_.lg(kBlock, Mem(run.block_tp_offset, kPtr));
    a_.lg(kRunWord, run_word);
    a_.tmll(kRunWord, running);
    a_.brcl(cond::o, o.slow);  // cc3: the selected bit is one
    a_.aghi(kRunWord, running);
    a_.stg(kRunWord, run_word);
    a_.lay(2, at(plan.ctx_off));
    a_.load_imm64(kPtr, reinterpret_cast<uint64_t>(&prog));
    a_.lg(3, Mem(field_offset(prog, &prog.cookie), kPtr));
    a_.lg(kPtr, Mem(field_offset(prog, &prog.fn), kPtr));
    a_.basr(kRa, kPtr);
    a_.aghi(kRunWord, static_cast<int64_t>(run.one_run) - running);
    a_.stg(kRunWord, run_word);
    a_.bind(o.done);
  }

  void call_runner(const TrampolinePlan& plan, const Program& prog) {
    a_.load_imm64(2, reinterpret_cast<uint64_t>(&prog));
    a_.lay(3, at(plan.ctx_off));
    a_.load_imm64(kPtr, reinterpret_cast<uint64_t>(&xtramp_run_program));
    a_.basr(kRa, kPtr);
  }

  // The slow paths of inline program runs, after the br (the same frame).
  void emit_out_of_line(const TrampolinePlan& plan) {
    for (OutOfLine& o : out_of_line_) {
      a_.bind(o.slow);
      call_runner(plan, *o.prog);
      a_.brcl(cond::always, o.done);
    }
  }

  template <typename T>
  static int64_t field_offset(const Program& prog, const T* field) {
    return reinterpret_cast<const char*>(field) - reinterpret_cast<const char*>(&prog);
  }
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
  void reg_to_frame(const RegBytes& p, int32_t off) {
    if (p.kind == LocKind::fpr) {
      if (p.offset == 0 && p.size == 8) return a_.std(p.reg, at(off));
      if (p.offset == 0 && p.size == 4) return a_.ste(p.reg, at(off));  // the left half
      a_.std(p.reg, at(kScratch));
    } else {
      const uint32_t low = 8 - p.size;  // the low-order bytes: what ST/STH/STC store
      if (p.offset == 0 && p.size == 8) return a_.stg(p.reg, at(off));
      if (p.offset == low && p.size == 4) return a_.st(p.reg, at(off));
      if (p.offset == low && p.size == 2) return a_.sth(p.reg, at(off));
      if (p.offset == low && p.size == 1) return a_.stc(p.reg, at(off));
      a_.stg(p.reg, at(kScratch));
    }
    a_.mvc(at(off), at(kScratch + static_cast<int32_t>(p.offset)), p.size);
  }

  // The return value back into its register, extended as the ABI says.
  void frame_to_reg(const RegBytes& p, int32_t off, Extension ext) {
    const unsigned r = p.reg;
    if (p.kind == LocKind::fpr) {
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
        a_.mvc(at(kScratch + static_cast<int32_t>(p.offset)), at(off), p.size);
        return a_.lg(r, at(kScratch));
    }
  }

  Assembler a_;
  std::map<uint32_t, Label> labels_;
  struct OutOfLine {
    Label slow, done;
    const Program* prog;
  };
  std::deque<OutOfLine> out_of_line_;
  GprRun run_;
  const detail::InlineRun inline_run_ = kHostTls.inline_run();  // a process constant
  uint32_t frame_ = 0;
};

}  // namespace

std::unique_ptr<Emitter> make_emitter() {
  return std::make_unique<S390xEmitter>();
}

}  // namespace xtramp::s390x
