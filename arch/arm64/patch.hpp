// arm64 entry patching: a function built with -fpatchable-function-entry=2
// (or __attribute__((patchable_function_entry(2, 0)))) starts with two NOPs,
// its body at fn + 8. Attaching turns the FIRST into `b trampoline`,
// retargeting rewrites that B, detaching turns it back into a NOP; the second
// NOP is never touched. All without stopping the threads that call it.
//
// Why not the kernel's site, "mov x9, x30; bl trampoline"
// (https://github.com/torvalds/linux/blob/v6.12/arch/arm64/kernel/ftrace.c,
// ftrace_init_nop / ftrace_make_call): the kernel writes the MOV while the
// code cannot run (boot, module load) and afterwards only flips the second
// instruction NOP <-> BL. A process attaches to functions other threads may
// be running already, and the ARM ARM (DDI 0487, B2.2.5 "Concurrent
// modification and execution of instructions") only allows a live
// instruction to be changed when it is B, BL, BRK, HVC, ISB, NOP, SMC or SVC
// both before and after: NOP -> MOV is not allowed. So the site is a B and
// the trampoline does the MOV itself (arch/arm64/emit/emitter.cpp: x9 = the
// caller's LR, x30 = the body).
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/code_writer.hpp"
#include "common/host_code.hpp"

namespace xtramp::arm64 {

inline constexpr size_t kPatchSize = 8;                  // the two NOPs; the body at fn + 8
inline constexpr size_t kBranchReach = size_t{1} << 27;  // B imm26 * 4: +-128 MiB from fn

inline constexpr uint32_t kNop = 0xd503201f;  // NOP (hint #0)

// A0 encoding of `b` from `from` to `to` (both 4-byte aligned, |to - from| <
// 128 MiB), or 0 if out of range.
uint32_t encode_b(uintptr_t from, uintptr_t to);
// The target of the B `insn` at `at`, or 0 if insn is not a B.
uintptr_t b_target(uintptr_t at, uint32_t insn);

// Throws Error(bad_request) naming `name`, the words found and the flag to
// build with when `fn` does not start with two NOPs (or a B this process
// placed there); Error(unsupported) when this process cannot patch its code.
void check_patchable(const void* fn, const char* name, CodeWriter& code);

// The first NOP becomes `b tramp` (within kBranchReach of fn); if it is a B
// already, that B is retargeted; tramp == nullptr restores the NOP. Throws
// Error(io / unsupported / bad_request) and leaves the entry as it was.
void set_entry_call(void* fn, const void* tramp, CodeWriter& code);

// What the run-time layer must know of this process's code (host_code.cpp);
// nullptr unless this process is arm64.
const HostCode* host_code() noexcept;

}  // namespace xtramp::arm64
