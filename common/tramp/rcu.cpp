#include "common/tramp/rcu.hpp"

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

// Outside the anonymous namespace only so that the emitters' measurements
// below can take its address; initial-exec, as RunBlock's (program.cpp).
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

StubFacts stub_facts(uintptr_t thread_pointer) noexcept {
  StubFacts f;
  f.available = true;
  f.reader_tp_offset =
      static_cast<int64_t>(reinterpret_cast<uintptr_t>(&t_reader) - thread_pointer);
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

// xtramp_rcu_register_thunk: called from an entry stub at the entry of a
// hooked function (every argument register live): saves them, calls
// xtramp_rcu_register_thread, restores them.
#if defined(__x86_64__)
// Called with `call` from a stub; the stack's alignment depends on the attach
// mode (replace / entry patch), so it is aligned here. Saved: the argument
// registers rdi rsi rdx rcx r8 r9, rax (variadic calls: vector register
// count), r10 (static chain), r11, xmm0-7.
asm(R"(
  .text
  .globl xtramp_rcu_register_thunk
  .type xtramp_rcu_register_thunk, @function
xtramp_rcu_register_thunk:
  push %rbp
  mov %rsp, %rbp
  and $-16, %rsp
  sub $208, %rsp
  mov %rdi, 0(%rsp)
  mov %rsi, 8(%rsp)
  mov %rdx, 16(%rsp)
  mov %rcx, 24(%rsp)
  mov %r8, 32(%rsp)
  mov %r9, 40(%rsp)
  mov %rax, 48(%rsp)
  mov %r10, 56(%rsp)
  mov %r11, 64(%rsp)
  movdqu %xmm0, 80(%rsp)
  movdqu %xmm1, 96(%rsp)
  movdqu %xmm2, 112(%rsp)
  movdqu %xmm3, 128(%rsp)
  movdqu %xmm4, 144(%rsp)
  movdqu %xmm5, 160(%rsp)
  movdqu %xmm6, 176(%rsp)
  movdqu %xmm7, 192(%rsp)
  call xtramp_rcu_register_thread@PLT
  mov 0(%rsp), %rdi
  mov 8(%rsp), %rsi
  mov 16(%rsp), %rdx
  mov 24(%rsp), %rcx
  mov 32(%rsp), %r8
  mov 40(%rsp), %r9
  mov 48(%rsp), %rax
  mov 56(%rsp), %r10
  mov 64(%rsp), %r11
  movdqu 80(%rsp), %xmm0
  movdqu 96(%rsp), %xmm1
  movdqu 112(%rsp), %xmm2
  movdqu 128(%rsp), %xmm3
  movdqu 144(%rsp), %xmm4
  movdqu 160(%rsp), %xmm5
  movdqu 176(%rsp), %xmm6
  movdqu 192(%rsp), %xmm7
  mov %rbp, %rsp
  pop %rbp
  ret
  .size xtramp_rcu_register_thunk, .-xtramp_rcu_register_thunk
)");
#elif defined(__aarch64__)
// Called with `blr x16` after the stub pushed x29/x30 (so x30 is ours to
// clobber). Saved: x0-x8 (x8: indirect result), q0-q7.
asm(R"(
  .text
  .globl xtramp_rcu_register_thunk
  .type xtramp_rcu_register_thunk, %function
xtramp_rcu_register_thunk:
  stp x29, x30, [sp, #-224]!
  mov x29, sp
  stp x0, x1, [sp, #16]
  stp x2, x3, [sp, #32]
  stp x4, x5, [sp, #48]
  stp x6, x7, [sp, #64]
  str x8, [sp, #80]
  stp q0, q1, [sp, #96]
  stp q2, q3, [sp, #128]
  stp q4, q5, [sp, #160]
  stp q6, q7, [sp, #192]
  bl xtramp_rcu_register_thread
  ldp x0, x1, [sp, #16]
  ldp x2, x3, [sp, #32]
  ldp x4, x5, [sp, #48]
  ldp x6, x7, [sp, #64]
  ldr x8, [sp, #80]
  ldp q0, q1, [sp, #96]
  ldp q2, q3, [sp, #128]
  ldp q4, q5, [sp, #160]
  ldp q6, q7, [sp, #192]
  ldp x29, x30, [sp], #224
  ret
  .size xtramp_rcu_register_thunk, .-xtramp_rcu_register_thunk
)");
#elif defined(__s390x__)
// Called with `basr %r1,%r1` (the return address in r1; r14 still the hooked
// function's). Saved: r1-r6, r14, f0 f2 f4 f6, in a frame of our own below
// the 160-byte area the callee may use.
asm(R"(
  .text
  .globl xtramp_rcu_register_thunk
  .type xtramp_rcu_register_thunk, @function
xtramp_rcu_register_thunk:
  aghi %r15, -248
  stmg %r1, %r6, 160(%r15)
  stg %r14, 208(%r15)
  std %f0, 216(%r15)
  std %f2, 224(%r15)
  std %f4, 232(%r15)
  std %f6, 240(%r15)
  brasl %r14, xtramp_rcu_register_thread@PLT
  ld %f0, 216(%r15)
  ld %f2, 224(%r15)
  ld %f4, 232(%r15)
  ld %f6, 240(%r15)
  lg %r14, 208(%r15)
  lmg %r1, %r6, 160(%r15)
  aghi %r15, 248
  br %r1
  .size xtramp_rcu_register_thunk, .-xtramp_rcu_register_thunk
)");
#else
extern "C" void xtramp_rcu_register_thunk() {}
#endif
