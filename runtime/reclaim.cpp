#include "runtime/reclaim.hpp"

#include "runtime/rcu.hpp"

#include <dirent.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

namespace xtramp {

namespace {

std::vector<int> thread_ids() {
  std::vector<int> out;
  DIR* d = opendir("/proc/self/task");
  if (d == nullptr) return out;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    out.push_back(std::atoi(e->d_name));
  }
  closedir(d);
  return out;
}

// Reads a procfs file whole; false if it cannot be opened (the thread exited).
bool read_file(const std::string& path, std::string* out) {
  FILE* f = std::fopen(path.c_str(), "re");
  if (f == nullptr) return false;
  out->clear();
  char buf[1024];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out->append(buf, n);
  std::fclose(f);
  return true;
}

enum class Count { ok, exited, unknown };

// The thread's voluntary context switches ("voluntary_ctxt_switches:", near
// the end of /proc/self/task/<tid>/status).
Count voluntary_switches(int tid, uint64_t* v) {
  std::string s;
  if (!read_file("/proc/self/task/" + std::to_string(tid) + "/status", &s)) return Count::exited;
  const char* key = "\nvoluntary_ctxt_switches:";
  const size_t at = s.find(key);
  if (at == std::string::npos) return Count::unknown;
  *v = std::strtoull(s.c_str() + at + std::strlen(key), nullptr, 10);
  return Count::ok;
}

enum class Seen { exited, in_syscall_outside, stopped_outside, unknown };

// "/proc/<tid>/syscall": "running", or "<nr> args... sp pc" (in a system
// call), or "-1 sp pc" (not running and not in a system call: preempted in
// user mode, or sleeping in a page fault). The PC (the last field) is checked
// either way: a thread sleeping in a page fault inside our code shows the
// fault's error code where a system call number would be.
Seen observe(int tid, uintptr_t lo, uintptr_t hi) {
  std::string s;
  if (!read_file("/proc/self/task/" + std::to_string(tid) + "/syscall", &s)) return Seen::exited;
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  if (s.empty() || s.rfind("running", 0) == 0) return Seen::unknown;
  const size_t sp = s.find_last_of(' ');
  if (sp == std::string::npos) return Seen::unknown;
  const uintptr_t pc = std::strtoull(s.c_str() + sp + 1, nullptr, 16);
  if (pc >= lo && pc < hi) return Seen::unknown;
  return s.rfind("-1 ", 0) == 0 ? Seen::stopped_outside : Seen::in_syscall_outside;
}

int self_tid() {
  return static_cast<int>(::syscall(SYS_gettid));
}

}  // namespace

std::map<int, Reclaimer::ThreadMark> Reclaimer::snapshot() {
  std::map<int, ThreadMark> m;
  for (int tid : thread_ids()) {
    ThreadMark mark;
    switch (voluntary_switches(tid, &mark.voluntary)) {
      case Count::ok:
        m[tid] = mark;
        break;
      case Count::unknown:
        mark.voluntary = UINT64_MAX;  // never "advanced": only observation can clear it
        m[tid] = mark;
        break;
      case Count::exited:
        break;
    }
  }
  return m;
}

bool Reclaimer::all_quiescent(const std::map<int, ThreadMark>& since, uintptr_t lo, uintptr_t hi,
                              Quiescence q) {
  const int me = self_tid();
  for (const auto& [tid, mark] : since) {
    if (tid == me) continue;
    uint64_t now = 0;
    const Count c = voluntary_switches(tid, &now);
    if (c == Count::exited) continue;
    if (c == Count::ok && mark.voluntary != UINT64_MAX && now > mark.voluntary)
      continue;  // blocked at least once since
    const Seen seen = observe(tid, lo, hi);
    if (seen == Seen::exited || seen == Seen::in_syscall_outside) continue;
    // Preempted with its PC outside the code: enough to know it is not in
    // the code, not that it holds no pointer to it (a caller preempted
    // between loading the slot and calling through it): as for the
    // kernel's RCU Tasks, preemption is not a quiescent state.
    if (seen == Seen::stopped_outside && q == Quiescence::pc_outside) continue;
    return false;
  }
  // Threads created after the snapshot were never inside: the trampoline was
  // already unlinked when they started.
  return true;
}

void Reclaimer::retire(CodeBlock code) {
  auto r = std::make_unique<Retired>();
  r->code = std::move(code);
  r->cookie = rcu::cookie();
  std::lock_guard<std::mutex> lock(mu_);
  retired_.push_back(std::move(r));
}

size_t Reclaimer::reclaim() {
  std::vector<std::unique_ptr<Retired>> done;
  {
    std::lock_guard<std::mutex> lock(mu_);
    uint64_t newest = 0;
    for (const auto& r : retired_) newest = std::max(newest, r->cookie);
    if (newest == 0) return 0;
    // One poll for the newest cookie advances the grace-period machine; the
    // cookies it has completed are every one up to the last completed.
    rcu::poll(newest);
    for (auto it = retired_.begin(); it != retired_.end();) {
      if (rcu::poll((*it)->cookie)) {
        done.push_back(std::move(*it));
        it = retired_.erase(it);
      } else {
        ++it;
      }
    }
    freed_ += done.size();
    // Some reader is still in an older section: give it this CPU (it may be
    // preempted here, behind us) rather than come back to find it unchanged.
    if (!retired_.empty()) sched_yield();
  }
  return done.size();  // the code blocks are freed here, outside the lock
}

bool Reclaimer::drain(std::chrono::milliseconds timeout) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    reclaim();
    if (stats().retired == 0) return true;
    if (std::chrono::steady_clock::now() >= end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

Reclaimer::Stats Reclaimer::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return Stats{retired_.size(), freed_};
}

bool wait_quiescent(uintptr_t lo, uintptr_t hi, std::chrono::milliseconds timeout) {
  const auto since = Reclaimer::snapshot();
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (!Reclaimer::all_quiescent(since, lo, hi, Reclaimer::Quiescence::pc_outside)) {
    if (std::chrono::steady_clock::now() >= end) return false;
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  return true;
}

Reclaimer& Reclaimer::global() {
  static Reclaimer* r = new Reclaimer();  // never destroyed: threads may still retire at exit
  return *r;
}

}  // namespace xtramp
