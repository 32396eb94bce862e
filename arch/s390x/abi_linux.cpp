// The `linux` policy: what the upstream s390x BPF trampoline JIT does
// (arch/s390/net/bpf_jit_comp.c, __arch_prepare_bpf_trampoline; see
// docs/linux-jits.md "s390x"), applied only to prototypes the kernel accepts
// (btf_distill_func_model, kernel/bpf/btf.c).
//
//   nr_reg_args = min(nr_args, MAX_NR_REG_ARGS /* 5 */);
//   argument i < 5 lives in %r2+i, argument i >= 5 in the 8-byte slot at
//   160 + (i-5)*8 of the caller's frame;
//   arg_size <= 8: by value (the JIT stores the whole register / copies the slot);
//   arg_size 9..16: by reference (the JIT copies 16 bytes from the pointer).
//
// Where this differs from the ABI it is the kernel's bug, on purpose: 3/5/6/7-
// byte structs (by reference under the ABI, by value here) and functions
// returning __int128 (the ABI passes a buffer in r2 and shifts the arguments;
// the JIT does not know).
#include <string>

#include "arch/s390x/abi.hpp"
#include "arch/s390x/classify.hpp"
#include "arch/s390x/regs.hpp"
#include "common/abi/ctx_slots.hpp"
#include "common/abi/kernel_compat.hpp"
#include "common/abi/parts.hpp"
#include "common/error.hpp"

namespace xtramp::s390x {

namespace {

inline constexpr size_t kMaxNrRegArgs = 5;  // MAX_NR_REG_ARGS: "ABI uses %r2 - %r6"

}  // namespace

CallLayout place_linux(const FuncModel& m) {
  // The s390x JIT's own limits (nr_stack_args > MAX_NR_STACK_ARGS = 32, an
  // argument > 16 bytes) cannot trigger within what the kernel accepts.
  abi::require_kernel_compat(m);

  CallLayout L;
  L.arch = Arch::s390x;
  L.policy = Policy::linux_jit;

  const TypeFacts& rt = m.ret.t();
  L.ret.size = rt.size;
  if (rt.kind == ValueKind::void_) {
    L.ret.kind = RetLayout::Kind::void_;
  } else {
    // "stg %r2,retval_off": the JIT takes the return value from r2, always
    // (an accepted __int128 included: it never allocates a return buffer, so
    // it neither expects r2 to hold one nor shifts the arguments).
    L.ret.kind = RetLayout::Kind::regs;
    L.ret.ext = extension_of(rt);
    const uint32_t n = rt.size < 8 ? rt.size : 8;
    L.ret.parts.push_back(ArgPart{Location::gpr(kR2), 0, n, 8 - n});
  }

  for (size_t i = 0; i < m.args.size(); ++i) {
    const TypeFacts& t = m.args[i].t();
    ArgLayout a;
    a.size = t.size;
    const bool in_reg = i < kMaxNrRegArgs;
    const Location reg = Location::gpr(static_cast<uint16_t>(kR2 + i));
    const int32_t slot =
        kStackArgsBase + static_cast<int32_t>((i - (in_reg ? i : kMaxNrRegArgs)) * kSlot);
    if (t.size <= 8) {
      // "if (m->arg_size[i] <= 8)": by value, whole register (stg) or whole
      // slot (mvc 8): the value is its low-order, right-aligned end. The ctx
      // slot is only right because the caller extended it (as the ABI says).
      a.ext = extension_of(t);
      a.parts.push_back(in_reg ? ArgPart{reg, 0, t.size, 8 - t.size}
                               : abi::stack_part(slot + static_cast<int32_t>(8 - t.size), t.size));
    } else {
      // "else if (m->arg_size[i] <= 16)": a pointer in the register / slot;
      // mvc 16 copies the bytes behind it.
      a.by_ref = true;
      a.ext = Extension::zero;
      a.parts.push_back(in_reg ? ArgPart{reg, 0, 8, 0} : abi::stack_part(slot, 8));
    }
    L.args.push_back(std::move(a));
  }
  // stack_args_off: nr_stack_args * 8, copied to the original call verbatim.
  L.stack_size = m.args.size() > kMaxNrRegArgs
                     ? static_cast<uint32_t>((m.args.size() - kMaxNrRegArgs) * kSlot)
                     : 0;
  abi::assign_ctx_slots(L);
  return L;
}

}  // namespace xtramp::s390x
