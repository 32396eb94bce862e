// The target description: every fact about an architecture that code outside
// arch/ needs (names, ELF machine, toolchains, emulators, byte order, scalar
// alignments, disassembler ids, patch sites, the Linux JIT's departures from
// the ABI). Each arch/<a>/target.cpp defines one; the registry lists them
// (arch/CMakeLists.txt generates it from the folders present), so code outside
// arch/ asks the description instead of naming an architecture. The model is
// Cranelift's: arch facts come from one description (target-lexicon), each
// backend supplies only its rules.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "common/arch.hpp"

namespace xtramp {

// Booting a guest of the arch under qemu-system (conform/vm).
struct VmFacts {
  std::string_view machine_args{};  // qemu-system machine and CPU, space-separated
  std::string_view console{};       // the kernel's console device
  bool boot_one_cpu = false;        // maxcpus=1; the guest's /init onlines the rest
};

// One ABI rule the kernel's BPF JIT does not follow on the arch (the `linux`
// policy), and the conformance groups whose failures it explains.
struct JitDeparture {
  std::string_view rule{};                     // the ABI rule and what the JIT does instead
  std::span<const std::string_view> groups{};  // conform corpus groups it explains
};

// Capstone's cs_arch and cs_mode for the arch (capstone.h values).
struct CapstoneIds {
  int arch = 0;
  int mode = 0;
};

// One architecture's facts (arch/<a>/target.cpp defines it).
struct TargetDesc {
  Arch arch{};
  std::string_view name{};                      // canonical: what arch_name() returns
  std::string_view prose_name{};                // in running text: "x86-64", "arm64"
  std::span<const std::string_view> aliases{};  // other spellings parse_arch() accepts
  bool is_host = false;                         // this build runs on the arch
  Endian endian = Endian::little;

  uint16_t elf_machine = 0;        // e_machine of the arch's ELF files (elf.h EM_*)
  std::string_view gnu_cpu{};      // the triple's CPU: qemu-<cpu>, build/<cpu>/
  std::string_view gnu_triple{};   // <triple>-gcc, /usr/lib/<triple>/
  std::string_view debian_arch{};  // dpkg's name: amd64, arm64, s390x
  std::string_view env_suffix{};   // XTRAMP_CC_<suffix>, XTRAMP_CONFORM_RUNNER_<suffix>
  std::string_view qemu_user{};    // qemu-user binary
  std::string_view qemu_system{};  // qemu-system binary
  VmFacts vm{};
  // CMake cross toolchain file, relative to the repository root; "": none.
  std::string_view toolchain_file{};
  std::string_view ci_stage{};            // ci/test's stage name for this arch's build
  std::string_view bpf_target{};          // clang -target for BPF objects loaded on the arch
  std::string_view kernel_float_flags{};  // how kernel C is built without floating point
  // The kernel-check loader links a static libbpf from a sysroot:
  // $XTRAMP_SYSROOT_<env_suffix>, default /opt/xtramp/sysroot-<name>.
  bool kernel_check_sysroot = false;
  // qemu-user's -L is "/" when this loader and /usr/lib/<triple>/libbpf.so.1
  // exist (Debian multiarch); else /usr/<triple>. "": always /usr/<triple>.
  std::string_view qemu_multiarch_loader{};

  uint32_t int128_align = 16;       // __int128 (psABI scalar tables)
  uint32_t long_double_align = 16;  // long double
  bool long_double_x87 = false;     // long double is the x87 80-bit format (10 bytes of its size)

  CapstoneIds capstone{};
  // Bytes one undecodable unit takes, from its first byte (disassembly).
  size_t (*undecodable_length)(uint8_t first) = nullptr;
  std::span<const uint8_t>
      trap_bytes{};          // traps when run; its first byte, repeated, fills unused code memory
  bool entry_patch = false;  // xtramp patches live function entries there
  std::span<const JitDeparture> jit_departures{};
};

// All registered targets, in Arch order.
std::span<const TargetDesc* const> targets();
// Throws Error(bad_request) when no target for `a` is built in.
const TargetDesc& target(Arch a);
// The one whose elf_machine is `e_machine`, or nullptr.
const TargetDesc* target_of_elf_machine(uint16_t e_machine);

}  // namespace xtramp
