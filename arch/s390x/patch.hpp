// s390x entry patching. A function built with -mhotpatch=0,3 (or
// __attribute__((hotpatch(0, 3)))) starts with one 6-byte `brcl 0,0`
// (c0 04 00 00 00 00, "jgnop"): a branch whose mask 0 never branches. The
// body starts at fn + 6.
//
// The protocol follows the kernel's s390 ftrace (hotpatch trampoline +
// branch-mask flip,
// https://github.com/torvalds/linux/blob/v6.12/arch/s390/kernel/ftrace.c:
// ftrace_init_nop writes the offset of a per-site trampoline while the mask
// is 0, ftrace_make_call / ftrace_make_nop only flip the mask byte, and the
// per-site trampoline loads its target from memory, so retargeting writes
// data, not code):
//
//   site (fn)            brcl 0,<stub>   -> enable: mask 0 -> 15 (fn + 1: 0x04 -> 0xf4)
//   stub (CodeWriter, within +-4 GiB of fn; written once, never changed)
//                        larl  %r0, fn+6      what `brasl %r0` at the site would leave
//                        llihf %r1, slot>>32
//                        iilf  %r1, slot&0xffffffff
//                        lg    %r1, 0(%r1)    the current trampoline
//                        br    %r1
//   slot (8 bytes, heap) the trampoline; the body (fn + 6) while detached
//
// The trampoline (arch/s390x/emit/emitter.cpp, entry-patch mode) gets r0 =
// the body and r14 = the caller's return address, as the emitter expects.
// r0 and r1 are free at a function's entry (ELF ABI: neither carries an
// argument; the kernel's ftrace clobbers both there too).
//
// Why a stub and not `brasl %r0, trampoline` at the site: changing brcl into
// brasl changes the opcode, which another CPU may be fetching; z/Architecture
// makes no promise about an instruction fetched while it is being stored into
// (Principles of Operation, SA22-7832, chapter 5, "Instruction Fetching" and
// "Storage-Operand Consistency": instruction fetches need not be
// block-concurrent). Every change xtramp makes is either to the four offset
// bytes while the mask is 0 (whatever mix of old and new bytes a racing
// fetch sees, the instruction does not branch), or the single mask byte (one
// byte store: a fetch sees the old or the new byte, both complete
// instructions with a valid offset).
//
// -fpatchable-function-entry=3 on s390x gives three 2-byte `nopr` instead:
// no single store can turn them into one 6-byte branch while other CPUs run
// them, so that form is refused, naming hotpatch(0,3).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/code_writer.hpp"
#include "common/host_code.hpp"

namespace xtramp::s390x {

inline constexpr size_t kPatchSize = 6;                  // brcl: the body at fn + 6
inline constexpr size_t kBranchReach = size_t{1} << 32;  // brcl RI2: signed halfwords, +-4 GiB

// The per-site stub's code, placed at `stub`, for the function at `fn` and its
// slot at `slot` (26 bytes). Throws Error(bad_request) when fn + 6 is out of
// larl's reach of stub.
std::vector<uint8_t> stub_code(uint64_t stub, uint64_t fn, uint64_t slot);

// Throws Error(bad_request) naming `name`, the bytes found and the flag to
// build with when `fn` does not start with `brcl 0,0` (or the brcl this
// process placed there); Error(unsupported) when this process cannot patch
// its code.
void check_patchable(const void* fn, const char* name, CodeWriter& code);

// tramp != nullptr: the site branches (through its stub) to tramp;
// nullptr: back to the no-op brcl. Throws Error(io / unsupported /
// bad_request) and leaves the entry as it was.
void set_entry_call(void* fn, const void* tramp, CodeWriter& code);

// What the run-time layer must know of this process's code (host_code.cpp);
// nullptr unless this process is s390x.
const HostCode* host_code() noexcept;

}  // namespace xtramp::s390x
