// Does this process run code it rewrote through /proc/self/mem after having
// run it? On a real kernel, yes: the kernel writes the page and the caches
// are made coherent (text_poke.hpp). Under qemu-user, no: qemu keeps the
// translation of code it has already run and never learns of the write (its
// self-modifying-code detection catches the guest's own stores, and
// /proc/self/mem is the kernel storing for it). Entry patching is impossible
// there, and must say so rather than silently run the old code.
//
// The check is a self-test, not a guess from /proc or uname (qemu-user
// emulates those): a tiny function returning 1 (the host backend's
// HostCode::probe, arch/<a>/host_code.cpp) is called, its immediate is
// rewritten to 2 with poke_text + sync_cores, and it is called again. Run
// once per process; the probe function is never restored.
#pragma once

#include <string>

namespace xtramp {

// Empty when rewritten code runs as written; otherwise why not (e.g. "code
// rewritten through /proc/self/mem after it ran still runs the old
// instructions: this looks like qemu-user ..."). Thread-safe.
const std::string& poked_code_problem();

// Throws Error(unsupported) with poked_code_problem() when it is not empty
// (unless detail::allow_patching_unexecuted_code() was called).
void require_poked_code_runs();

namespace detail {
// For xtramp-icount (bench/icount) only: lets entry patching go ahead where
// rewritten code that already ran is not seen (qemu-user), for a caller that
// patches only functions this process has never run. qemu-user translates a
// function when it first runs it, so such a function is translated from its
// patched bytes. The caller must check that it did: xtramp-icount counts
// nothing unless the program ran on every call. Irreversible, process-wide.
void allow_patching_unexecuted_code() noexcept;
}  // namespace detail

}  // namespace xtramp
