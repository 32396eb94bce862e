// From a user's C file of type definitions and function declarations to the
// source of a case library (see conform/case_abi.hpp): for every declared
// function a GCC-compiled callee with its exact prototype and a caller.
//
// The host compiler finds what is declared (-aux-info) and, through a probe
// translation unit that takes every function's address, emits BTF for the
// prototypes (-gbtf); libbpf's btf_dump then spells each parameter's type as
// C, so the generated definitions are compatible with the user's
// declarations whatever their types (typedefs, function pointers, qualifiers).
#pragma once

#include <string>
#include <vector>

namespace xtramp::conform {

struct DeclaredFunction {
  std::string name;
  std::string where;        // "file.c:12"
  std::string unsupported;  // non-empty: why it is not in the case library
};

struct CaseSource {
  std::string c_source;                     // "" when no function can be tested
  std::vector<DeclaredFunction> functions;  // every function the file declares, in order
};

// `file` is #included by absolute path. `host_cc` compiles on this host (any
// architecture: only type spellings are taken from its BTF). `workdir` holds
// the intermediate files. Throws Error(bad_request) when the file does not
// compile (with the compiler's messages) or declares no function.
CaseSource make_case_source(const std::string& file, const std::string& host_cc,
                            const std::string& workdir);

}  // namespace xtramp::conform
