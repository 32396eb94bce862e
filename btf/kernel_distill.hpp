// The kernel's own acceptance test for trampoline targets, reproduced on our
// side: kernel/bpf/btf.c btf_distill_func_proto() and __get_type_size().
#pragma once

#include <bpf/btf.h>

#include <cstdint>

#include "btf/type_facts.hpp"
#include "common/func_model.hpp"
#include "common/kernel_release.hpp"

namespace xtramp::btf {

// `func_id` must be a BTF_KIND_FUNC. Never throws for well-formed BTF. `kernel`
// selects the rules of that version (union arguments: v6.18 onwards).
KernelView kernel_distill(const struct btf* btf, TypeAnalyzer& analyzer, uint32_t func_id,
                          KernelRelease kernel = KernelRelease::newest());

}  // namespace xtramp::btf
