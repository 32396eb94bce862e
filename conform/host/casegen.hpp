// From a user's C file of type definitions and function declarations to the
// source of a case library (see conform/case_abi.hpp): for every declared
// function a GCC-compiled callee with its exact prototype and a caller.
//
// The host compiler finds what is declared (-aux-info) and, through a probe
// translation unit that takes every function's address, emits BTF and DWARF
// for the prototypes (-gbtf -g). DWARF says which types xtramp cannot model
// (complex, _Float16, vectors, _BitInt: BTF has no kind for them); libbpf's
// btf_dump spells every other parameter type as C, so the generated
// definitions are compatible with the user's declarations whatever their
// types (typedefs, function pointers, qualifiers).
//
// The source is kept per function, so that a function one architecture's
// compiler rejects can be left out of that architecture's library
// (conform_run.cpp) and the others still run.
#pragma once

#include <string>
#include <vector>

namespace xtramp::conform {

struct DeclaredFunction {
  std::string name;
  std::string where;        // "file.c:12"
  std::string path;         // the declaring file as GCC spells it
  unsigned line = 0;        // the line of its name there
  std::string unsupported;  // non-empty: why it is not in the case library
  // Its return type or a parameter carries floating point: kernel C (built
  // without it) cannot declare it, so no kernel JIT ever meets it.
  bool floating_point = false;
};

// The code of one testable function: the callee and the caller, apart so
// that two compilers can build them (conform/host/compilers.hpp).
struct CaseFunction {
  size_t function = 0;  // index into CaseSource::functions
  std::string callee;   // F itself, with the exact prototype
  std::string caller;   // static xt_call_F
  std::string entry;    // its row of the case table
};

// Which part of the case library a source holds: everything (one
// translation unit, one compiler), or the callees (with the shared
// variables) or the callers (with the table) alone, compiled apart and
// linked.
enum class CaseHalf { both, callees, callers };

struct CaseSource {
  std::string file;                         // the user's file, absolute
  std::vector<DeclaredFunction> functions;  // every traced function, in order
  std::vector<CaseFunction> cases;          // the testable ones, in order

  // The library source holding cases[which[k]] for every k, #including
  // `include` (the user's file, or a preprocessed copy of it). When
  // `first_lines` is given, (*first_lines)[k] is the first line of
  // cases[which[k]]'s code and its last element the line after the last case.
  std::string assemble(const std::vector<size_t>& which, const std::string& include,
                       std::vector<unsigned>* first_lines = nullptr,
                       CaseHalf half = CaseHalf::both) const;
  std::vector<size_t> all_cases() const;
};

// `file` is #included by absolute path. `host_cc` compiles on this host (any
// architecture: only type spellings are taken from its BTF). `workdir` holds
// the intermediate files. Traced: the functions `file` itself declares, or,
// when `declared_in` is not empty, those declared in the files or under the
// directories it names (what `file` includes from there). Throws
// Error(bad_request) when the file does not compile (with the compiler's
// messages) or declares no function in scope.
CaseSource make_case_source(const std::string& file, const std::string& host_cc,
                            const std::string& workdir,
                            const std::vector<std::string>& declared_in = {});

// An error GCC printed: "FILE:LINE:COL: error: MESSAGE".
struct CompilerError {
  std::string file;
  unsigned line = 0;
  std::string text;  // "file.c:12: error: MESSAGE" (the file's base name)
};
std::vector<CompilerError> compiler_errors(const std::string& stderr_text);

}  // namespace xtramp::conform
