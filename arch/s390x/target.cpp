// The s390x target description (common/target.hpp).
#include <capstone/capstone.h>
#include <elf.h>

#include "common/target.hpp"

namespace xtramp {

namespace s390x {
namespace {

using namespace std::string_view_literals;

constexpr std::string_view kAliases[] = {"s390"sv};

constexpr uint8_t kTrap[] = {0x00};  // opcode 0x00 is invalid

// z/Architecture instruction-length code: bits 0-1 of the first byte.
size_t undecodable_length(uint8_t first) {
  switch (first >> 6) {
    case 0:
      return 2;
    case 3:
      return 6;
    default:
      return 4;
  }
}

constexpr std::string_view kSimpleArgGroups[] = {
    "odd_structs",      "generated/small_structs", "generated/bitfields",
    "generated/packed", "generated/nested",        "generated/unions",
    "generated/mixed",  "generated/overaligned",   "generated/unnamed_bitfields"};
constexpr std::string_view kFloatStructGroups[] = {"generated/overaligned",
                                                   "generated/reg_exhaustion",
                                                   "generated/nested",
                                                   "generated/floats",
                                                   "generated/hfa",
                                                   "generated/small_structs",
                                                   "generated/unnamed_bitfields"};
constexpr std::string_view kWideReturnGroups[] = {"generated/int128", "generated/long_double"};

constexpr JitDeparture kJitDepartures[] = {
    {"s390x ELF ABI (\"simple_arg\"): only structs and unions of 1, 2, 4 or 8 bytes travel "
     "in a register or stack slot; one of 3, 5, 6 or 7 bytes is replaced by a pointer to a "
     "caller-made copy. The s390x JIT treats every argument of at most 8 bytes as a value in "
     "its register, so the ctx slot gets the pointer's bytes instead of the struct's.",
     kSimpleArgGroups},
    {"s390x ELF ABI: a struct whose only member is (recursively) one float or double is "
     "passed like that float, in an FPR (f0, f2, f4, f6). The s390x JIT reads it from a GPR.",
     kFloatStructGroups},
    {"s390x ELF ABI: a return value wider than 8 bytes (`__int128`, long double) is returned "
     "in a buffer whose address the caller passes in r2, so the arguments start at r3. The "
     "kernel accepts a 16-byte integer return and the s390x JIT reads the first argument "
     "from r2: every argument is off by one register, and a by-reference argument's pointer "
     "comes from the wrong place (the trampoline then faults copying it: the crashes).",
     kWideReturnGroups},
};

// s390x ELF ABI "Scalar types": __int128 and long double are 8-aligned.
constexpr TargetDesc kTarget = {
    .arch = Arch::s390x,
    .name = "s390x",
    .prose_name = "s390x",
    .aliases = kAliases,
#if defined(__s390x__)
    .is_host = true,
#endif
    .endian = Endian::big,
    .elf_machine = EM_S390,
    .gnu_cpu = "s390x",
    .gnu_triple = "s390x-linux-gnu",
    .debian_arch = "s390x",
    .env_suffix = "S390X",
    .qemu_user = "qemu-s390x",
    .qemu_system = "qemu-system-s390x",
    .vm = {.machine_args = "-M s390-ccw-virtio", .console = "ttysclp0"},
    .toolchain_file = "cmake/toolchains/s390x-linux-gnu.cmake",
    .ci_stage = "s390x",
    .bpf_target = "bpfeb",
    .kernel_float_flags = "`-msoft-float`",
    .kernel_check_sysroot = true,  // the s390x libraries: a private sysroot (ci/install-deps)
    .int128_align = 8,
    .long_double_align = 8,
    .capstone = {CS_ARCH_SYSZ, CS_MODE_BIG_ENDIAN},
    .undecodable_length = undecodable_length,
    .trap_bytes = kTrap,
    .entry_patch = true,  // arch/s390x/patch.hpp: brcl mask 0 <-> 15, per-site stub
    .jit_departures = kJitDepartures,
};

}  // namespace
}  // namespace s390x

const TargetDesc& target_s390x() {
  return s390x::kTarget;
}

}  // namespace xtramp
