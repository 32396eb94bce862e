// s390x ELF ABI argument classes ([S390ABI] §"Parameter Passing", non-vector
// ABI): double_or_float, simple_arg, and the by-reference replacement.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/call_layout.hpp"
#include "common/func_model.hpp"

namespace xtramp::s390x {

enum class ArgClass : uint8_t {
  fpr,     // double_or_float: next FPR, left-aligned; else a slot, right-aligned
  gpr,     // simple_arg: next GPR, extended / left-padded; else a slot, right-aligned
  by_ref,  // "Replace such an argument by a pointer to the object" (the pointer is a simple_arg)
};

// A float/double/_Float16, or a struct "equivalent" to one (exactly one member,
// recursively, no arrays or unions). GCC's s390_function_arg_float has no
// strict size check: `struct { float f __attribute__((aligned(8))); }` (size 8)
// still qualifies.
bool is_double_or_float(const TypeFacts& t);

// Throws Error(unsupported) naming `func` and `arg` for a value no argument can have.
ArgClass classify_arg(const TypeFacts& t, std::string_view func, size_t arg);

// How the caller leaves the bits of a 64-bit GPR beyond a simple_arg:
// "replace it by a full 64-bit integer ... using sign or zero extension".
Extension extension_of(const TypeFacts& t);

}  // namespace xtramp::s390x
