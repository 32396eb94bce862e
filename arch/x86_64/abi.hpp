// The x86-64 placement rules, one function per policy, and the small helpers
// they share.
#pragma once

#include <string>

#include "common/call_layout.hpp"
#include "common/func_model.hpp"

namespace xtramp::x86_64 {

// System V psABI §3.2.3 (abi_psabi.cpp).
CallLayout place_psabi(const FuncModel& m);
// The upstream x86 BPF JIT: save_args / get_nr_used_regs (abi_linux.cpp).
CallLayout place_linux(const FuncModel& m);

// "The function foo arg3 (name)" / "The function foo return type" — the
// start of every error message about one value (kernel wording: arg index from 0).
std::string arg_label(const FuncModel& m, size_t i);

}  // namespace xtramp::x86_64
