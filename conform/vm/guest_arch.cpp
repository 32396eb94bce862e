#include "conform/vm/guest_arch.hpp"

#include <elf.h>

#include <string>

namespace xtramp::vm {

namespace {

// TCG only (KVM is not used: the guests are foreign, and the x86-64 guest is
// tested the same way as the others). The x86-64 guest boots on one CPU and
// /init brings the others online: with multi-threaded TCG (QEMU 7.2) the
// kernel's own boot-time text patching (int3, then the new bytes) sometimes
// left another vCPU running a stale int3 ("Oops: int3" at ~2 s), the same
// translation-during-store race arch/arm64/patch.cpp describes. arm64: `max` with the IMPDEF
// pointer authentication algorithm (QEMU's fast one; the kernel does not care which).
constexpr GuestArch kGuests[] = {
    {Arch::x86_64, "amd64", "qemu-system-x86_64", "-M pc -cpu max", "ttyS0", "x86_64-linux-gnu",
     EM_X86_64, true},
    {Arch::arm64, "arm64", "qemu-system-aarch64", "-M virt -cpu max,pauth-impdef=on", "ttyAMA0",
     "aarch64-linux-gnu", EM_AARCH64},
    {Arch::s390x, "s390x", "qemu-system-s390x", "-M s390-ccw-virtio", "ttysclp0", "s390x-linux-gnu",
     EM_S390},
};

}  // namespace

const GuestArch& guest_arch(Arch a) {
  for (const GuestArch& g : kGuests)
    if (g.arch == a) return g;
  return kGuests[0];
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
