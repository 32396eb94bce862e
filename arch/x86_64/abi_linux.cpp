// The upstream x86-64 BPF trampoline JIT (arch/x86/net/bpf_jit_comp.c,
// docs/linux-jits.md "x86-64"): what it reads, not what the ABI says.
//
//  * only what btf_distill_func_proto() accepts: <= 12 args, no FLOAT
//    (float/double/long double/_Float128), no argument > 16 bytes, no
//    struct/union return;
//  * every argument takes (size+7)/8 slots (an __int128 two, like a 16-byte
//    struct); more than MAX_BPF_FUNC_ARGS in all is -ENOTSUPP (seen on
//    6.12.117 and 7.2.13);
//  * save_args(): each argument takes (size+7)/8 "regs"; if they all fit in
//    what is left of rdi..r9 it takes the next ones (structs too, no SSE
//    classification), else it is read from consecutive 8-byte stack slots
//    starting at rbp+0x18 (= rsp+8 at entry) with NO alignment padding, and
//    later arguments may still back-fill the free registers ("disorder").
#include <cstdio>

#include "arch/x86_64/abi.hpp"
#include "arch/x86_64/regs.hpp"
#include "common/abi/ctx_slots.hpp"
#include "common/abi/kernel_compat.hpp"
#include "common/abi/parts.hpp"
#include "common/error.hpp"

namespace xtramp::x86_64 {

namespace {

constexpr int kMaxRegsForArgs = 6;  // MAX_REGS_FOR_ARGS / the 6 argument GPRs

// __arch_prepare_bpf_trampoline()'s own limit, after the kernel's checks.
void check_kernel_compat(const FuncModel& m) {
  abi::require_kernel_compat(m);
  const std::string& fn = m.name;
  // Every argument takes (size + 7) / 8 argument slots, an __int128 two as
  // a 16-byte struct does (6.12.117 and 7.2.13 both refuse gen_int128_77:
  // ten arguments, three __int128 and a 16-byte struct, 14 slots, -ENOTSUPP
  // at attach; counting only the struct's extra slot gives 11).
  int nr_regs = 0;
  for (const ValueModel& v : m.args) nr_regs += static_cast<int>((v.t().size + 7) / 8);
  if (nr_regs > kMaxBpfFuncArgs)
    throw Error(Errc::too_many_args,
                "The function " + fn + " needs " + std::to_string(nr_regs) +
                    " argument slots; the x86-64 BPF trampoline supports up to " +
                    std::to_string(kMaxBpfFuncArgs) + " (-ENOTSUPP)");
}

}  // namespace

CallLayout place_linux(const FuncModel& m) {
  check_kernel_compat(m);
  CallLayout out;
  out.arch = Arch::x86_64;
  out.policy = Policy::linux_jit;

  // Return value: the JIT saves rax only ("Store rax at [rbp-8]"), so a
  // 16-byte __int128 return is seen through its low eightbyte alone.
  const TypeFacts& r = m.ret.t();
  if (r.kind != ValueKind::void_) {
    out.ret.kind = RetLayout::Kind::regs;
    out.ret.size = r.size;
    out.ret.parts.push_back(ArgPart{Location::gpr(kRax), 0, r.size < 8 ? r.size : 8, 0});
  }

  int nr_regs = 0;         // save_args(): nr_regs
  int nr_stack_slots = 0;  // save_args(): nr_stack_slots
  for (const ValueModel& v : m.args) {
    const TypeFacts& t = v.t();
    ArgLayout a;
    a.size = t.size;
    const int arg_regs = static_cast<int>((t.size + 7) / 8);
    if (nr_regs + arg_regs > kMaxRegsForArgs) {
      // "The starting address of the arguments on-stack is: rbp + 24", one
      // emit_ldx(BPF_DW) per slot, slot after slot.
      for (int j = 0; j < arg_regs; ++j) {
        const uint32_t off = static_cast<uint32_t>(8 * j);
        const uint32_t n = t.size - off < 8 ? t.size - off : 8;
        a.parts.push_back(abi::stack_part(kStackArgsBase + 8 * nr_stack_slots, n, off));
        ++nr_stack_slots;
      }
    } else {
      a.parts =
          abi::split_into_regs(LocKind::gpr,
                               std::span<const uint16_t>(kArgGprs).subspan(
                                   static_cast<size_t>(nr_regs), static_cast<size_t>(arg_regs)),
                               t.size, Endian::little);
      nr_regs += arg_regs;
    }
    out.args.push_back(std::move(a));
  }
  out.stack_size = static_cast<uint32_t>(8 * nr_stack_slots);
  abi::assign_ctx_slots(out);
  return out;
}

}  // namespace xtramp::x86_64
