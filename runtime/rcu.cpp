#include "runtime/rcu.hpp"

#include <linux/membarrier.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <new>

#include "common/error.hpp"

namespace xtramp::rcu {

namespace {

// The record of every thread that has not registered: bit 0 set, never
// written (the entry stub tests the bit before it writes anything).
struct Unregistered {
  std::atomic<uint64_t> word;
  constexpr Unregistered() : word(kUnregistered) {}
};
constinit Unregistered g_unregistered;

}  // namespace

// Outside the anonymous namespace only so that stub_facts() (the emitters'
// measurements) can take its address; initial-exec, as RunBlock's (program.cpp).
__attribute__((tls_model("initial-exec"))) thread_local void* t_reader = &g_unregistered;

namespace {

// kNestOne | sequence << kSeqShift: what an outermost entry stores. Written
// only under g_gp_mu; read by every entry stub.
std::atomic<uint64_t> g_gp_ctr{kNestOne | uint64_t{1} << kSeqShift};

std::atomic<Reader*> g_readers{nullptr};  // push-only
pthread_key_t g_key;
pthread_once_t g_key_once = PTHREAD_ONCE_INIT;

void release_reader(void* p) {
  auto* r = static_cast<Reader*>(p);
  t_reader = &g_unregistered;  // a hooked call after this registers again
  r->word.store(0, std::memory_order_release);
  r->in_use.store(false, std::memory_order_release);
}

// In a child after fork() only the forking thread exists: every other
// thread's record is released (a section it was in does not go on).
void after_fork_child() {
  for (Reader* r = g_readers.load(std::memory_order_acquire); r != nullptr; r = r->next) {
    if (r == t_reader) continue;
    r->word.store(0, std::memory_order_relaxed);
    r->in_use.store(false, std::memory_order_relaxed);
  }
}

void make_key() {
  if (pthread_key_create(&g_key, release_reader) != 0) {
    std::fputs("xtramp: pthread_key_create failed: cannot register RCU readers\n", stderr);
    std::abort();
  }
  pthread_atfork(nullptr, nullptr, after_fork_child);
}

Reader* claim() noexcept {
  for (Reader* r = g_readers.load(std::memory_order_acquire); r != nullptr; r = r->next) {
    bool expected = false;
    if (!r->in_use.load(std::memory_order_relaxed) &&
        r->in_use.compare_exchange_strong(expected, true, std::memory_order_acquire,
                                          std::memory_order_relaxed))
      return r;
  }
  auto* r = new (std::nothrow) Reader;
  if (r == nullptr) return nullptr;
  r->in_use.store(true, std::memory_order_relaxed);
  r->next = g_readers.load(std::memory_order_relaxed);
  while (!g_readers.compare_exchange_weak(r->next, r, std::memory_order_acq_rel,
                                          std::memory_order_relaxed)) {
  }
  return r;
}

long membarrier(int cmd) {
  return ::syscall(__NR_membarrier, cmd, 0, 0);
}

int g_membarrier = -1;  // 1: registered for PRIVATE_EXPEDITED
std::once_flag g_membarrier_once;

bool membarrier_ready() {
  std::call_once(g_membarrier_once, [] {
    g_membarrier = membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) == 0 ? 1 : 0;
  });
  return g_membarrier == 1;
}

// Every running thread of the process executes a full memory barrier before
// this returns (and every other one does when it next runs).
void barrier_all() {
  if (membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) != 0) {
    std::perror("xtramp: membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED)");
    std::abort();  // registered before: cannot fail
  }
}

std::mutex g_gp_mu;
uint64_t g_seq = 1;        // the sequence number in g_gp_ctr
uint64_t g_completed = 0;  // every cookie up to this one is complete
uint64_t g_grace_periods = 0;

// The oldest sequence number a registered reader's current section started
// in (UINT64_MAX: every reader is outside).
uint64_t oldest_active() {
  uint64_t oldest = UINT64_MAX;
  for (Reader* r = g_readers.load(std::memory_order_acquire); r != nullptr; r = r->next) {
    const uint64_t w = r->word.load(std::memory_order_acquire);
    if ((w & kNestMask) != 0) oldest = std::min(oldest, w >> kSeqShift);
  }
  return oldest;
}

}  // namespace

void require_membarrier() {
  if (!membarrier_ready())
    throw Error(Errc::unsupported,
                "freeing trampolines needs membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED), which "
                "this kernel does not offer");
}

StubFacts stub_facts() noexcept {
  StubFacts f;
  f.available = true;
  f.reader_addr = reinterpret_cast<uint64_t>(&t_reader);
  f.gp_ctr = reinterpret_cast<uint64_t>(&g_gp_ctr);
  f.register_thunk = reinterpret_cast<uint64_t>(&xtramp_rcu_register_thunk);
  return f;
}

uint64_t cookie() {
  std::lock_guard<std::mutex> lock(g_gp_mu);
  return g_seq + 1;  // the sequence number the next barrier starts
}

bool poll(uint64_t c) {
  std::lock_guard<std::mutex> lock(g_gp_mu);
  if (g_completed >= c) return true;
  if (!membarrier_ready()) return false;
  if (g_seq < c) {
    // The unlinks before the cookie are visible to every load a reader makes
    // after this barrier; a section whose load came before it stored its
    // word before it too, with an older sequence number, and is waited for.
    barrier_all();
    g_seq = c;
    g_gp_ctr.store(kNestOne | g_seq << kSeqShift, std::memory_order_relaxed);
  }
  const uint64_t oldest = oldest_active();
  if (oldest < c) return false;
  // Every reader's accesses before it left are complete before anything is
  // freed (urcu's final smp_mb_master). Everything up to min(oldest, g_seq)
  // is complete.
  barrier_all();
  g_completed = std::min(oldest, g_seq);
  ++g_grace_periods;
  return true;
}

Stats stats() {
  Stats s;
  {
    std::lock_guard<std::mutex> lock(g_gp_mu);
    s.grace_periods = g_grace_periods;
  }
  for (Reader* r = g_readers.load(std::memory_order_acquire); r != nullptr; r = r->next)
    s.readers += r->in_use.load(std::memory_order_relaxed) ? 1 : 0;
  return s;
}

}  // namespace xtramp::rcu

using xtramp::rcu::t_reader;

extern "C" void xtramp_rcu_register_thread() noexcept {
  using namespace xtramp::rcu;
  if (t_reader != &g_unregistered) return;
  pthread_once(&g_key_once, make_key);
  Reader* r = claim();
  if (r == nullptr) {
    std::fputs("xtramp: out of memory registering a thread for its first hooked call\n", stderr);
    std::abort();
  }
  r->word.store(0, std::memory_order_relaxed);
  pthread_setspecific(g_key, r);
  t_reader = r;
}
