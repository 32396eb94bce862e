// `xtramp kernel-check`: the `linux` placement policy measured against the
// BPF trampolines of real kernels (issue 13).
//
// For the functions some C files declare, per arch: a kernel module whose
// functions record what they receive (modgen.hpp) is built in the Debian build
// root (ci/install-buildroot) against that arch's headers; the arch's cached
// Debian kernel boots under qemu-system (conform/vm); a static libbpf loader
// attaches real fentry, fexit, fmod_ret and fsession programs (guest/xtkc.bpf.c)
// to each function, makes the module call it with graffiti and prints what the
// programs saw. Each function x program kind gets a verdict, compared with
// what xtramp's `linux` model (arch/<arch>/abi_linux.cpp, audited against
// psabi) predicts from the module's own BTF.
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/arch.hpp"

namespace xtramp::conform::kernel {

struct KernelCheckOptions {
  std::vector<std::string> files;
  std::vector<Arch> arches;
  std::string kernel = "newest";
  std::string buildroot;  // "": $XTRAMP_BUILDROOT or /opt/xtramp/buildroot
  std::string workdir;    // "": a fresh directory in the build root, removed after
  unsigned timeout_seconds = 600;
  std::string oops_at;  // crash recovery's test: this function's first traced call hits BUG()
  std::function<void(const std::string&)> progress;  // one line per step
  std::function<void(const std::string&)> console;   // guest console lines (optional)
};

struct KernelVerdict {
  std::string function;
  Arch arch{};
  std::string kernel;   // release
  std::string program;  // fentry, fexit, fmod_ret, fsession
  std::string verdict;  // pass, misplaced, refused, crashed, not_run, skipped (no BPF JIT)
  std::string detail;
  std::string linux_prediction;  // pass, misplaced, refused
  std::string prediction_detail;
  bool agree = false;
};

struct ArchRun {
  Arch arch{};
  std::string kernel;
  std::string outcome;  // the guest's outcome (ok, kernel_crash, ...)
  std::string detail;
  double module_build_seconds = 0;
  double guest_seconds = 0;
  double boot_seconds = 0;
  unsigned boots = 0;    // more than one: the guest crashed and booted again
  bool bpf_jit = false;  // CONFIG_BPF_JIT=y (else every verdict is skipped)
};

struct KernelCheckReport {
  std::vector<KernelVerdict> verdicts;
  std::vector<ArchRun> runs;
  std::vector<std::pair<std::string, std::string>> not_built;  // function, why
};

// Crash recovery. The guest's loader takes tasks (a function, its index in
// the module, the steps left: the plain call and the four program kinds) and
// prints a line before each step; a step that oopses the guest is the last
// one started. The next boot gets every task's steps not done yet, minus the
// one that crashed (a crashed plain call takes its whole function).
inline constexpr unsigned kStepPlain = 1u, kAllSteps = 31u;
// "none" 1, fentry 2, fexit 4, fmod_ret 8, fsession 16
unsigned step_bit(const std::string& program);
struct GuestTask {
  std::string name;
  unsigned index = 0;  // in the module (its debugfs trigger's argument)
  unsigned steps = kAllSteps;
  bool operator==(const GuestTask&) const = default;
};
using Step = std::pair<std::string, std::string>;  // function, program ("none" the plain call)
std::vector<GuestTask> tasks_left(const std::vector<GuestTask>& tasks, const std::set<Step>& done,
                                  const std::optional<Step>& crashed);

// Throws Error for bad input (no build root, a file that does not compile, no
// kernel for an arch); what happens in a guest is in the report.
KernelCheckReport run_kernel_check(const KernelCheckOptions& opts);

}  // namespace xtramp::conform::kernel
