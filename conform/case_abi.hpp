// The contract between a generated case library (C, written by
// conform/casegen, compiled by GCC for the target) and xtramp-conform-runner
// (C++, the same target). casegen writes kCaseAbiStructC and kCaseAbiVarsC into
// the case sources;
// the runner reads the symbols below with dlsym and checks
// xt_conform_case_size against sizeof(CaseEntry), so the two cannot drift
// apart silently.
//
// Per traced function F the case library holds:
//   F            the callee, GCC-compiled with F's exact prototype: it counts
//                the call, copies every argument's bytes to
//                xt_conform_args[i] and returns the bytes at xt_conform_ret
//   call         a GCC-compiled caller: loads F's arguments from argv[i]
//                (each the memory image of one argument), calls fp with F's
//                prototype and stores the result at ret
#pragma once

#include <cstdint>

namespace xtramp::conform {

struct CaseEntry {
  const char* name;
  void* fn;
  void (*call)(void* fp, void* const* argv, void* ret);
  unsigned nargs;
};

// The names the runner looks up.
inline constexpr const char* kCasesSym = "xt_conform_cases";          // const CaseEntry[]
inline constexpr const char* kCountSym = "xt_conform_ncases";         // const unsigned
inline constexpr const char* kEntrySizeSym = "xt_conform_case_size";  // const unsigned
inline constexpr const char* kArgsSym = "xt_conform_args";            // void *[kMaxCaseArgs]
inline constexpr const char* kRetSym = "xt_conform_ret";              // void *
inline constexpr const char* kCallsSym = "xt_conform_calls";          // unsigned long

inline constexpr unsigned kMaxCaseArgs = 64;

// The same declarations in C, for the generated source: the table's type
// (in every part), the variables (with the callees; conform/host/casegen).
inline constexpr const char* kCaseAbiStructC = R"(struct xt_conform_case {
  const char *name;
  void *fn;
  void (*call)(void *fp, void *const *argv, void *ret);
  unsigned nargs;
};
)";
inline constexpr const char* kCaseAbiVarsC = R"(void *xt_conform_args[64];
void *xt_conform_ret;
unsigned long xt_conform_calls;
const unsigned xt_conform_case_size = sizeof(struct xt_conform_case);
)";

}  // namespace xtramp::conform
