// What the benchmarks share: the BTF file they read, and the mean times the
// frontend benchmarks record so main can print the ratios the issue targets.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace xtramp::bench {

// The BTF every frontend benchmark reads (--btf=FILE, default the running kernel's).
std::string& btf_path();

// Mean real time per iteration, in seconds, by benchmark family name.
std::map<std::string, double>& recorded_seconds();

// The child side of bench_cold.cpp: does one cold run of `what` ("parse" or
// "model") and prints its timings on stdout. Returns the exit code.
int cold_child_main(std::string_view what);

}  // namespace xtramp::bench
