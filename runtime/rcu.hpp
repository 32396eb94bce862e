// The read side every hooked call runs in, and the grace periods that free
// retired trampolines (docs/trampolines.md "When an old trampoline is freed").
//
// A userspace RCU in the style of liburcu's urcu-memb flavour, with the read
// side generated inline: every thread has its own reader word, reached from
// an initial-exec thread-local pointer, written only by that thread with
// plain loads and stores (no locked, LL/SC or interlocked instruction, no
// cache line another thread writes). The word is
//
//   bit 0        set only in the shared, never-written record of a thread
//   (kUnregistered)  that has not registered yet (its first hooked call)
//   bits 1..15   nesting depth, in steps of kNestOne (at most 32767 nested
//                hooked calls on one thread)
//   bits 16..63  the grace-period sequence number its outermost section
//                started in
//
// Entering a section: depth 0 -> word = gp_ctr (kNestOne | the current
// sequence number << 16: a load of a word only the writer side writes), else
// word += kNestOne; leaving: word -= kNestOne. The code that enters and
// leaves is never freed (a per-site entry stub, a shared exit stub): a hooked
// call is inside its section from before it loads the trampoline's address
// until after its last instruction in the trampoline.
//
// The writer side (under one mutex): after an unlink, membarrier
// (MEMBARRIER_CMD_PRIVATE_EXPEDITED: every running thread of the process
// executes a full barrier), then the sequence number goes up by one (to S);
// the unlinked code is free once every registered reader is outside any
// section or in one that started at S or later, and one more membarrier has
// completed their accesses. This is urcu-memb's scheme with a sequence
// number in place of its one phase bit, so that grace periods overlap: each
// retired trampoline waits only for the sections that began before its own
// unlink (urcu-memb waits for up to two phase flips).
// Registration is lazy (as in urcu-bp): a thread's first hooked call finds
// bit 0 set and calls xtramp_rcu_register_thunk (the host arch's,
// arch/<a>/rcu_thunk.cpp), which saves every argument register and claims a
// record (no lock, no malloc unless every record is taken). A thread's record
// is released when it exits.
#pragma once

#include <atomic>
#include <cstdint>

#include "common/tramp/rcu_facts.hpp"  // the word's layout, StubFacts, the thunk

namespace xtramp::rcu {

// One thread's reader record: its own cache line.
struct alignas(64) Reader {
  std::atomic<uint64_t> word{0};
  std::atomic<bool> in_use{false};
  Reader* next = nullptr;  // push-only list of every record ever made
};

// What generated code needs (rcu_facts.hpp), measured on the calling thread;
// the emitters get it in Emitter::StubSpec::facts and Emitter::exit_stub.
StubFacts stub_facts() noexcept;

// Polled grace periods (as the kernel's get_state / poll_state_synchronize_rcu).
// A cookie taken after an unlink is complete once no thread can be in a
// section that began before the unlink. poll() never blocks: it makes the
// membarrier calls and reads every reader's word once.
uint64_t cookie();
bool poll(uint64_t cookie);

// Grace periods completed so far, and the registered readers (tests, stress).
struct Stats {
  uint64_t grace_periods = 0;
  uint64_t readers = 0;
};
Stats stats();

// Throws Error(unsupported) if MEMBARRIER_CMD_PRIVATE_EXPEDITED is not
// available (Linux < 4.14): without it no grace period can end.
void require_membarrier();

}  // namespace xtramp::rcu
