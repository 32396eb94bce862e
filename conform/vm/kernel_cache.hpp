// The guest kernels and busybox that ci/install-vm put in the cache:
//
//   $XTRAMP_VM_DIR (default /opt/xtramp/vm)
//     <debian arch>/busybox
//     <debian arch>/kernels/<release>/vmlinuz
//     <debian arch>/kernels/<release>/package     "<package> <version> <suite>"
#pragma once

#include <string>
#include <vector>

#include "common/arch.hpp"

namespace xtramp::vm {

struct Kernel {
  Arch arch{};
  std::string release;  // uname -r, e.g. 7.2.13+deb14-arm64
  std::string image;    // path of vmlinuz
  std::string package;  // e.g. linux-binary-7.2.13+deb14-arm64
  std::string version;  // the package's version, e.g. 7.2.13-1
  std::string suite;    // the Debian suite it came from
};

// $XTRAMP_VM_DIR, or /opt/xtramp/vm.
std::string cache_dir();

// The kernels cached for `a`, newest first (by release, compared as versions).
std::vector<Kernel> cached_kernels(Arch a);

// `which` is "newest" or a release prefix ("7.2", "6.12.5+deb13-arm64").
// Throws Error(not_found) naming the arch, what was asked and what is cached
// (with the command that fills the cache).
Kernel select_kernel(Arch a, const std::string& which);

// The static busybox for `a`; throws Error(not_found) like select_kernel.
std::string busybox_path(Arch a);

}  // namespace xtramp::vm
