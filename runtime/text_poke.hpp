// Writing into the process's own code without ever mapping it writable:
// writes go through /proc/self/mem (the kernel writes the page for us, as
// ptrace does; the page stays r-x), and membarrier makes every
// thread serialise its instruction stream afterwards (the user-space
// counterpart of the kernel's text_poke_sync).
#pragma once

#include <cstdint>
#include <span>

namespace xtramp {

// Writes `bytes` at `addr` (in this process's text): through /proc/self/mem,
// or, on kernels that let only a tracer force such writes (Linux 6.12+ with
// proc_mem.force_override=ptrace, Debian's default), through this process's
// tracer (traced_writer.hpp). Throws Error(io) naming the address and both
// reasons when neither works.
void poke_text(void* addr, std::span<const uint8_t> bytes);

// Every thread of the process executes a core-serialising instruction before
// it next runs user code (x86-64, arm64: membarrier SYNC_CORE; s390x, which
// has no SYNC_CORE: membarrier PRIVATE_EXPEDITED, whose interrupt serialises
// the CPU there — arch/s390x/host_code.cpp says why). Throws Error(unsupported) where the
// command is not available (Linux < 4.16).
void sync_cores();

}  // namespace xtramp
