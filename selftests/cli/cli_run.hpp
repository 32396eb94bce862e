// Runs the built `xtramp` binary (through the cross-compiling emulator when
// there is one) and captures its exit status, stdout and stderr.
#pragma once

#include <string>
#include <vector>

namespace xtramp::test {

struct CliResult {
  int exit_code = -1;  // -1 when the process did not exit normally
  int signal = 0;      // the signal that ended it, if any
  std::string out;
  std::string err;
};

CliResult run_cli(const std::vector<std::string>& args);

// The corpus object compiled by the build (gcc -gbtf -g -O1 -c corpus.c).
std::string corpus_path();
// "x86_64", "arm64" or "s390x": the architecture the corpus object is for.
std::string corpus_arch();

// A scratch file with the given bytes, removed at the end of the test binary.
std::string scratch_file(const std::string& name, const std::string& bytes);

// True when stderr is exactly one line "xtramp: error: ..." mentioning `what`.
bool is_one_line_error(const CliResult& r, const std::string& what);

}  // namespace xtramp::test
