// Booting one guest kernel under qemu-system (TCG) and running tests in it.
//
// One boot runs every test of the spec, in order, from an initramfs that
// holds busybox (the guest's /init and shell), the test binaries (stripped,
// each at its host path, with its ELF interpreter and shared libraries) and
// the data files (at their host paths). The guest's console is streamed line
// by line; /init frames every test with markers carrying its exit status and
// the kernel's taint word, so a panic, an oops, a warning or a hang is pinned
// to the test that was running, and reported as a failure naming the arch,
// the kernel and the test. Nothing that did not run is ever a pass.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "conform/vm/kernel_cache.hpp"

namespace xtramp::vm {

struct GuestTest {
  std::string name;
  std::string command;  // a shell command line, run in /tmp of the guest
  bool gtest = false;   // judged by googletest's summary (see judge_gtest)
};

struct GuestSpec {
  Kernel kernel;
  std::vector<std::string> binaries;  // host paths: stripped, with their libraries
  std::vector<std::string> files;     // host paths: copied as they are
  std::vector<std::string> env;       // NAME=VALUE, exported in the guest
  std::string append;                 // more kernel command line
  std::vector<GuestTest> tests;
  unsigned cpus = 2;
  unsigned mem_mb = 2048;
  std::chrono::seconds timeout{600};                // the whole boot, tests included
  std::string workdir;                              // where the initramfs is built
  std::function<void(const std::string&)> on_line;  // every console line, as it comes
};

enum class TestStatus { passed, failed, skipped, not_run };
const char* test_status_name(TestStatus s);

struct GuestTestResult {
  std::string name;
  TestStatus status = TestStatus::not_run;
  int exit_code = -1;
  double seconds = 0;
  std::string detail;                      // why it failed / skipped
  std::vector<std::string> skipped_cases;  // gtest cases that skipped
};

enum class GuestOutcome { ok, tests_failed, kernel_crash, timeout, boot_failure, qemu_failure };
const char* guest_outcome_name(GuestOutcome o);

struct GuestResult {
  GuestOutcome outcome = GuestOutcome::boot_failure;
  std::string detail;
  std::string release_seen;  // uname -r in the guest
  unsigned cpus_seen = 0;
  double boot_seconds = 0;  // qemu start to the guest's "ready"
  double total_seconds = 0;
  uint64_t initramfs_bytes = 0;
  std::vector<std::string> qemu_command;
  std::vector<GuestTestResult> tests;  // one per spec test, in order
};

// Throws Error for bad input (a binary of another arch, a missing file or
// library, no busybox); everything that happens once qemu runs is in the
// result.
GuestResult run_guest(const GuestSpec& spec);

// googletest's verdict from a binary's output and exit status: failed when
// the exit status is not 0 or there is no "[  PASSED  ]" summary; skipped when
// no case passed and some skipped; passed otherwise (skipped cases listed).
GuestTestResult judge_gtest(const std::string& name, int exit_code, const std::string& output);

}  // namespace xtramp::vm
