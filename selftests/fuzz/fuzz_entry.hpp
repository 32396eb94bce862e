// The one entry the fuzzer and the replay test share: BTF bytes (raw BTF or
// a whole ELF file) through the frontend, every function modelled both ways.
// An xtramp::Error is the expected answer to bad input; anything else that
// escapes (another exception, a crash, a sanitizer report) is a finding.
#pragma once

#include <cstdint>
#include <span>

namespace xtramp::fuzz {

// Returns the number of functions the extended model accepted (for tests).
size_t run_one_input(std::span<const uint8_t> bytes);

}  // namespace xtramp::fuzz
