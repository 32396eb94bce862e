// One function's round trip through xtramp trampolines, on the architecture
// this process runs on: GCC-compiled caller -> trampoline (built from the
// callee's BTF under one policy) -> GCC-compiled callee, with graffiti
// values. Checked, in order, and the first mismatch reported:
//   fentry    ran once; ctx[-1] = the layout's slot count, ctx[-2] = the
//             function; every argument's ctx bytes = the caller's bytes
//   callee    ran once and received exactly the caller's bytes
//   return    the caller got exactly the bytes the callee returned
//   fexit     saw the same arguments and the real return value
//   fmod_ret  (where the return type allows one) a non-zero result skips the
//             callee and is what the caller gets
#pragma once

#include <optional>
#include <string>

#include "common/call_layout.hpp"
#include "common/func_model.hpp"
#include "conform/case_abi.hpp"

namespace xtramp::conform {

enum class Status { pass, fail, unsupported, finding };
const char* status_name(Status s);  // "pass", "fail", "unsupported", "finding"

struct Outcome {
  Status status = Status::pass;
  // fail: the first mismatch; unsupported: the reason; finding: how the
  // direct call's bytes differ
  std::string detail;
};

// The case library's shared variables (see case_abi.hpp).
struct CaseGlobals {
  void** args = nullptr;  // void *[kMaxCaseArgs]
  void** ret = nullptr;
  unsigned long* calls = nullptr;
};

// The baseline, before any trampoline: the caller straight to the callee.
// When the two halves come from different compilers they may disagree on the
// ABI: a finding about the compilers (with both values' bytes), not a result
// of xtramp's. nullopt when they agree.
std::optional<Outcome> direct_call(const FuncModel& m, const CaseEntry& c, const CaseGlobals& g);

// A round trip that takes longer than this is hung (the runner fails it).
inline constexpr unsigned kRoundTripTimeoutSeconds = 60;

// The round trip under `m`, and under psabi, when it fails, the diagnosis of
// hidden_property.hpp.
Outcome round_trip(const FuncModel& m, Policy policy, const CaseEntry& c, const CaseGlobals& g);
// The round trip under `m` alone.
Outcome round_trip_once(const FuncModel& m, Policy policy, const CaseEntry& c,
                        const CaseGlobals& g);

}  // namespace xtramp::conform
