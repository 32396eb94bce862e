// x86-64 entry patching: a function built with -fpatchable-function-entry=5
// (or __attribute__((patchable_function_entry(5, 0)))) starts with five
// one-byte nops; attaching turns them into `call trampoline` (E8 rel32),
// detaching back into nops, without stopping the threads that call it.
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/code_writer.hpp"
#include "common/host_code.hpp"

namespace xtramp::x86_64 {

inline constexpr size_t kPatchSize = 5;         // the call, and the sled
inline constexpr size_t kCallReach = 1u << 31;  // rel32, from the end of the call

// Throws Error(bad_request) naming `name` and the bytes found when `fn` does
// not start with the five-nop sled (or a call this process patched there).
void check_patchable(const void* fn, const char* name, CodeWriter& code);

// The sled becomes `call tramp` (tramp within kCallReach of fn + 5); if it
// already is a call, it is retargeted; tramp == nullptr restores the sled.
// Throws Error(io / unsupported / bad_request) and leaves the entry as it was.
void set_entry_call(void* fn, const void* tramp, CodeWriter& writer);

// Where fn's entry stub should be, from the end of its site: halfway to where
// the nop-preserving call lands (patch.cpp), so that both the landing's jmp
// rel32 and a direct call from the site reach it; 0 where nothing can land.
int64_t stub_bias(const void* fn);

// What the run-time layer must know of this process's code (host_code.cpp);
// nullptr unless this process is x86-64.
const HostCode* host_code() noexcept;

}  // namespace xtramp::x86_64
