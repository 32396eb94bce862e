// The x86-64 trampoline emitter (xbyak). Primitives only: the planner
// (common/tramp/plan.cpp) decides what goes where.
//
// Frame (replace mode: called exactly like the traced function; entry patch:
// called by the `call` in the function's first 5 bytes, so one more return
// address — into the function's body — sits below the caller's):
//
//   rsp+frame_size+8 ...  the caller's stack arguments (psABI: first at 8(%rsp)
//                         at the function's entry; entry patch: 8 higher)
//   [entry patch: rsp+frame_size+8  the caller's return address]
//   rsp+frame_size        return address (entry patch: into the body)   <- rsp at entry
//   rsp+frame_size-8      saved rbp                       <- rbp
//   rsp+save_off ...      raw argument registers (gprs 8 bytes, xmm 16)
//   rsp+ctx_off ...       ctx[0..n), return slots
//   rsp+ip_off+8          ctx[-1] = func_meta: slot count (bits 0-7), the running
//                         fsession program's cookie index (8-15), exit half (63)
//   rsp+ip_off            ctx[-2] = function address
//   rsp+cookie_off ...    fsession cookies, 8 bytes each (n fsession programs):
//                         ctx[-3] at rsp+ip_off-8 is the last one's, ctx[-2-n] at
//                         rsp+cookie_off the first one's; zeroed before fentry
//   rsp+0 ...             stack arguments for the original call
//
// frame_size % 16 == 8, so rsp is 16-aligned at every call (psABI §3.2.2).
// Scratch registers: r10 (pointer), r11 (data, call target); neither carries
// arguments.
// xbyak picks 32- or 64-bit mode from the host; we always emit x86-64, on any
// host (cross generation).
#ifndef XBYAK64
#define XBYAK64
#endif
#include <xbyak/xbyak.h>

#include <climits>
#include <deque>
#include <map>
#include <memory>
#include <variant>

#include "arch/x86_64/regs.hpp"
#include "common/error.hpp"
#include "common/tramp/emitter.hpp"
#include "common/tramp/host_tls.hpp"
#include "common/tramp/rcu_facts.hpp"

namespace xtramp::x86_64 {

namespace {

using namespace Xbyak;
using namespace Xbyak::util;

const Reg64& gpr64(uint16_t r) {
  static const Reg64 regs[16] = {rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi,
                                 r8,  r9,  r10, r11, r12, r13, r14, r15};
  if (r >= 16) throw Error(Errc::bad_request, "x86-64 emitter: no gpr " + std::to_string(r));
  return regs[r];
}

Xmm xmm(uint16_t r) {
  if (r >= 16) throw Error(Errc::bad_request, "x86-64 emitter: no xmm" + std::to_string(r));
  return Xmm(r);
}

constexpr size_t kMaxCode = 64 * 1024;

// The arch area: the prologue's push rbp.
constexpr uint32_t kSavedRbp = 8;

// The inline program path's TLS facts, on an x86-64 host only (the generated
// code runs in this process). x86-64 uses TLS variant II: the thread pointer
// is the fs base, and the TCB it points to starts with the thread pointer
// itself, so fs:0 reads it; an initial-exec variable is at a fixed negative
// offset from it, addressed as fs:[disp32] (Drepper, "ELF Handling For
// Thread-Local Storage", version 0.21, https://www.akkadia.org/drepper/tls.pdf,
// "Run-Time Handling of TLS" and "Initial Exec TLS Model"; glibc 2.36
// sysdeps/x86_64/nptl/tls.h: TLS_TCB_AT_TP, tcbhead_t.tcb first).
#if defined(__x86_64__)
uintptr_t host_thread_pointer() noexcept {
  uintptr_t tp = 0;
  asm("mov %%fs:0, %0" : "=r"(tp));
  return tp;
}
// fs:[disp32]
bool tp_offset_fits(int64_t off) noexcept {
  return off >= INT32_MIN && off <= INT32_MAX;
}

// The host's TLS facts (common/tramp/host_tls.hpp); none on another host.
constexpr HostTls kHostTls{&host_thread_pointer, &tp_offset_fits};
#else
constexpr HostTls kHostTls{};
#endif

// xbyak has no 80-bit x87 memory forms: fld / fstp m80 are DB /5 and DB /7,
// here with [rsp + disp32]: ModRM mod=10 reg=/n rm=100, SIB 0x24.
class Gen : public CodeGenerator {
 public:
  using CodeGenerator::CodeGenerator;
  void fld80_rsp(int32_t disp) { x87_m80_rsp(5, disp); }
  void fstp80_rsp(int32_t disp) { x87_m80_rsp(7, disp); }
  // mov r64, qword ptr fs:[disp32] (a TLS variable at a fixed offset from the
  // thread pointer): 64 REX.W 8B /r, ModRM mod=00 rm=100, SIB 0x25 (no base,
  // no index: a sign-extended absolute disp32).
  void mov_fs(const Reg64& r, int32_t disp) {
    db(0x64);
    db(0x48 | (r.getIdx() >= 8 ? 0x04 : 0x00));
    db(0x8B);
    db(0x04 | ((r.getIdx() & 7) << 3));
    db(0x25);
    dd(static_cast<uint32_t>(disp));
  }

 private:
  void x87_m80_rsp(int ext, int32_t disp) {
    db(0xDB);
    db(0x84 | (ext << 3));
    db(0x24);
    dd(static_cast<uint32_t>(disp));
  }
};

class X86Emitter final : public Emitter {
 public:
  X86Emitter() : buf_(kMaxCode), gen_(kMaxCode, buf_.data()) {}

  EmitterTraits traits(AttachMode mode) const override {
    EmitterTraits t;
    t.sp_align = 16;
    // Replace: the caller's call pushed the return address. Entry patch: the
    // patch site's call pushed another one (into the body).
    t.entry_sp_mod = mode == AttachMode::replace ? kReturnAddressSize : 0;
    t.entry_extra = mode == AttachMode::replace ? 0 : kReturnAddressSize;
    t.call_pushes = kReturnAddressSize;
    t.outgoing_reserve = 0;
    t.arch_area = kSavedRbp;
    t.stack_args_base = kStackArgsBase;
    t.fpr_save_size = 16;
    t.ret_buffer_result_gpr = kRax;  // psABI: rax holds the buffer address on return
    return t;
  }

  void begin(const TrampolinePlan& plan) override {
    gen_.reset();
    labels_.clear();
    out_of_line_.clear();
    frame_ = plan.frame_size;
    gen_.push(rbp);
    gen_.mov(rbp, rsp);
    if (frame_ > kSavedRbp) gen_.sub(rsp, static_cast<uint32_t>(frame_ - kSavedRbp));
  }

  void step(const TrampolinePlan& plan, const Step& s) override {
    std::visit([&](const auto& op) { emit(plan, op); }, s);
  }

  // The entry stub (emitter.hpp, runtime/rcu.hpp). r10 and r11 carry no argument.
  //
  // The outermost section of a registered thread (every call but nested and
  // first ones) falls straight through: 9 instructions.
  //
  //   retry:
  //     mov  r11, fs:[reader_tp_offset]  ; this thread's Reader
  //     mov  r10, [r11]                  ; its word
  //     test r10d, kUnregistered | kNestMask ; jnz other
  //     mov  r10, &gp_ctr ; mov r10, [r10]   ; outermost: nest 1, sequence
  //   store:
  //     mov  [r11], r10                  ; a plain store to the thread's own line
  //     mov  r11, target_ptr ; jmp [r11] ; the trampoline (or the passthrough)
  //   other:
  //     test r10b, 1 ; jnz slow          ; not registered yet
  //     add  r10, kNestOne ; jmp store   ; nested
  //   slow:
  //     mov  r11, xtramp_rcu_register_thunk ; call r11 ; jmp retry
  //   passthrough:
  //     mov  r11, fs:[reader_tp_offset] ; sub qword [r11], kNestOne
  //     replace: mov r11, original ; jmp r11   entry patch: ret (into the body)
  StubCode entry_stub(const StubSpec& spec) override {
    const rcu::StubFacts f = stub_facts(spec.facts);
    gen_.reset();
    Label retry, slow, other, store;
    gen_.L(retry);
    gen_.mov_fs(r11, static_cast<int32_t>(f.reader_tp_offset));
    gen_.mov(r10, qword[r11]);
    gen_.test(r10d, static_cast<uint32_t>(rcu::kUnregistered | rcu::kNestMask));
    gen_.jnz(other, CodeGenerator::T_NEAR);
    gen_.mov(r10, f.gp_ctr);
    gen_.mov(r10, qword[r10]);
    gen_.L(store);
    gen_.mov(qword[r11], r10);
    gen_.mov(r11, spec.target_ptr);
    gen_.jmp(qword[r11]);
    gen_.L(other);
    gen_.test(r10b, static_cast<uint8_t>(rcu::kUnregistered));
    gen_.jnz(slow, CodeGenerator::T_NEAR);
    gen_.add(r10, static_cast<uint32_t>(rcu::kNestOne));
    gen_.jmp(store, CodeGenerator::T_NEAR);
    gen_.L(slow);
    gen_.mov(r11, f.register_thunk);
    gen_.call(r11);
    gen_.jmp(retry, CodeGenerator::T_NEAR);
    StubCode out;
    out.passthrough = static_cast<uint32_t>(gen_.getSize());
    leave_section(f);
    if (spec.mode == AttachMode::replace) {
      gen_.mov(r11, spec.resume);
      gen_.jmp(r11);
    } else {
      gen_.ret();  // the site's return address: the body
    }
    out.code = take();
    return out;
  }

  std::vector<uint8_t> exit_stub(const rcu::StubFacts& facts) override {
    const rcu::StubFacts f = stub_facts(facts);
    gen_.reset();
    leave_section(f);
    gen_.ret();
    return take();
  }

  std::vector<uint8_t> finish(const TrampolinePlan& plan) override {
    gen_.leave();  // mov rsp, rbp; pop rbp
    // Entry patch after calling the body: drop the patch site's return
    // address and return to the function's caller (SKIP_FRAME). Otherwise
    // ret goes to the caller (replace) or into the body (fentry only).
    if (plan.mode == AttachMode::entry_patch && plan.calls_original) gen_.add(rsp, 8);
    if (plan.exit_addr != 0) {
      // Leave the caller's read-side section in code that is never freed
      // (runtime/rcu.hpp): it decrements the thread's reader word and returns.
      gen_.mov(r11, plan.exit_addr);
      gen_.jmp(r11);
    } else {
      gen_.ret();
    }
    emit_out_of_line(plan);
    gen_.ready();  // resolves labels (a user buffer: no mprotect)
    const uint8_t* p = gen_.getCode();
    return std::vector<uint8_t>(p, p + gen_.getSize());
  }

 private:
  rcu::StubFacts stub_facts(const rcu::StubFacts& facts) const {
    const rcu::StubFacts f = kHostTls.stub_facts(facts);
    if (!f.available)
      throw Error(Errc::unsupported, "x86-64: no RCU entry stub (not an x86-64 host)");
    return f;
  }

  void leave_section(const rcu::StubFacts& f) {
    gen_.mov_fs(r11, static_cast<int32_t>(f.reader_tp_offset));
    gen_.sub(qword[r11], static_cast<uint32_t>(rcu::kNestOne));
  }

  std::vector<uint8_t> take() {
    gen_.ready();
    const uint8_t* p = gen_.getCode();
    return std::vector<uint8_t>(p, p + gen_.getSize());
  }

  int32_t entry(int32_t entry_off) const { return static_cast<int32_t>(frame_) + entry_off; }

  Label& label(uint32_t id) { return labels_[id]; }

  // The program's result in rax. A nothrow program on an x86-64 host gets the
  // runner's fast path inline (common/tramp/program.cpp ProgramRunner::run),
  // its other cases out of line, after the trampoline's ret:
  //
  //     mov  rax, fs:[block_tp_offset]   ; this thread's RunBlock
  //     mov  rcx, [rax + word]           ; the program's run word
  //     test cl, 1 ; jnz slow            ; running on this thread (a miss), or
  //                                      ; no block yet (the runner claims one)
  //     or   rcx, 1 ; mov [rax + word], rcx
  //     call prog->fn(ctx, prog->cookie)
  //     mov  rcx, fs:[block_tp_offset]
  //     add  qword [rcx + word], 1       ; (v|1) + 1 = v + one run, unmarked
  //   done:
  //     ...
  //     ret
  //   slow:
  //     call xtramp_run_program(prog, ctx) ; jmp done
  //
  // A program that may throw always goes through the runner, whose catch-all
  // keeps an exception from unwinding through generated code.
  void call_program(const TrampolinePlan& plan, const Program& prog) {
    const detail::InlineRun& run = inline_run_;
    if (!prog.nothrow || !run.available) {
      call_runner(plan, prog);
      return;
    }
    OutOfLine& o = out_of_line_.emplace_back();
    o.prog = &prog;
    const uint32_t word = run.words_offset + 8 * prog.guard_slot();
    gen_.mov_fs(rax, static_cast<int32_t>(run.block_tp_offset));
    gen_.mov(rcx, qword[rax + word]);
    gen_.test(cl, static_cast<uint8_t>(run.running_bit));
    gen_.jnz(o.slow, CodeGenerator::T_NEAR);
    gen_.or_(rcx, static_cast<uint32_t>(run.running_bit));
    gen_.mov(qword[rax + word], rcx);
    gen_.lea(rdi, qword[rsp + plan.ctx_off]);
    gen_.mov(r11, reinterpret_cast<uint64_t>(&prog));
    gen_.mov(rsi, qword[r11 + field_offset(prog, &prog.cookie)]);
    gen_.call(qword[r11 + field_offset(prog, &prog.fn)]);
    gen_.mov_fs(rcx, static_cast<int32_t>(run.block_tp_offset));
    gen_.add(qword[rcx + word], static_cast<uint32_t>(run.one_run - run.running_bit));
    gen_.L(o.done);
  }

  void call_runner(const TrampolinePlan& plan, const Program& prog) {
    gen_.mov(rdi, reinterpret_cast<uint64_t>(&prog));
    gen_.lea(rsi, qword[rsp + plan.ctx_off]);
    gen_.mov(r11, reinterpret_cast<uint64_t>(&xtramp_run_program));
    gen_.call(r11);
  }

  // The slow paths of inline program runs, after the ret (the same frame).
  void emit_out_of_line(const TrampolinePlan& plan) {
    for (OutOfLine& o : out_of_line_) {
      gen_.L(o.slow);
      call_runner(plan, *o.prog);
      gen_.jmp(o.done, CodeGenerator::T_NEAR);
    }
  }

  template <typename T>
  static int32_t field_offset(const Program& prog, const T* field) {
    return static_cast<int32_t>(reinterpret_cast<const char*>(field) -
                                reinterpret_cast<const char*>(&prog));
  }

  // One per step type (step.hpp).
  void emit(const TrampolinePlan&, const step::SaveReg& s) { store_full(s.reg, s.reg.off); }
  void emit(const TrampolinePlan&, const step::RestoreReg& s) { load_full(s.reg, s.reg.off); }
  void emit(const TrampolinePlan&, const step::ZeroSlot& s) {
    gen_.mov(qword[rsp + s.frame_off], 0);
  }
  void emit(const TrampolinePlan&, const step::StoreImm& s) {
    if (static_cast<int64_t>(s.value) == static_cast<int32_t>(s.value)) {
      gen_.mov(qword[rsp + s.frame_off], static_cast<uint32_t>(s.value));  // sign-extended imm32
    } else {
      gen_.mov(r11, s.value);
      gen_.mov(qword[rsp + s.frame_off], r11);
    }
  }
  void emit(const TrampolinePlan&, const step::RegToFrame& s) { reg_to_frame(s.src, s.frame_off); }
  void emit(const TrampolinePlan&, const step::StackToFrame& s) {
    copy(rsp, entry(s.entry_sp_off), rsp, s.to.off, s.to.size);
  }
  void emit(const TrampolinePlan&, const step::ByRefToFrame& s) {
    if (s.ptr.kind == LocKind::stack)
      gen_.mov(r10, qword[rsp + entry(s.ptr.offset)]);
    else
      gen_.mov(r10, gpr64(s.ptr.reg));
    copy(r10, 0, rsp, s.to.off, s.to.size);
  }
  void emit(const TrampolinePlan&, const step::SavedPtrToFrame& s) {
    gen_.mov(r10, qword[rsp + s.ptr_off]);
    copy(r10, 0, rsp, s.to.off, s.to.size);
  }
  void emit(const TrampolinePlan& plan, const step::CallProgram& s) {
    call_program(plan, *s.prog);
    if (s.result_off) gen_.mov(qword[rsp + *s.result_off], rax);
  }
  void emit(const TrampolinePlan&, const step::BranchIfResultNonzero& s) {
    gen_.test(rax, rax);
    gen_.jnz(label(s.label), CodeGenerator::T_NEAR);
  }
  void emit(const TrampolinePlan&, const step::CopyStackArgs& s) {
    copy(rsp, entry(s.entry_sp_off), rsp, s.to.off, s.to.size);
  }
  void emit(const TrampolinePlan&, const step::CallOriginal& s) {
    gen_.mov(r11, s.addr);
    gen_.call(r11);
  }
  void emit(const TrampolinePlan&, const step::BindLabel& s) { gen_.L(label(s.label)); }
  void emit(const TrampolinePlan&, const step::FrameToReg& s) { frame_to_reg(s.dst, s.frame_off); }
  void emit(const TrampolinePlan&, const step::SavedPtrToReg& s) {
    gen_.mov(gpr64(s.gpr), qword[rsp + s.ptr_off]);
  }

  void store_full(const SavedReg& r, int32_t off) {
    if (r.kind == LocKind::gpr)
      gen_.mov(qword[rsp + off], gpr64(r.reg));
    else
      gen_.movdqu(xword[rsp + off], xmm(r.reg));
  }

  void load_full(const SavedReg& r, int32_t off) {
    if (r.kind == LocKind::gpr)
      gen_.mov(gpr64(r.reg), qword[rsp + off]);
    else
      gen_.movdqu(xmm(r.reg), xword[rsp + off]);
  }

  // Stores the low `size` bytes of r11 at [rsp+off], 4/2/1 at a time.
  void store_r11_bytes(int32_t off, uint32_t size) {
    uint32_t done = 0;
    for (uint32_t chunk : {8u, 4u, 2u, 1u}) {
      while (size - done >= chunk) {
        const Address at = chunk == 8   ? qword[rsp + off + static_cast<int32_t>(done)]
                           : chunk == 4 ? dword[rsp + off + static_cast<int32_t>(done)]
                           : chunk == 2 ? word[rsp + off + static_cast<int32_t>(done)]
                                        : byte[rsp + off + static_cast<int32_t>(done)];
        if (chunk == 8) gen_.mov(at, r11);
        if (chunk == 4) gen_.mov(at, r11d);
        if (chunk == 2) gen_.mov(at, r11w);
        if (chunk == 1) gen_.mov(at, r11b);
        done += chunk;
        if (done < size) gen_.shr(r11, static_cast<uint8_t>(chunk * 8));
      }
    }
  }

  void reg_to_frame(const RegBytes& p, int32_t off) {
    if (p.kind == LocKind::gpr) {
      const Reg64& r = gpr64(p.reg);
      if (p.offset == 0 && (p.size == 8 || p.size == 4 || p.size == 2 || p.size == 1)) {
        switch (p.size) {
          case 8:
            gen_.mov(qword[rsp + off], r);
            break;
          case 4:
            gen_.mov(dword[rsp + off], r.cvt32());
            break;
          case 2:
            gen_.mov(word[rsp + off], r.cvt16());
            break;
          default:
            gen_.mov(byte[rsp + off], r.cvt8());
            break;
        }
        return;
      }
      gen_.mov(r11, r);
      if (p.offset) gen_.shr(r11, static_cast<uint8_t>(8 * p.offset));
      store_r11_bytes(off, p.size);
      return;
    }
    if (p.reg == kSt0) {  // x87 return value: 10 bytes, 6 of padding
      gen_.mov(qword[rsp + off + 8], 0);
      gen_.fstp80_rsp(off);
      return;
    }
    const Xmm x = xmm(p.reg);
    if (p.offset == 0 && p.size == 16) {
      gen_.movdqu(xword[rsp + off], x);
    } else if (p.offset == 0 && p.size == 8) {
      gen_.movq(qword[rsp + off], x);
    } else if (p.offset == 0 && p.size == 4) {
      gen_.movd(dword[rsp + off], x);
    } else if (p.offset + p.size <= 8) {
      gen_.movq(r11, x);
      if (p.offset) gen_.shr(r11, static_cast<uint8_t>(8 * p.offset));
      store_r11_bytes(off, p.size);
    } else {
      throw Error(Errc::unsupported, "x86-64 emitter: xmm part at byte " +
                                         std::to_string(p.offset) + " size " +
                                         std::to_string(p.size));
    }
  }

  // Return registers from their slots; slots are zero-padded, so whole
  // eightbytes can be loaded.
  void frame_to_reg(const RegBytes& p, int32_t off) {
    if (p.kind == LocKind::gpr) {
      gen_.mov(gpr64(p.reg), qword[rsp + off]);
    } else if (p.reg == kSt0) {
      gen_.fld80_rsp(off);
    } else if (p.size > 8) {
      gen_.movdqu(xmm(p.reg), xword[rsp + off]);
    } else {
      gen_.movq(xmm(p.reg), qword[rsp + off]);
    }
  }

  // size bytes from [src_base + src] to [dst_base + dst] through r11.
  void copy(const Reg64& src_base, int32_t src, const Reg64& dst_base, int32_t dst, uint32_t size) {
    uint32_t done = 0;
    for (uint32_t chunk : {8u, 4u, 2u, 1u}) {
      for (; size - done >= chunk; done += chunk) {
        const int32_t d = static_cast<int32_t>(done);
        switch (chunk) {
          case 8:
            gen_.mov(r11, qword[src_base + src + d]);
            gen_.mov(qword[dst_base + dst + d], r11);
            break;
          case 4:
            gen_.mov(r11d, dword[src_base + src + d]);
            gen_.mov(dword[dst_base + dst + d], r11d);
            break;
          case 2:
            gen_.mov(r11w, word[src_base + src + d]);
            gen_.mov(word[dst_base + dst + d], r11w);
            break;
          default:
            gen_.mov(r11b, byte[src_base + src + d]);
            gen_.mov(byte[dst_base + dst + d], r11b);
            break;
        }
      }
    }
  }

  std::vector<uint8_t> buf_;
  Gen gen_;
  std::map<uint32_t, Label> labels_;
  struct OutOfLine {
    Label slow, done;
    const Program* prog = nullptr;
  };
  std::deque<OutOfLine> out_of_line_;
  const detail::InlineRun inline_run_ = kHostTls.inline_run();  // a process constant
  uint32_t frame_ = 0;
};

}  // namespace

std::unique_ptr<Emitter> make_emitter() {
  return std::make_unique<X86Emitter>();
}

}  // namespace xtramp::x86_64
