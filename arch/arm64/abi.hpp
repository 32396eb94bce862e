// The two arm64 placement policies (see backend.cpp for the Backend glue).
#pragma once

#include <string>

#include "common/call_layout.hpp"
#include "common/func_model.hpp"
#include "common/kernel_release.hpp"

namespace xtramp::arm64 {

// AAPCS64 (Linux, little-endian) placement: abi_psabi.cpp.
CallLayout place_psabi(const FuncModel& m);

// AAPCS64 §6.9 result return: x0/x1, v0-v3, or memory through x8.
RetLayout place_return(const TypeFacts& t, const std::string& func);

// The upstream arm64 BPF JIT's calc_arg_aux() (v6.17 on), or, for an older
// `kernel`, its register-only predecessor: abi_linux.cpp.
CallLayout place_linux(const FuncModel& m, KernelRelease kernel);

// "The function foo arg3" — the kernel's way to name an argument (0-based).
inline std::string arg_what(const FuncModel& m, size_t i) {
  return "The function " + m.name + " arg" + std::to_string(i);
}

}  // namespace xtramp::arm64
