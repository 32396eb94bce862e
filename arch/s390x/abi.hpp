// The two s390x placement policies (see abi_psabi.cpp and abi_linux.cpp).
#pragma once

#include "common/call_layout.hpp"
#include "common/func_model.hpp"

namespace xtramp::s390x {

// The s390x ELF ABI Supplement, non-vector ABI (GCC -march=z196, Debian's default).
CallLayout place_psabi(const FuncModel& m);

// The upstream s390x BPF trampoline JIT (arch/s390/net/bpf_jit_comp.c,
// __arch_prepare_bpf_trampoline). Throws Error(unsupported | too_many_args)
// with the kernel's message for models the kernel refuses.
CallLayout place_linux(const FuncModel& m);

}  // namespace xtramp::s390x
