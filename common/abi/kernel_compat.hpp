// What every kernel JIT refuses before placement: btf_distill_func_proto()'s
// checks (kernel/bpf/btf.c), applied to a FuncModel, in the kernel's order and
// with its log lines. Each `linux` policy calls this first, then adds its JIT's
// own limits.
#pragma once

#include "common/func_model.hpp"

namespace xtramp::abi {

// Throws Error(too_many_args | unsupported) with the kernel's message.
void require_kernel_compat(const FuncModel& m);

}  // namespace xtramp::abi
