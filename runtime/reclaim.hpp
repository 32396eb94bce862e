// When may a trampoline that was unlinked (no new caller can reach it) be
// freed? When no thread can still be inside it: no thread's program counter
// in its code, and no thread with a return address into it.
//
// Every call through an Attachment runs in an RCU read-side section
// (rcu.hpp) that starts in the never-freed entry stub, before the
// trampoline's address is loaded, and ends in never-freed code after the
// trampoline's last instruction. So a retired trampoline is freed after one
// grace period that started after its unlink (docs/trampolines.md "When an
// old trampoline is freed"): every thread that was in a section then has
// left it. Threads that spin without ever blocking do not delay that: each of
// their calls is a section of its own, and the next one starts in the new
// sequence number. A thread that stays inside one hooked call (a program or an original
// that blocks) delays every retirement until it returns, as a long RCU
// read-side section delays every grace period.
//
// wait_quiescent() is the older, procfs-based test, still used by x86-64
// entry patching to wait until no thread is left inside a function's five
// single-byte nops (no read-side section covers those).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "runtime/exec_memory.hpp"

namespace xtramp {

class Reclaimer {
 public:
  struct Stats {
    size_t retired = 0;  // waiting to be freed
    size_t freed = 0;    // freed so far
  };

  // Takes ownership of an unlinked trampoline's code (the unlink, a store or
  // a patch, happened before the call).
  void retire(CodeBlock code);

  // Frees what has become safe to free; never blocks. Returns how many.
  // When something stays retired (a reader is still inside a section that
  // began before its unlink), yields the CPU once (sched_yield): a reader
  // preempted inside its section on this CPU then runs and leaves it sooner,
  // instead of waiting behind the updater (docs/trampolines.md "When an old
  // trampoline is freed").
  size_t reclaim();

  // reclaim() until nothing is retired or `timeout` passed; true if empty.
  bool drain(std::chrono::milliseconds timeout);

  Stats stats() const;

  static Reclaimer& global();

 private:
  struct ThreadMark {
    uint64_t voluntary = 0;
  };
  struct Retired {
    CodeBlock code;
    uint64_t cookie = 0;  // rcu::cookie() after the unlink
  };

  friend bool wait_quiescent(uintptr_t, uintptr_t, std::chrono::milliseconds);
  enum class Quiescence {
    blocked,     // blocked (in a system call) since: holds no path into the code
    pc_outside,  // blocked since, or seen preempted with its PC outside the code
  };
  // True when every thread (but the caller) was quiescent in that sense since
  // `since` was taken, with respect to the code in [lo, hi).
  static bool all_quiescent(const std::map<int, ThreadMark>& since, uintptr_t lo, uintptr_t hi,
                            Quiescence q);
  static std::map<int, ThreadMark> snapshot();

  mutable std::mutex mu_;
  std::vector<std::unique_ptr<Retired>> retired_;
  size_t freed_ = 0;
};

// Waits until every other thread has been quiescent (as above) since the
// call, i.e. none can still be executing straight-line code in [lo, hi)
// that it had entered before the call. False on timeout.
bool wait_quiescent(uintptr_t lo, uintptr_t hi, std::chrono::milliseconds timeout);

}  // namespace xtramp
