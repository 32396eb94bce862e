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
#include <vector>

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

// Before v6.17 (9014cf56f13d "bpf, arm64: Support up to 12 function
// arguments"), arch_prepare_bpf_trampoline() took register arguments only:
//
//   nregs = m->nr_args;
//   for each argument: if (arg_flags & BTF_FMODEL_STRUCT_ARG)
//                        nregs += (arg_size + 7) / 8 - 1;
//   if (nregs > 8) return -ENOTSUPP;        (errno 524 at attach)
//
// and saved x0 .. x(nregs-1) as ctx[0 .. nregs-1], ctx[-1] = nregs. A 16-byte
// integer argument is no STRUCT_ARG, so it counts one register though it takes
// two: the BPF program (which indexes ctx by 8-byte slots, two for it) then
// reads slots the JIT never saved. Those are modelled as the registers after
// x7 (x8 ...), which no caller sets for the callee: the verdict is
// `misplaced`, as Debian's 6.12.117 shows (rfc_xu_f1: arg count 8 for 12
// slots). Seen there too: every function needing stack arguments is refused.
CallLayout place_linux_registers_only(const FuncModel& m) {
  CallLayout cl;
  cl.arch = Arch::arm64;
  cl.policy = Policy::linux_jit;
  cl.args.resize(m.args.size());
  uint32_t nregs = static_cast<uint32_t>(m.args.size());
  for (const ValueModel& v : m.args)
    if (v.t().is_struct_arg()) nregs += (v.t().size + 7) / 8 - 1;
  if (nregs > kArgRegs)
    throw Error(Errc::unsupported,
                "The function " + m.name + " needs " + std::to_string(nregs) +
                    " argument registers: the arm64 JIT before v6.17 takes at most 8 "
                    "(-ENOTSUPP)");
  uint32_t slot = 0;
  for (size_t i = 0; i < m.args.size(); ++i) {
    const uint32_t size = m.args[i].t().size, slots = (size + 7) / 8;
    std::vector<uint16_t> regs;  // x<slot>, x<slot+1> (register number = slot)
    for (uint32_t k = 0; k < slots; ++k) regs.push_back(static_cast<uint16_t>(slot + k));
    cl.args[i].size = size;
    cl.args[i].parts = abi::split_into_regs(LocKind::gpr, regs, size, Endian::little);
    slot += slots;
  }
  cl.ret = place_return(m.ret.t(), m.name);
  abi::assign_ctx_slots(cl);
  return cl;
}

}  // namespace

CallLayout place_linux(const FuncModel& m, KernelRelease kernel) {
  abi::require_kernel_compat(m);
  if (!kernel.at_least(6, 17)) return place_linux_registers_only(m);
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
