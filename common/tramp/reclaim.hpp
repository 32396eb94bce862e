// When may a trampoline that was unlinked (no new caller can reach it) be
// freed? When no thread can still be inside it: no thread's program counter
// in its code, and no thread with a return address into it.
//
// The mechanism (a user-space cousin of the kernel's RCU-tasks):
//  * every trampoline counts, with an atomic in-flight counter, the threads
//    between its first call out (a program, the original) and the return of
//    its last one: those are the threads with a return address into it;
//  * a thread has been seen *blocked since T* when, after time T, procfs
//    (/proc/self/task/<tid>/syscall) showed it in a system call, or its
//    voluntary context switch count (/proc/self/task/<tid>/status) grew, or
//    it exited. Trampoline code makes no system call, and a caller makes
//    none between loading a trampoline's address and calling it (the
//    contract in attachment.hpp), so such a thread holds no path into code
//    unlinked before T;
//  * a thread has been seen *outside since T* when it was blocked since T,
//    or observed preempted (syscall file "-1 sp pc") with its PC outside the
//    code: it is not executing the code, but it may still hold its address
//    (preempted between the load and the call), so this is only used where
//    that cannot matter;
//  * a retired trampoline is freed after three phases:
//      A. every thread blocked since the unlink: nobody is left between
//         the entry and the counter's increment, nor about to enter;
//      B. the counter reads 0 (at time T1): nobody is inside a call out, and
//         nobody can come in any more;
//      C. every thread outside since T1: nobody is left between the
//         decrement and the final return.
// The thread calling reclaim() is never inside a retired trampoline and is
// skipped. A thread that never blocks (a pure CPU loop) delays reclamation;
// it never makes it unsafe. Without procfs nothing is ever freed early.
//
// Known limit: a thread that sleeps in a page fault while in a trampoline's
// straight-line code counts as having blocked. The code pages are populated
// when mapped (no faults there); what remains is the thread's own stack
// growing into a fresh page under memory pressure, exactly there.
//
// Under qemu-user, procfs describes the emulator's host threads: the test is
// as good as qemu's own blocking, which only happens in system calls and in
// its internal locks (so there it is weaker).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "common/exec/exec_memory.hpp"

namespace xtramp {

// One trampoline's in-flight counter (stable address, outlives the code).
struct InflightCounter {
  std::atomic<uint64_t> count{0};
};

class Reclaimer {
 public:
  struct Stats {
    size_t retired = 0;  // waiting to be freed
    size_t freed = 0;    // freed so far
  };

  // Takes ownership of an unlinked trampoline's code and counter.
  void retire(CodeBlock code, std::shared_ptr<InflightCounter> counter);

  // Frees what has become safe to free; never blocks. Returns how many.
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
    std::shared_ptr<InflightCounter> counter;
    int phase = 0;                    // 0: A, 1: B, 2: C
    std::map<int, ThreadMark> since;  // tid -> marks at the phase's start
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
