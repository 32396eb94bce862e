// The x86-64 target description (common/target.hpp).
#include <capstone/capstone.h>
#include <elf.h>

#include "common/target.hpp"

namespace xtramp {

namespace x86_64 {
namespace {

using namespace std::string_view_literals;

constexpr std::string_view kAliases[] = {"x86-64"sv, "amd64"sv, "x64"sv};

constexpr uint8_t kTrap[] = {0xcc};  // int3

// Every byte can start an instruction (Intel SDM vol. 2, 2.1).
size_t undecodable_length(uint8_t) {
  return 1;
}

constexpr std::string_view kStackAlignGroups[] = {
    "rfc", "generated/int128", "generated/overaligned", "generated/reg_exhaustion"};
constexpr std::string_view kEightbyteGroups[] = {"odd_structs",
                                                 "generated/mixed",
                                                 "generated/nested",
                                                 "generated/small_structs",
                                                 "generated/unions",
                                                 "generated/long_double",
                                                 "generated/overaligned",
                                                 "generated/packed",
                                                 "generated/reg_exhaustion",
                                                 "generated/floats",
                                                 "generated/hfa",
                                                 "generated/bitfields",
                                                 "generated/unnamed_bitfields"};

constexpr JitDeparture kJitDepartures[] = {
    {"SysV x86-64 psABI 3.2.3: a stack argument is aligned to its type: `__int128`, a struct "
     "holding one, and an aligned(16) or aligned(32) struct start at the next 16- or 32-byte "
     "boundary (e.g. stack+32 after `short e` in the RFC's f0/t11). The kernel's x86 JIT "
     "(save_args) copies stack arguments as contiguous 8-byte slots and reads the bytes before "
     "it (stack+24).",
     kStackAlignGroups},
    {"SysV x86-64 psABI 3.2.3 classifies each eightbyte of a struct or union of at most 16 "
     "bytes by its members: only float/double members make it SSE (an xmm register); a long "
     "double member (X87) or a member at an unaligned offset (a packed struct) makes the whole "
     "aggregate MEMORY (the stack). btf_func_model records only the size, and the x86 JIT moves "
     "every aggregate of at most 16 bytes through one or two GPRs, so it reads the wrong "
     "registers and shifts the arguments after it.",
     kEightbyteGroups},
};

// SysV x86-64 psABI Fig. 3.1: __int128 and long double are 16-aligned; long
// double is the x87 80-bit format (10 value bytes) in 16.
constexpr TargetDesc kTarget = {
    .arch = Arch::x86_64,
    .name = "x86_64",
    .prose_name = "x86-64",
    .aliases = kAliases,
#if defined(__x86_64__)
    .is_host = true,
#endif
    .endian = Endian::little,
    .elf_machine = EM_X86_64,
    .gnu_cpu = "x86_64",
    .gnu_triple = "x86_64-linux-gnu",
    .debian_arch = "amd64",
    .env_suffix = "X86_64",
    .qemu_user = "qemu-x86_64",
    .qemu_system = "qemu-system-x86_64",
    // conform/vm/guest_arch.cpp explains the one boot CPU.
    .vm = {.machine_args = "-M pc -cpu max", .console = "ttyS0", .boot_one_cpu = true},
    .toolchain_file = "",  // no cross toolchain file yet: built natively only
    .ci_stage = "x86_64",
    .bpf_target = "bpfel",
    .kernel_float_flags = "`-mno-sse -mno-80387`",
    .int128_align = 16,
    .long_double_align = 16,
    .long_double_x87 = true,
    .capstone = {CS_ARCH_X86, CS_MODE_64},
    .undecodable_length = undecodable_length,
    .trap_bytes = kTrap,
    .entry_patch = true,  // arch/x86_64/patch.hpp: five nops <-> call (int3-guarded)
    .jit_departures = kJitDepartures,
};

}  // namespace
}  // namespace x86_64

const TargetDesc& target_x86_64() {
  return x86_64::kTarget;
}

}  // namespace xtramp
