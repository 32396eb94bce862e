// The conformance runner's diagnosis of a failed psabi round trip: is the
// prototype's layout hidden from BTF and DWARF (an alignment attribute,
// unnamed or zero-width bit-fields), rather than misplaced by xtramp?
// docs/conformance.md "What the debug information cannot show".
#pragma once

#include "common/func_model.hpp"
#include "conform/case_abi.hpp"
#include "conform/runner/round_trip.hpp"

namespace xtramp::conform {

// `failed` is the psabi round trip under `m` that failed, crashed or hung.
// Re-runs it under each hypothesis the debug information cannot rule out,
// each in a child process of its own: the round trip under the wrong model
// can read a pointer from the wrong register and crash, and so can a wrong
// hypothesis. Unsupported with the diagnosis when one passes, else `failed`.
Outcome diagnose_failure(const FuncModel& m, const CaseEntry& c, const CaseGlobals& g,
                         Outcome failed);

}  // namespace xtramp::conform
