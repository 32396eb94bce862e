// Writing this process's read-only code as its tracer does.
//
// Since Linux 6.12 a kernel may refuse FOLL_FORCE writes through
// /proc/<pid>/mem unless the writer is ptrace-attached to that task
// (proc_mem.force_override=ptrace, the CONFIG_PROC_MEM_FORCE_PTRACE default
// of Debian's kernels; fs/proc/base.c proc_mem_foll_force(),
// https://git.kernel.org/pub/scm/linux/kernel/git/torvalds/linux.git/tree/fs/proc/base.c?h=v6.12).
// There poke_text (text_poke.hpp) falls back to this writer:
//
//   this process                          the writer (forked once, lazily)
//   ─────────────                         ───────────────────────────────
//   thread T: all signals blocked,        PTRACE_SEIZE(T): attached, T keeps
//   sleeps forever (never stopped,        running (no stop, no signal
//   never runs user code)                 delivery: T blocks them all)
//   poke: {addr, len, bytes} ──socket──▶  pwrite(/proc/T/mem, addr) — T's mm
//         ◀──────── errno ──────────────  is this process's mm
//
// The writer closes every other descriptor (it must not keep an application's
// pipe open), dies with this process (PR_SET_PDEATHSIG) and is re-created in
// a forked child process (its T and its writer belong to the parent). Under
// Yama's ptrace_scope=1 this process names the writer with PR_SET_PTRACER
// first. Nothing is ever mapped writable: the kernel writes the page, as for
// a debugger's breakpoint.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace xtramp {

// Writes `bytes` at `addr`; returns "" on success, else why not (the step
// that failed and its errno text). Serialised: one write at a time.
std::string traced_write(void* addr, std::span<const uint8_t> bytes);

}  // namespace xtramp
