#include "conform/host/toolchain.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "common/target.hpp"
#include "conform/host/process.hpp"

#ifndef XTRAMP_CONFORM_RUNNER_NATIVE
#define XTRAMP_CONFORM_RUNNER_NATIVE ""
#endif
#ifndef XTRAMP_BUILD_PARENT
#define XTRAMP_BUILD_PARENT ""
#endif

namespace xtramp::conform {
namespace {

namespace fs = std::filesystem;

std::string env_key(Arch a) {
  return std::string(target(a).env_suffix);
}

// The GNU triple's CPU (qemu-user's name too).
std::string gnu_cpu(Arch a) {
  return std::string(target(a).gnu_cpu);
}

std::string env(const std::string& k) {
  const char* v = std::getenv(k.c_str());
  return v ? v : "";
}

bool executable(const std::string& p) {
  return !p.empty() && access(p.c_str(), X_OK) == 0 && fs::is_regular_file(p);
}

std::string self_dir() {
  std::error_code ec;
  const fs::path p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? "" : p.parent_path().string();
}

std::vector<std::string> runner_candidates(Arch a) {
  std::vector<std::string> c;
  if (a == host_arch() && *XTRAMP_CONFORM_RUNNER_NATIVE) c.push_back(XTRAMP_CONFORM_RUNNER_NATIVE);
  if (*XTRAMP_BUILD_PARENT)
    c.push_back(std::string(XTRAMP_BUILD_PARENT) + "/" + gnu_cpu(a) +
                "/conform/runner/xtramp-conform-runner");
  const std::string self = self_dir();
  if (!self.empty()) {
    c.push_back(self + "/../libexec/xtramp/xtramp-conform-runner-" + std::string(arch_name(a)));
    if (a == host_arch()) c.push_back(self + "/../conform/runner/xtramp-conform-runner");
  }
  return c;
}

// qemu-user's -L: the root holding the target's dynamic loader and
// libraries. Debian multiarch installs arm64 libraries (libbpf too) under
// "/" (TargetDesc::qemu_multiarch_loader); otherwise the cross toolchain's
// /usr/<triple>.
std::string qemu_root(Arch a) {
  const TargetDesc& td = target(a);
  const std::string triple(td.gnu_triple);
  if (!td.qemu_multiarch_loader.empty() && fs::exists(td.qemu_multiarch_loader) &&
      fs::exists("/usr/lib/" + triple + "/libbpf.so.1"))
    return "/";
  return "/usr/" + triple;
}

}  // namespace

Toolchain find_toolchain(Arch a, const ToolchainOverrides& o) {
  Toolchain t;
  t.arch = a;
  const std::string name(arch_name(a));
  const bool native = a == host_arch();

  if (auto it = o.cc.find(a); it != o.cc.end()) {
    t.cc = it->second;
  } else if (std::string e = env("XTRAMP_CC_" + env_key(a)); !e.empty()) {
    t.cc = e;
  } else {
    t.cc = native ? "gcc" : std::string(target(a).gnu_triple) + "-gcc";
  }
  if (find_in_path(t.cc).empty()) {
    t.missing = name + ": no C compiler '" + t.cc + "' in PATH" +
                (native ? ""
                        : " (apt-get install gcc-" + std::string(target(a).gnu_triple) +
                              ", or run ci/install-deps)");
    return t;
  }

  std::vector<std::string> tried;
  if (auto it = o.runner.find(a); it != o.runner.end()) {
    tried.push_back(it->second);
  } else if (std::string e = env("XTRAMP_CONFORM_RUNNER_" + env_key(a)); !e.empty()) {
    tried.push_back(e);
  } else {
    tried = runner_candidates(a);
  }
  for (const std::string& c : tried)
    if (executable(c)) {
      t.runner = fs::weakly_canonical(c).string();
      break;
    }
  if (t.runner.empty()) {
    std::string list;
    for (const std::string& c : tried) list += (list.empty() ? "" : ", ") + c;
    t.missing = name + ": no xtramp-conform-runner built for it (looked at " +
                (list.empty() ? std::string("nothing") : list) +
                "); build it with ci/setup-and-run, or give --runner " + name + "=PATH";
    return t;
  }

  if (!native) {
    const std::string qemu(target(a).qemu_user);
    if (find_in_path(qemu).empty()) {
      t.missing = name + ": " + qemu + " not found (apt-get install qemu-user)";
      return t;
    }
    t.run_prefix = {qemu, "-L", qemu_root(a)};
  }
  return t;
}

}  // namespace xtramp::conform
