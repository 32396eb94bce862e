// The kernel's own acceptance test for trampoline targets, reproduced on our
// side: kernel/bpf/btf.c btf_distill_func_proto() and __get_type_size().
#pragma once

#include <bpf/btf.h>

#include <cstdint>

#include "btf/type_facts.hpp"
#include "common/func_model.hpp"

namespace xtramp::btf {

// `func_id` must be a BTF_KIND_FUNC. Never throws for well-formed BTF.
KernelView kernel_distill(const struct btf* btf, TypeAnalyzer& analyzer, uint32_t func_id);

}  // namespace xtramp::btf
