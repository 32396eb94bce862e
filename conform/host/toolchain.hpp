// What `xtramp conform` needs per architecture: a GCC for it, the
// xtramp-conform-runner built for it, and qemu-user when it is not the host.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/arch.hpp"

namespace xtramp::conform {

struct Toolchain {
  Arch arch{};
  std::string cc;                       // C compiler command
  std::vector<std::string> run_prefix;  // e.g. {"qemu-aarch64", "-L", "/"}; empty on the host arch
  std::string runner;                   // path of xtramp-conform-runner for `arch`
  std::string missing;                  // non-empty: why `arch` cannot be tested here
};

struct ToolchainOverrides {
  std::map<Arch, std::string> cc, runner;  // from --cc / --runner
};

// Search order for the runner: --runner ARCH=PATH; $XTRAMP_CONFORM_RUNNER_<ARCH>
// (X86_64, ARM64, S390X); the build tree this xtramp was built in (the host
// arch) and its sibling cross build directories (build/aarch64, build/s390x);
// <prefix>/libexec/xtramp/xtramp-conform-runner-<arch> next to an installed
// xtramp. The compiler: --cc ARCH=CMD, $XTRAMP_CC_<ARCH>, then gcc (host) or
// <triple>-gcc.
Toolchain find_toolchain(Arch a, const ToolchainOverrides& o);

}  // namespace xtramp::conform
