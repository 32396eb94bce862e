// Running a tool (compiler, runner, qemu) and collecting what it printed.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace xtramp::conform {

struct ProcessResult {
  int exit_code = -1;  // -1: could not start, or killed by a signal
  std::string out, err;
  std::string failure;  // why it did not run or did not exit normally ("" if it did)
  bool ok() const { return failure.empty() && exit_code == 0; }
};

// Runs argv[0] (looked up in PATH) with stdin from /dev/null.
ProcessResult run_process(const std::vector<std::string>& argv);

// Starts argv[0] (looked up in PATH) with stdin from /dev/null, stdout on
// `out_fd` and stderr on `err_fd` (the same descriptor merges them); the
// child's pid in *pid. Returns 0, or posix_spawnp's error number.
int spawn_process(const std::vector<std::string>& argv, int out_fd, int err_fd, pid_t* pid);

// Why `argv` (run as `r`) did not succeed, for messages: the failure to run
// it, or the command line, its exit status and the first 30 lines of stderr.
std::string failure_text(const ProcessResult& r, const std::vector<std::string>& argv);

// argv as a shell-like line, for messages.
std::string command_line(const std::vector<std::string>& argv);

// The full path of `name` in PATH, or "".
std::string find_in_path(const std::string& name);

}  // namespace xtramp::conform
