// What booting a guest of one architecture under qemu-system takes: the
// emulator and machine, the kernel console, Debian's name for the arch (the
// kernel cache is laid out by it), and where that arch's shared libraries
// live on this host (for the initramfs).
#pragma once

#include <string>
#include <vector>

#include "common/arch.hpp"

namespace xtramp::vm {

struct GuestArch {
  Arch arch;
  const char* debian;         // Debian's architecture name: amd64, arm64, s390x
  const char* qemu;           // qemu-system-* binary
  const char* machine_args;   // machine, CPU (space-separated)
  const char* console;        // the kernel's console device
  const char* triple;         // GNU triple: <triple>-strip, library directories
  uint16_t elf_machine;       // e_machine of this arch's binaries
  bool boot_one_cpu = false;  // maxcpus=1; /init onlines the rest (guest_arch.cpp: why)
};

const GuestArch& guest_arch(Arch a);

// Directories searched for a binary's DT_NEEDED libraries and its ELF
// interpreter, in order (the multiarch directories of the host, the cross
// libc for s390x).
std::vector<std::string> library_dirs(Arch a);

}  // namespace xtramp::vm
