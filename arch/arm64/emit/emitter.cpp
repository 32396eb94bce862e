// The arm64 trampoline emitter (asmjit a64). Primitives only: the planner
// (common/tramp/plan.cpp) decides what goes where.
//
// Frame (replace mode: called exactly like the traced function; entry patch:
// reached by "b trampoline" at the function's entry (arch/arm64/patch.hpp), x30
// = the caller's LR; the trampoline first does what the kernel's patch site
// "mov x9, x30; bl" does: x9 = the caller's LR, x30 = the body, fn + 8):
//
//   sp+frame_size ...     the caller's stack arguments (AAPCS64: NSAA = SP at entry)
//   [entry patch: sp+frame_size-16   x9 (the caller's LR), padding]
//   sp+frame_size-16/-32  x29, x30 (frame record)        <- x29
//   sp+save_off ...       raw argument registers (x: 8 bytes, q: 16)
//   sp+ctx_off ...        ctx[0..n), return slots
//   sp+ip_off+8           ctx[-1] = func_meta: slot count (bits 0-7), the running
//                         fsession program's cookie index (8-15), exit half (63)
//   sp+ip_off             ctx[-2] = function address
//   sp+cookie_off ...     fsession cookies, 8 bytes each (n fsession programs):
//                         ctx[-3] at sp+ip_off-8 is the last one's, ctx[-2-n] at
//                         sp+cookie_off the first one's; zeroed before fentry
//                         (pairs of zero stores become STP xzr, xzr)
//   sp+0 ...              stack arguments for the original call
//
// SP stays 16-byte aligned (AAPCS64 §6.4.5.1). Scratch: x9 (pointer), x10
// (data), x11 (the second constant of an STP; w11 the store-exclusive
// status), x16 (IP0, call target) — none of them carries arguments or
// results.
#include <asmjit/arm.h>
#include <asmjit/arm/a64assembler.h>

#include <bit>
#include <deque>
#include <map>
#include <string>
#include <variant>

#include "arch/arm64/emit/emitter.hpp"
#include "arch/arm64/regs.hpp"
#include "common/error.hpp"
#include "common/tramp/host_tls.hpp"
#include "common/tramp/rcu_facts.hpp"

namespace xtramp::arm64 {

namespace {

namespace aj = asmjit;
namespace a64 = asmjit::a64;

class ThrowOnError final : public aj::ErrorHandler {
 public:
  void handleError(aj::Error, const char* message, aj::BaseEmitter*) override {
    throw xtramp::Error(Errc::bad_request, std::string("arm64 emitter: ") + message);
  }
};

const a64::GpX kPtr = a64::x(9), kData = a64::x(10), kData2 = a64::x(11), kCall = a64::x(16);

// The inline program path's TLS facts, on an arm64 host only (the generated
// code runs in this process). AArch64 uses TLS variant I: TPIDR_EL0 holds the
// thread pointer, which points at a 16-byte TCB, and the static TLS blocks
// follow it, so an initial-exec variable is at a fixed positive offset from
// it (Drepper, "ELF Handling For Thread-Local Storage", version 0.21,
// https://www.akkadia.org/drepper/tls.pdf, "Run-Time Handling of TLS"; glibc
// 2.36 sysdeps/aarch64/nptl/tls.h: TLS_DTV_AT_TP, TLS_TCB_SIZE 16). The
// trampoline reads it with MRS and reaches the variable with an ADD of the
// offset's bits 12..23 and an LDR of its bits 0..11.
#if defined(__aarch64__)
uintptr_t host_thread_pointer() noexcept {
  uintptr_t tp = 0;
  asm("mrs %0, tpidr_el0" : "=r"(tp));
  return tp;
}
// ADD (bits 12..23) + LDR (bits 0..11, scaled by 8)
bool tp_offset_fits(int64_t off) noexcept {
  return off >= 0 && off < (int64_t{1} << 24) && off % 8 == 0;
}

// The host's TLS facts (common/tramp/host_tls.hpp); none on another host.
constexpr HostTls kHostTls{&host_thread_pointer, &tp_offset_fits};
#else
constexpr HostTls kHostTls{};
#endif

class A64Emitter final : public Emitter {
 public:
  // The frame record (x29, x30); entry patch: x9 above it, at kX9Slot, and
  // padding (traits()).
  static constexpr uint32_t kFrameRecord = 16;
  static constexpr int32_t kX9Slot = kFrameRecord;
  static uint32_t arch_area(AttachMode mode) {
    return mode == AttachMode::replace ? kFrameRecord : kFrameRecord + 16;
  }

  EmitterTraits traits(AttachMode mode) const override {
    EmitterTraits t;
    t.sp_align = 16;
    t.entry_sp_mod = 0;
    t.call_pushes = 0;
    t.outgoing_reserve = 0;
    // x29, x30; entry patch: also x9, the caller's LR (the patch site is
    // "mov x9, x30; bl trampoline", so x30 points into the body).
    t.arch_area = arch_area(mode);
    t.stack_args_base = kStackArgsBase;
    t.fpr_save_size = 16;  // q registers: a long double / _Float128 argument uses all 16 bytes
    return t;
  }

  void begin(const TrampolinePlan& plan) override {
    code_ = std::make_unique<aj::CodeHolder>();
    code_->init(aj::Environment(aj::Arch::kAArch64));
    code_->setErrorHandler(&thrower_);
    a_ = std::make_unique<a64::Assembler>(code_.get());
    labels_.clear();
    out_of_line_.clear();
    pending_ = {};
    frame_ = plan.frame_size;
    area_ = arch_area(plan.mode);
    if (plan.mode == AttachMode::entry_patch) {
      // The site is "b trampoline", not the kernel's "mov x9, x30; bl": a
      // live NOP may only become a B/BL (ARM ARM B2.2.5), so the MOV runs here.
      a_->mov(a64::x9, a64::x30);
      load_imm(a64::x30, plan.orig_addr);  // the body: fn + 8
    }
    a_->stp(a64::x29, a64::x30, a64::ptr_pre(a64::sp, -static_cast<int32_t>(area_)));
    if (area_ > kFrameRecord) a_->str(a64::x9, a64::ptr(a64::sp, kX9Slot));
    a_->mov(a64::x29, a64::sp);
    adjust_sp(-static_cast<int64_t>(frame_ - area_));
  }

  void step(const TrampolinePlan& plan, const Step& s) override {
    std::visit(
        [&](const auto& op) {
          if constexpr (requires { queue(op); }) {
            if (queue(op)) return;
          }
          flush_slot();
          emit(plan, op);
        },
        s);
  }

  // The entry stub (emitter.hpp, runtime/rcu.hpp). x16 and x17 carry no argument
  // at a function's entry. The outermost section of a registered thread (every
  // call but nested and first ones) falls straight through.
  //
  //   retry:
  //     mrs  x16, tpidr_el0 ; ldr x16, [x16, #reader_tp_offset]  ; this thread's Reader
  //     ldr  x17, [x16]                    ; its word
  //     tst  x17, #(kUnregistered | kNestMask) ; b.ne other
  //     x17 = &gp_ctr ; ldr x17, [x17]     ; outermost: nest 1, sequence
  //   store:
  //     str  x17, [x16]                    ; a plain store to the thread's own line
  //     x16 = target_ptr ; ldr x16, [x16] ; br x16
  //   other:
  //     tbnz x17, #0, slow                 ; not registered yet
  //     add  x17, x17, #kNestOne ; b store ; nested
  //   slow:
  //     stp x29, x30, [sp, #-16]! ; x16 = xtramp_rcu_register_thunk ; blr x16
  //     ldp x29, x30, [sp], #16 ; b retry
  //   passthrough:
  //     (the word -= kNestOne) ; x16 = resume ; br x16
  StubCode entry_stub(const StubSpec& spec) override {
    const rcu::StubFacts f = stub_facts(spec.facts);
    start();
    auto& a = *a_;
    const a64::GpX rec = a64::x16, w = a64::x17;
    aj::Label retry = a.newLabel(), slow = a.newLabel(), other = a.newLabel(), store = a.newLabel();
    a.bind(retry);
    reader(f, rec);
    a.ldr(w, a64::ptr(rec));
    a.tst(w, rcu::kUnregistered | rcu::kNestMask);
    a.b_ne(other);
    load_imm(w, f.gp_ctr);
    a.ldr(w, a64::ptr(w));
    a.bind(store);
    a.str(w, a64::ptr(rec));
    load_imm(rec, spec.target_ptr);
    a.ldr(rec, a64::ptr(rec));
    a.br(rec);
    a.bind(other);
    a.tbnz(w, 0, slow);
    a.add(w, w, rcu::kNestOne);
    a.b(store);
    a.bind(slow);
    a.stp(a64::x29, a64::x30, a64::ptr_pre(a64::sp, -16));
    load_imm(rec, f.register_thunk);
    a.blr(rec);
    a.ldp(a64::x29, a64::x30, a64::ptr_post(a64::sp, 16));
    a.b(retry);
    StubCode out;
    out.passthrough = static_cast<uint32_t>(a.offset());
    leave_section(f);
    load_imm(rec, spec.resume);
    a.br(rec);
    out.code = take();
    return out;
  }

  std::vector<uint8_t> exit_stub(const rcu::StubFacts& facts) override {
    const rcu::StubFacts f = stub_facts(facts);
    start();
    leave_section(f);
    a_->ret(a64::x30);
    return take();
  }

  std::vector<uint8_t> finish(const TrampolinePlan& plan) override {
    flush_slot();
    adjust_sp(static_cast<int64_t>(frame_ - area_));
    if (area_ > kFrameRecord) a_->ldr(a64::x9, a64::ptr(a64::sp, kX9Slot));
    a_->ldp(a64::x29, a64::x30, a64::ptr_post(a64::sp, static_cast<int32_t>(area_)));
    if (plan.exit_addr != 0) {
      // Leave the caller's read-side section in code that is never freed
      // (runtime/rcu.hpp): the exit stub returns to x30; a fentry-only entry patch's
      // exit (the site's passthrough) goes to the body with x30 the caller's.
      if (plan.mode == AttachMode::entry_patch) a_->mov(a64::x30, a64::x9);
      load_imm(kCall, plan.exit_addr);
      a_->br(kCall);
    } else if (plan.mode == AttachMode::replace) {
      a_->ret(a64::x30);
    } else if (!plan.calls_original) {
      // Into the body, with the LR the function was called with.
      a_->mov(kCall, a64::x30);
      a_->mov(a64::x30, a64::x9);
      a_->br(kCall);
    } else {
      a_->mov(a64::x30, a64::x9);  // skip the body's frame: back to the caller
      a_->ret(a64::x30);
    }
    emit_out_of_line(plan);
    code_->flatten();
    code_->resolveUnresolvedLinks();
    const aj::CodeBuffer& buf = code_->textSection()->buffer();
    return std::vector<uint8_t>(buf.data(), buf.data() + buf.size());
  }

 private:
  rcu::StubFacts stub_facts(const rcu::StubFacts& facts) const {
    const rcu::StubFacts f = kHostTls.stub_facts(facts);
    if (!f.available)
      throw Error(Errc::unsupported, "arm64: no RCU entry stub (not an arm64 host)");
    return f;
  }

  void start() {
    code_ = std::make_unique<aj::CodeHolder>();
    code_->init(aj::Environment(aj::Arch::kAArch64));
    code_->setErrorHandler(&thrower_);
    a_ = std::make_unique<a64::Assembler>(code_.get());
  }

  // rec = this thread's Reader (x16 or x17 only).
  void reader(const rcu::StubFacts& f, const a64::GpX& rec) {
    word(0xD53BD040u | rec.id());  // mrs rec, tpidr_el0
    const auto off = static_cast<uint32_t>(f.reader_tp_offset);
    add_hi(rec, off);
    a_->ldr(rec, a64::ptr(rec, off & 0xfff));
  }

  // The thread's reader word -= kNestOne (x16, x17).
  void leave_section(const rcu::StubFacts& f) {
    reader(f, a64::x16);
    a_->ldr(a64::x17, a64::ptr(a64::x16));
    a_->sub(a64::x17, a64::x17, rcu::kNestOne);
    a_->str(a64::x17, a64::ptr(a64::x16));
  }

  std::vector<uint8_t> take() {
    code_->flatten();
    code_->resolveUnresolvedLinks();
    const aj::CodeBuffer& buf = code_->textSection()->buffer();
    return std::vector<uint8_t>(buf.data(), buf.data() + buf.size());
  }

  static a64::Mem mem(int32_t off) { return a64::ptr(a64::sp, off); }

  // Whole x registers to and from frame slots: two in a row to adjacent
  // doublewords become one STP / LDP (imm7 scaled by 8: -512..504; LDP's two
  // registers must differ).
  struct PendingSlot {
    bool active = false;
    bool load = false;
    a64::GpX reg;
    int32_t off = 0;
  };

  bool pairs_with(bool load, const a64::GpX& reg, int32_t off) const {
    const PendingSlot& p = pending_;
    return p.active && p.load == load && off == p.off + 8 && p.off % 8 == 0 && p.off >= -512 &&
           p.off <= 504 && (!load || p.reg.id() != reg.id());
  }

  void pend(bool load, const a64::GpX& reg, int32_t off) {
    if (pairs_with(load, reg, off)) {
      if (load)
        a_->ldp(pending_.reg, reg, mem(pending_.off));
      else
        a_->stp(pending_.reg, reg, mem(pending_.off));
      pending_ = {};
      return;
    }
    flush_slot();
    pending_ = {true, load, reg, off};
  }

  void flush_slot() {
    if (!pending_.active) return;
    if (pending_.load)
      a_->ldr(pending_.reg, mem(pending_.off));
    else
      a_->str(pending_.reg, mem(pending_.off));
    pending_ = {};
  }

  // Queues a step that stores or loads a whole x register (or a constant,
  // through x10 / x11) at a frame slot; false when it does not. Other steps
  // have no queue().
  bool queue(const step::SaveReg& s) { return queue_saved(false, s.reg); }
  bool queue(const step::RestoreReg& s) { return queue_saved(true, s.reg); }
  bool queue(const step::ZeroSlot& s) {
    pend(false, a64::xzr, s.frame_off);
    return true;
  }
  bool queue(const step::StoreImm& s) {
    // The second of a pair must not overwrite the first's x10.
    const bool second = pairs_with(false, kData2, s.frame_off) && pending_.reg.id() == kData.id();
    const a64::GpX r = second ? kData2 : kData;
    if (!pairs_with(false, r, s.frame_off)) flush_slot();
    load_imm(r, s.value);
    pend(false, r, s.frame_off);
    return true;
  }
  bool queue(const step::RegToFrame& s) {
    if (s.src.kind != LocKind::gpr || s.src.offset != 0 || s.src.size != 8) return false;
    pend(false, a64::x(s.src.reg), s.frame_off);
    return true;
  }
  bool queue(const step::FrameToReg& s) {
    if (s.dst.kind != LocKind::gpr) return false;
    pend(true, a64::x(s.dst.reg), s.frame_off);
    return true;
  }
  bool queue(const step::SavedPtrToReg& s) {
    pend(true, a64::x(s.gpr), s.ptr_off);
    return true;
  }
  bool queue_saved(bool load, const SavedReg& r) {
    if (r.kind != LocKind::gpr) return false;
    pend(load, a64::x(r.reg), r.off);
    return true;
  }

  // One per step type (step.hpp), for what queue() leaves.
  void emit(const TrampolinePlan&, const step::SaveReg& s) {
    if (s.reg.kind == LocKind::gpr)
      a_->str(a64::x(s.reg.reg), mem(s.reg.off));
    else
      a_->str(a64::v(s.reg.reg), mem(s.reg.off));
  }
  void emit(const TrampolinePlan&, const step::RestoreReg& s) {
    if (s.reg.kind == LocKind::gpr)
      a_->ldr(a64::x(s.reg.reg), mem(s.reg.off));
    else
      a_->ldr(a64::v(s.reg.reg), mem(s.reg.off));
  }
  void emit(const TrampolinePlan&, const step::ZeroSlot& s) { a_->str(a64::xzr, mem(s.frame_off)); }
  void emit(const TrampolinePlan&, const step::StoreImm& s) {
    load_imm(kData, s.value);
    a_->str(kData, mem(s.frame_off));
  }
  void emit(const TrampolinePlan&, const step::RegToFrame& s) { reg_to_frame(s.src, s.frame_off); }
  void emit(const TrampolinePlan&, const step::StackToFrame& s) {
    copy(a64::sp, entry(s.entry_sp_off), a64::sp, s.to.off, s.to.size);
  }
  void emit(const TrampolinePlan&, const step::ByRefToFrame& s) {
    if (s.ptr.kind == LocKind::stack)
      a_->ldr(kPtr, mem(entry(s.ptr.offset)));
    else
      a_->mov(kPtr, a64::x(s.ptr.reg));
    copy(kPtr, 0, a64::sp, s.to.off, s.to.size);
  }
  void emit(const TrampolinePlan&, const step::SavedPtrToFrame& s) {
    a_->ldr(kPtr, mem(s.ptr_off));
    copy(kPtr, 0, a64::sp, s.to.off, s.to.size);
  }
  void emit(const TrampolinePlan& plan, const step::CallProgram& s) {
    call_program(plan, *s.prog);
    if (s.result_off) a_->str(a64::x0, mem(*s.result_off));
  }
  void emit(const TrampolinePlan&, const step::BranchIfResultNonzero& s) {
    a_->cbnz(a64::x0, label(s.label));
  }
  void emit(const TrampolinePlan&, const step::CopyStackArgs& s) {
    copy(a64::sp, entry(s.entry_sp_off), a64::sp, s.to.off, s.to.size);
  }
  void emit(const TrampolinePlan&, const step::CallOriginal& s) {
    load_imm(kCall, s.addr);
    a_->blr(kCall);
  }
  void emit(const TrampolinePlan&, const step::BindLabel& s) { a_->bind(label(s.label)); }
  void emit(const TrampolinePlan&, const step::FrameToReg& s) { frame_to_reg(s.dst, s.frame_off); }
  void emit(const TrampolinePlan&, const step::SavedPtrToReg& s) {
    a_->ldr(a64::x(s.gpr), mem(s.ptr_off));
  }

  // The program's result in x0. A nothrow program on an arm64 host gets the
  // runner's fast path inline (common/tramp/program.cpp ProgramRunner::run),
  // its other cases out of line, after the trampoline's ret:
  //
  //     mrs  x9, tpidr_el0            ; the thread pointer
  //     [add x9, x9, #hi, lsl #12]    ; offsets past 4095
  //     ldr  x9, [x9, #lo]            ; this thread's RunBlock
  //     [add x9, x9, #hi, lsl #12]
  //     ldr  x10, [x9, #word]         ; the program's run word
  //     tbnz x10, #0, slow            ; running on this thread (a miss), or no
  //                                   ; block yet (the runner claims one)
  //     orr  x10, x10, #1 ; str x10, [x9, #word]
  //     x16 = prog ; ldr x1, [x16, #cookie] ; ldr x16, [x16, #fn]
  //     add  x0, sp, #ctx ; blr x16
  //     (the block and word again) ; ldr x10 ; add x10, x10, #1 ; str x10
  //   done:
  //     ...
  //     ret
  //   slow:
  //     x0 = prog ; x1 = ctx ; blr xtramp_run_program ; b done
  //
  // x9 and x10 carry nothing here (entry patch: x9, the caller's LR, is in
  // the frame by now). A program that may throw always goes through the
  // runner, whose catch-all keeps an exception from unwinding through
  // generated code.
  void call_program(const TrampolinePlan& plan, const Program& prog) {
    const detail::InlineRun& run = inline_run_;
    if (!prog.nothrow || !run.available) {
      call_runner(plan, prog);
      return;
    }
    OutOfLine& o = out_of_line_.emplace_back();
    o.prog = &prog;
    o.slow = a_->newLabel();
    o.done = a_->newLabel();
    const uint32_t run_word = run.words_offset + 8 * prog.guard_slot();
    const uint32_t word_lo = thread_block(run, run_word);
    add_hi(kPtr, run_word);
    a_->ldr(kData, a64::ptr(kPtr, word_lo));
    a_->tbnz(kData, static_cast<uint32_t>(std::countr_zero(run.running_bit)), o.slow);
    a_->orr(kData, kData, run.running_bit);
    a_->str(kData, a64::ptr(kPtr, word_lo));
    load_imm(kCall, reinterpret_cast<uint64_t>(&prog));
    a_->ldr(a64::x1, a64::ptr(kCall, field_offset(prog, &prog.cookie)));
    a_->ldr(kCall, a64::ptr(kCall, field_offset(prog, &prog.fn)));
    add_sp(a64::x0, plan.ctx_off);
    a_->blr(kCall);
    // (v | running) + (one_run - running) = v + one_run, unmarked.
    thread_block(run, run_word);
    add_hi(kPtr, run_word);
    a_->ldr(kData, a64::ptr(kPtr, word_lo));
    a_->add(kData, kData, run.one_run - run.running_bit);
    a_->str(kData, a64::ptr(kPtr, word_lo));
    a_->bind(o.done);
  }

  // x9 = this thread's RunBlock pointer (MRS TPIDR_EL0: op0=3 op1=3 CRn=13
  // CRm=0 op2=2, Arm ARM DDI 0487 "MRS" and "TPIDR_EL0"). Returns the low 12
  // bits of `run_word`, the LDR/STR offset once add_hi() has added the rest.
  uint32_t thread_block(const detail::InlineRun& run, uint32_t run_word) {
    word(0xD53BD040u | kPtr.id());  // mrs x9, tpidr_el0
    const auto off = static_cast<uint32_t>(run.block_tp_offset);
    add_hi(kPtr, off);
    a_->ldr(kPtr, a64::ptr(kPtr, off & 0xfff));
    return run_word & 0xfff;
  }

  // r += off & 0xfff000 (ADD immediate, shift 12), when that is not 0.
  void add_hi(const a64::GpX& r, uint32_t off) {
    const uint32_t hi = (off >> 12) & 0xfff;
    if (hi != 0) a_->add(r, r, hi << 12);  // ADD (immediate), sh = 1
  }

  void call_runner(const TrampolinePlan& plan, const Program& prog) {
    load_imm(a64::x0, reinterpret_cast<uint64_t>(&prog));
    add_sp(a64::x1, plan.ctx_off);
    load_imm(kCall, reinterpret_cast<uint64_t>(&xtramp_run_program));
    a_->blr(kCall);
  }

  // The slow paths of inline program runs, after the ret (the same frame).
  void emit_out_of_line(const TrampolinePlan& plan) {
    for (OutOfLine& o : out_of_line_) {
      a_->bind(o.slow);
      call_runner(plan, *o.prog);
      a_->b(o.done);
    }
  }

  template <typename T>
  static int32_t field_offset(const Program& prog, const T* field) {
    return static_cast<int32_t>(reinterpret_cast<const char*>(field) -
                                reinterpret_cast<const char*>(&prog));
  }
  int32_t entry(int32_t entry_off) const { return static_cast<int32_t>(frame_) + entry_off; }

  aj::Label label(uint32_t id) {
    auto it = labels_.find(id);
    if (it == labels_.end()) it = labels_.emplace(id, a_->newLabel()).first;
    return it->second;
  }

  void adjust_sp(int64_t delta) {
    while (delta != 0) {
      const int64_t step =
          delta > 0 ? std::min<int64_t>(delta, 4095) : std::max<int64_t>(delta, -4095);
      if (step > 0)
        a_->add(a64::sp, a64::sp, step);
      else
        a_->sub(a64::sp, a64::sp, -step);
      delta -= step;
    }
  }

  void add_sp(const a64::GpX& dst, int32_t off) {
    if (off <= 4095) {
      a_->add(dst, a64::sp, off);
    } else {
      load_imm(dst, static_cast<uint64_t>(off));
      a_->add(dst, a64::sp, dst);
    }
  }

  // MOVZ + MOVK, written as words (asmjit's mov only takes encodable immediates).
  void load_imm(const a64::GpX& r, uint64_t v) {
    bool first = true;
    for (uint32_t hw = 0; hw < 4; ++hw) {
      const uint32_t part = static_cast<uint32_t>((v >> (16 * hw)) & 0xffff);
      if (part == 0 && !(first && hw == 3)) continue;
      const uint32_t base = first ? 0xD2800000u : 0xF2800000u;  // MOVZ / MOVK, 64-bit
      word(base | (hw << 21) | (part << 5) | r.id());
      first = false;
    }
    if (first) word(0xD2800000u | r.id());  // v == 0: movz r, #0
  }

  void word(uint32_t w) {
    const uint8_t b[4] = {static_cast<uint8_t>(w), static_cast<uint8_t>(w >> 8),
                          static_cast<uint8_t>(w >> 16), static_cast<uint8_t>(w >> 24)};
    a_->embed(b, 4);
  }

  void store_width(const a64::GpX& r, int32_t off, uint32_t width) {
    switch (width) {
      case 8:
        a_->str(r, mem(off));
        break;
      case 4:
        a_->str(r.w(), mem(off));
        break;
      case 2:
        a_->strh(r.w(), mem(off));
        break;
      default:
        a_->strb(r.w(), mem(off));
        break;
    }
  }

  // A frame slot for a Q register: LDR/STR Qt take an offset scaled by 16
  // (0..65520), LDUR/STUR one of -256..255 (Arm ARM, "LDR (immediate, SIMD&FP)",
  // "LDUR (SIMD&FP)"); any other (a long double ctx slot at sp+296) is
  // addressed through kData, free in reg_to_frame and frame_to_reg.
  a64::Mem q_mem(int32_t off) {
    if (off % 16 == 0 || (off >= -256 && off <= 255)) return mem(off);
    a_->add(kData, a64::sp, off);
    return a64::ptr(kData);
  }

  void reg_to_frame(const RegBytes& p, int32_t off) {
    if (p.kind == LocKind::gpr) {
      if (p.offset == 0 && (p.size == 8 || p.size == 4 || p.size == 2 || p.size == 1)) {
        store_width(a64::x(p.reg), off, p.size);
        return;
      }
      a_->mov(kData, a64::x(p.reg));
      if (p.offset) a_->lsr(kData, kData, 8 * p.offset);
      uint32_t done = 0;
      for (uint32_t chunk : {4u, 2u, 1u}) {
        while (p.size - done >= chunk) {
          store_width(kData, off + static_cast<int32_t>(done), chunk);
          done += chunk;
          if (done < p.size) a_->lsr(kData, kData, 8 * chunk);
        }
      }
      return;
    }
    if (p.offset != 0)
      throw Error(Errc::unsupported, "arm64 emitter: FP part at byte " + std::to_string(p.offset));
    switch (p.size) {
      case 16:
        a_->str(a64::v(p.reg), q_mem(off));
        break;
      case 8:
        a_->str(a64::d(p.reg), mem(off));
        break;
      case 4:
        a_->str(a64::s(p.reg), mem(off));
        break;
      case 2:
        a_->str(aj::arm::VecH(p.reg), mem(off));
        break;
      default:
        throw Error(Errc::unsupported,
                    "arm64 emitter: FP part of " + std::to_string(p.size) + " bytes");
    }
  }

  // Return registers from their (zero-padded) slots.
  void frame_to_reg(const RegBytes& p, int32_t off) {
    if (p.kind == LocKind::gpr) {
      a_->ldr(a64::x(p.reg), mem(off));
    } else if (p.size > 8) {
      a_->ldr(a64::v(p.reg), q_mem(off));
    } else if (p.size == 8) {
      a_->ldr(a64::d(p.reg), mem(off));
    } else if (p.size == 4) {
      a_->ldr(a64::s(p.reg), mem(off));
    } else {
      a_->ldr(aj::arm::VecH(p.reg), mem(off));
    }
  }

  void copy(const a64::GpX& src_base, int32_t src, const a64::GpX& dst_base, int32_t dst,
            uint32_t size) {
    uint32_t done = 0;
    for (uint32_t chunk : {8u, 4u, 2u, 1u}) {
      for (; size - done >= chunk; done += chunk) {
        const a64::Mem from = a64::ptr(src_base, src + static_cast<int32_t>(done));
        const a64::Mem to = a64::ptr(dst_base, dst + static_cast<int32_t>(done));
        switch (chunk) {
          case 8:
            a_->ldr(kData, from);
            a_->str(kData, to);
            break;
          case 4:
            a_->ldr(kData.w(), from);
            a_->str(kData.w(), to);
            break;
          case 2:
            a_->ldrh(kData.w(), from);
            a_->strh(kData.w(), to);
            break;
          default:
            a_->ldrb(kData.w(), from);
            a_->strb(kData.w(), to);
            break;
        }
      }
    }
  }

  ThrowOnError thrower_;
  std::unique_ptr<aj::CodeHolder> code_;
  std::unique_ptr<a64::Assembler> a_;
  std::map<uint32_t, aj::Label> labels_;
  struct OutOfLine {
    aj::Label slow, done;
    const Program* prog = nullptr;
  };
  std::deque<OutOfLine> out_of_line_;
  PendingSlot pending_;
  const detail::InlineRun inline_run_ = kHostTls.inline_run();  // a process constant
  uint32_t frame_ = 0;
  uint32_t area_ = kFrameRecord;
};

}  // namespace

std::unique_ptr<Emitter> make_emitter() {
  return std::make_unique<A64Emitter>();
}

}  // namespace xtramp::arm64
