// Does this process run code it rewrote through /proc/self/mem after having
// run it? On a real kernel, yes: the kernel writes the page and the caches
// are made coherent (text_poke.hpp). Under qemu-user, no: qemu keeps the
// translation of code it has already run and never learns of the write (its
// self-modifying-code detection catches the guest's own stores, and
// /proc/self/mem is the kernel storing for it). Entry patching is impossible
// there, and must say so rather than silently run the old code.
//
// The check is a self-test, not a guess from /proc or uname (qemu-user
// emulates those): a tiny function (poke_probe.cpp) returning 1 is called,
// its immediate is rewritten to 2 with poke_text + sync_cores, and it is
// called again. Run once per process; the probe function is never restored.
#pragma once

#include <string>

namespace xtramp {

// Empty when rewritten code runs as written; otherwise why not (e.g. "code
// rewritten through /proc/self/mem after it ran still runs the old
// instructions: this looks like qemu-user ..."). Thread-safe.
const std::string& poked_code_problem();

// Throws Error(unsupported) with poked_code_problem() when it is not empty.
void require_poked_code_runs();

}  // namespace xtramp
