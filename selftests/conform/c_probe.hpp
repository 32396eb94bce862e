// Helpers of the conform selftests: compile a C source with a C compiler
// (conform/host/process.hpp finds and runs it), and read back what the tests need from C text and
// from GCC's assembly output.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace xtramp::conform::test {

struct Compiled {
  bool ok = false;
  std::string diagnostics;  // the compiler's stdout+stderr, and the command
  std::string assembly;     // with `assembly`: the .s text
};
// `cc -std=gnu11 -Wall -Werror -c` (or -S) of `source` in a fresh temporary
// directory (removed afterwards).
Compiled compile_c(const std::string& cc, const std::string& source, bool assembly = false);

// Names of the functions a C source declares at file scope (comments and
// preprocessor lines skipped; declarations may span lines).
std::vector<std::string> declared_functions(const std::string& c_source);
// "struct T" / "union T" for every aggregate defined at the start of a line.
std::vector<std::string> defined_aggregates(const std::string& c_source);

// `source`, then `void *keep[] = {(void *)f, ...};` (every declaration is
// used) and `_Static_assert(sizeof(T) <= max_size, ...)` per aggregate.
std::string probe_tu(const std::string& source, const std::vector<std::string>& functions,
                     const std::vector<std::string>& aggregates, uint32_t max_size);

// The 4-byte values GCC emits after `label:` (.long on x86-64 and s390x,
// .word on arm64).
std::vector<uint32_t> asm_u32_table(const std::string& assembly, const std::string& label);

}  // namespace xtramp::conform::test
