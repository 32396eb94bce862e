// The arm64 target description (common/target.hpp).
#include <capstone/capstone.h>
#include <elf.h>

#include "common/target.hpp"

namespace xtramp {

namespace arm64 {
namespace {

using namespace std::string_view_literals;

constexpr std::string_view kAliases[] = {"aarch64"sv};

constexpr uint8_t kTrap[] = {0x00};  // udf #0 (0x00000000)

// A64 instructions are 4 bytes (Arm ARM C1.1).
size_t undecodable_length(uint8_t) {
  return 4;
}

constexpr std::string_view kAlign16Groups[] = {"rfc", "generated/int128", "generated/overaligned"};
constexpr std::string_view kHfaGroups[] = {
    "generated/long_double",   "generated/reg_exhaustion",
    "generated/unions",        "generated/overaligned",
    "generated/hfa",           "generated/nested",
    "generated/mixed",         "generated/floats",
    "generated/small_structs", "generated/unnamed_bitfields"};

constexpr JitDeparture kJitDepartures[] = {
    {"AAPCS64 C.10 and C.14: an argument of natural alignment 16 (`__int128`, a struct holding "
     "one, a struct with an aligned(16) member) starts at an even register (x2, x4, x6) and, "
     "on the stack, at a 16-byte-aligned NSAA. The arm64 JIT (calc_arg_aux) takes the next "
     "register and 8-byte slots, so it reads x3:x4 for x4:x5 and stack+8 for stack+16.",
     kAlign16Groups},
    {"AAPCS64 B.3 and C.2: a homogeneous floating-point aggregate (1 to 4 members of one "
     "float type: float, double, long double) travels in consecutive SIMD/FP registers (s0, "
     "d0, q0 ...), not in GPRs. The arm64 JIT treats every struct or union as GPR words.",
     kHfaGroups},
};

// AAPCS64 Table 1: __int128 and long double (binary128) are 16-aligned.
constexpr TargetDesc kTarget = {
    .arch = Arch::arm64,
    .name = "arm64",
    .prose_name = "arm64",
    .aliases = kAliases,
#if defined(__aarch64__)
    .is_host = true,
#endif
    .endian = Endian::little,
    .elf_machine = EM_AARCH64,
    .gnu_cpu = "aarch64",
    .gnu_triple = "aarch64-linux-gnu",
    .debian_arch = "arm64",
    .env_suffix = "ARM64",
    .qemu_user = "qemu-aarch64",
    .qemu_system = "qemu-system-aarch64",
    // `max` with the IMPDEF pointer authentication algorithm (QEMU's fast one;
    // the kernel does not care which).
    .vm = {.machine_args = "-M virt -cpu max,pauth-impdef=on", .console = "ttyAMA0"},
    .toolchain_file = "cmake/toolchains/aarch64-linux-gnu.cmake",
    .ci_stage = "aarch64",
    .bpf_target = "bpfel",
    .kernel_float_flags = "`-mgeneral-regs-only`",
    .qemu_multiarch_loader = "/lib/ld-linux-aarch64.so.1",
    .int128_align = 16,
    .long_double_align = 16,
    .capstone = {CS_ARCH_ARM64, CS_MODE_ARM},
    .undecodable_length = undecodable_length,
    .trap_bytes = kTrap,
    .entry_patch = true,  // arch/arm64/patch.hpp: NOP <-> B
    .jit_departures = kJitDepartures,
};

}  // namespace
}  // namespace arm64

const TargetDesc& target_arm64() {
  return arm64::kTarget;
}

}  // namespace xtramp
