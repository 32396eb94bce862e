// Writing into the process's own code without ever mapping it writable:
// writes go through /proc/self/mem (the kernel writes the page for us, as
// ptrace does; the page stays r-x), and membarrier(SYNC_CORE) makes every
// thread serialise its instruction stream afterwards (the user-space
// counterpart of the kernel's text_poke_sync).
#pragma once

#include <cstdint>
#include <span>

namespace xtramp {

// Writes `bytes` at `addr` (in this process's text). Throws Error(io) naming
// the address when the write fails.
void poke_text(void* addr, std::span<const uint8_t> bytes);

// Every thread of the process executes a core-serialising instruction before
// it next runs user code. Throws Error(unsupported) where membarrier's
// SYNC_CORE command is not available (Linux < 4.16, or an architecture
// without it).
void sync_cores();

}  // namespace xtramp
