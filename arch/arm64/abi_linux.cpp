// The `linux` policy: what the upstream arm64 BPF trampoline JIT does
// (arch/arm64/net/bpf_jit_comp.c calc_arg_aux(), merged 2025 in 9014cf56f13d,
// struct-on-stack refusal dropped in dc704d0cfa43; docs/linux-jits.md
// "arm64"). It only places what the kernel accepts: btf_distill_func_proto()
// (kernel/bpf/btf.c, docs/linux-jits.md "What the kernel accepts") refuses more than
// MAX_BPF_FUNC_ARGS (12) arguments, struct/union/float returns, and
// arguments that are floats or larger than 16 bytes, with these messages.
//
// calc_arg_aux: from the first argument, each takes (size+7)/8 registers from
// x0 on while nregs + slots <= 8; the first that does not fit, and every one
// after it, goes to the stack in consecutive 8-byte slots from [sp] at entry.
// Unlike AAPCS64 there is no even-register rounding (C.10) and no 16-byte
// stack alignment (C.14): a 16-aligned value lands where GCC does not put it.
#include "arch/arm64/abi.hpp"
#include "arch/arm64/regs.hpp"
#include "common/abi/ctx_slots.hpp"
#include "common/abi/kernel_compat.hpp"
#include "common/abi/parts.hpp"
#include "common/abi/stack_area.hpp"
#include "common/error.hpp"

namespace xtramp::arm64 {

namespace {

constexpr uint32_t kArgRegs = 8;  // x0-x7

}  // namespace

CallLayout place_linux(const FuncModel& m) {
  abi::require_kernel_compat(m);
  CallLayout cl;
  cl.arch = Arch::arm64;
  cl.policy = Policy::linux_jit;
  cl.args.resize(m.args.size());

  size_t i = 0;
  uint32_t nregs = 0;
  for (; i < m.args.size(); ++i) {  // "passed through register ?"
    const uint32_t size = m.args[i].t().size;
    const uint32_t slots = (size + 7) / 8;
    if (nregs + slots > kArgRegs) break;
    ArgLayout& a = cl.args[i];
    a.size = size;
    a.parts = abi::split_into_regs(LocKind::gpr,
                                   std::span<const uint16_t>(kArgGprs).subspan(nregs, slots), size,
                                   Endian::little);
    nregs += slots;
  }
  abi::StackArea stack(kStackArgsBase);
  for (; i < m.args.size(); ++i) {  // "the rest arguments are passed through stack"
    const uint32_t size = m.args[i].t().size;
    ArgLayout& a = cl.args[i];
    a.size = size;
    a.parts.push_back(abi::stack_part(stack.alloc(size, 8, 8), size));
  }
  // The kernel accepts only int/enum/pointer/__int128 results: the ABI's x0 (x0:x1).
  // (The JIT itself saves x0 only; a 16-byte result's upper half is not kept.)
  cl.ret = place_return(m.ret.t(), m.name);
  cl.stack_size = stack.used();
  abi::assign_ctx_slots(cl);
  return cl;
}

}  // namespace xtramp::arm64
