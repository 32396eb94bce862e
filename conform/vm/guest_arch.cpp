#include "conform/vm/guest_arch.hpp"

#include <string>

#include "common/target.hpp"

namespace xtramp::vm {

namespace {

// TCG only (KVM is not used: the guests are foreign, and the x86-64 guest is
// tested the same way as the others). The x86-64 guest boots on one CPU
// (TargetDesc::vm.boot_one_cpu) and /init brings the others online: with
// multi-threaded TCG (QEMU 7.2) the kernel's own boot-time text patching
// (int3, then the new bytes) sometimes left another vCPU running a stale int3
// ("Oops: int3" at ~2 s), the same translation-during-store race
// arch/arm64/patch.cpp describes.
// The descriptions' strings are literals, so .data() is NUL-terminated.
GuestArch guest_of(const TargetDesc& t) {
  return {t.arch,
          t.debian_arch.data(),
          t.qemu_system.data(),
          t.vm.machine_args.data(),
          t.vm.console.data(),
          t.gnu_triple.data(),
          t.elf_machine,
          t.vm.boot_one_cpu};
}

}  // namespace

const GuestArch& guest_arch(Arch a) {
  static const std::vector<GuestArch> guests = [] {
    std::vector<GuestArch> all;
    for (const TargetDesc* t : targets()) all.push_back(guest_of(*t));
    return all;
  }();
  for (const GuestArch& g : guests)
    if (g.arch == a) return g;
  return guests.front();
}

std::vector<std::string> library_dirs(Arch a) {
  const std::string t = guest_arch(a).triple;
  std::vector<std::string> dirs = {"/lib/" + t, "/usr/lib/" + t, "/usr/" + t + "/lib",
                                   "/usr/" + t + "/lib64"};
  if (a == host_arch()) {
    dirs.push_back("/lib64");
    dirs.push_back("/lib");
    dirs.push_back("/usr/lib");
  }
  return dirs;
}

}  // namespace xtramp::vm
