// Test helper: C declarations -> FuncModel, through the real toolchain.
// The source is compiled once per (arch, source) with that arch's GCC
// (`<triple>-gcc -gbtf -g -O1 -c`) and read back by the BTF frontend, so
// tests state cases in C, the way GCC's own ABI tests do.
#pragma once

#include <string>

#include "btf/btf_file.hpp"
#include "common/arch.hpp"
#include "common/func_model.hpp"

namespace xtramp::test {

// "x86_64-linux-gnu", "aarch64-linux-gnu", "s390x-linux-gnu".
const char* gnu_triple(Arch a);

// Compiles `c_source` for `arch` (cached for the process) and opens it.
// Fails the current test (and throws) if the compiler is missing or errors.
const btf::BtfFile& compile_c(Arch arch, const std::string& c_source);

// Shorthand: the model of `func` declared (and defined) in `c_source`.
FuncModel model_from_c(Arch arch, const std::string& c_source, const std::string& func);

}  // namespace xtramp::test
