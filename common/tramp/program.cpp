// The program runner. Its fast path (all a trampoline runs per program,
// besides the program) touches one word of the running thread's own memory:
// test it, mark it, call the program, count the run. No lock, no locked
// instruction; what locks or maps memory happens once per thread (its first
// run) or once per Program.
#include "common/tramp/program.hpp"

#include <pthread.h>
#include <sys/mman.h>

#include <cstddef>
#include <mutex>
#include <new>
#include <string>
#include <vector>

namespace xtramp {

namespace {

// One thread's run words, one per guard slot: bit 0 is set while the program
// runs on the thread (the recursion guard, the kernel's per-CPU
// prog->active), the bits above count its completed runs there. Written by the
// owning thread only, with a relaxed load and store (no locked instruction),
// read by anyone, through std::atomic_ref so that the zero-filled mapping
// needs no constructor writing it.
//
// Mapped on the thread's first run (pages are touched only for the slots it
// runs) and never unmapped: when the thread exits, its block is released,
// counts kept, for a later thread to claim. A program's total is the sum over
// every block.
struct RunBlock {
  RunBlock* next = nullptr;        // the list of every block; constant once published
  std::atomic<bool> in_use{true};  // owned by a thread
  uint64_t words[kMaxPrograms];

  RunBlock() = default;  // words: the mapping's zeros (placement new leaves them)
  constexpr explicit RunBlock(uint64_t fill) : words{} {
    for (uint64_t& w : words) w = fill;
  }
};

constexpr uint64_t kRunning = 1;  // bit 0 of a run word
constexpr uint64_t kOneRun = 2;   // a completed run

std::atomic<RunBlock*> g_blocks{nullptr};  // push-only

// Recursion guard slots: one per live Program, recycled when it is destroyed;
// and the key whose destructor releases a thread's RunBlock, created with the
// first Program (no program can run before: a trampoline needs one).
struct GuardSlots {
  std::mutex mu;
  std::vector<uint32_t> free;
  uint32_t next = 0;
  GuardSlots();
};

pthread_key_t g_block_key;

GuardSlots& slots() {
  static GuardSlots s;
  return s;
}

// What a thread without a block of its own points at: every word has the
// running bit set, so the test of the fast path (the runner's and the one
// trampolines inline) sends its first run to the runner, which claims a
// block; no separate null test. Never written, never in g_blocks.
constinit RunBlock g_unclaimed(kRunning);

// This thread's run words: &g_unclaimed until its first run. Initial-exec:
// one 8-byte variable, read without a __tls_get_addr call even if this
// archive is linked into a shared object (its initial value is in the TLS
// image every thread starts from).
__attribute__((tls_model("initial-exec"))) thread_local RunBlock* t_block = &g_unclaimed;

// Only for a thread whose block could not be mapped (mmap failed): its
// recursion guard, per slot, and from then on its runs count in
// RunCounter::shared_. Zero-initialised TLS, no constructor.
thread_local uint8_t t_fallback_depth[kMaxPrograms];
thread_local bool t_unmapped = false;

void release_block(void* p) {
  auto* b = static_cast<RunBlock*>(p);
  t_block = &g_unclaimed;  // a run after this (a later destructor) claims a block again
  b->in_use.store(false, std::memory_order_release);  // its counts go to the next owner
}

GuardSlots::GuardSlots() {
  if (pthread_key_create(&g_block_key, release_block) != 0)
    throw Error(Errc::io, "pthread_key_create failed: no per-thread run counters");
}

// A released block, or a new one; null when none can be mapped. No lock, no
// malloc (mmap and compare-and-swap; the caller's pthread_setspecific
// allocates in glibc only for a key past the 32nd).
RunBlock* claim_block() noexcept {
  for (RunBlock* p = g_blocks.load(std::memory_order_acquire); p != nullptr; p = p->next) {
    bool expected = false;
    if (!p->in_use.load(std::memory_order_relaxed) &&
        p->in_use.compare_exchange_strong(expected, true, std::memory_order_acquire,
                                          std::memory_order_relaxed))
      return p;
  }
  void* m =
      mmap(nullptr, sizeof(RunBlock), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) return nullptr;
  auto* b = new (m) RunBlock;  // words default-initialised: the mapping's zeros
  b->next = g_blocks.load(std::memory_order_relaxed);
  while (!g_blocks.compare_exchange_weak(b->next, b, std::memory_order_release,
                                         std::memory_order_relaxed)) {
  }
  return b;
}

}  // namespace

namespace detail {

struct ProgramRunner {
  static std::atomic_ref<uint64_t> word(RunBlock* b, const RunCounter& r) {
    return std::atomic_ref<uint64_t>(b->words[r.slot_]);
  }

  static uint64_t total(const RunCounter& r) {
    uint64_t n = r.shared_.load(std::memory_order_relaxed);
    for (RunBlock* b = g_blocks.load(std::memory_order_acquire); b != nullptr; b = b->next)
      n += word(b, r).load(std::memory_order_relaxed) / kOneRun;
    return n;
  }

  // A recycled slot starts from zero in every block. No thread runs the slot
  // now: its previous Program is gone, the new one is not published yet.
  static void reset(RunCounter& r) {
    for (RunBlock* b = g_blocks.load(std::memory_order_acquire); b != nullptr; b = b->next) {
      std::atomic_ref<uint64_t> w = word(b, r);
      if (w.load(std::memory_order_relaxed) != 0) w.store(0, std::memory_order_relaxed);
    }
  }

  // The call, with exceptions contained.
  static uint64_t call(Program* prog, const uint64_t* ctx) {
    try {
      return prog->fn(ctx, prog->cookie);
    } catch (...) {
      prog->errors.fetch_add(1, std::memory_order_relaxed);
      return 0;
    }
  }

  static __attribute__((noinline, cold)) uint64_t miss(Program* prog) {
    prog->misses.fetch_add(1, std::memory_order_relaxed);
    return 0;
  }

  static __attribute__((noinline, cold)) uint64_t run_unmapped(Program* prog, const uint64_t* ctx) {
    uint8_t& depth = t_fallback_depth[prog->runs.slot_];
    if (depth != 0) return miss(prog);
    depth = 1;
    const uint64_t result = call(prog, ctx);
    depth = 0;
    prog->runs.shared_.fetch_add(1, std::memory_order_relaxed);
    return result;
  }

  // The thread's first run, or one after its block was released at exit.
  static __attribute__((noinline, cold)) uint64_t run_claiming(Program* prog, const uint64_t* ctx) {
    if (!t_unmapped) {
      if (RunBlock* b = claim_block()) {
        (void)pthread_setspecific(g_block_key, b);  // failing: never released, still counted
        t_block = b;
        return run(prog, ctx);
      }
      t_unmapped = true;  // for good: its guard is t_fallback_depth from now on
    }
    return run_unmapped(prog, ctx);
  }

  static uint64_t run(Program* prog, const uint64_t* ctx) {
    RunBlock* b = t_block;
    if (b == &g_unclaimed) [[unlikely]]
      return run_claiming(prog, ctx);
    std::atomic_ref<uint64_t> w = word(b, prog->runs);
    const uint64_t v = w.load(std::memory_order_relaxed);
    if (v & kRunning) [[unlikely]]
      return miss(prog);
    w.store(v | kRunning, std::memory_order_relaxed);
    const uint64_t result = call(prog, ctx);
    // v | kRunning still (a re-entry only reads the word): + 1 makes it
    // v + kOneRun. Reloaded, so that only the word's address is kept across
    // the call.
    w.store(w.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    return result;
  }
};

}  // namespace detail

uint64_t RunCounter::load() const noexcept {
  return detail::ProgramRunner::total(*this);
}

Program::Program(NothrowFn f, void* c, ProgKind k) : Program(static_cast<Fn>(f), c, k, true) {}

Program::Program(Fn f, void* c, ProgKind k) : Program(f, c, k, false) {}

Program::Program(Fn f, void* c, ProgKind k, bool no_throw)
    : fn(f), cookie(c), kind(k), nothrow(no_throw) {
  if (f == nullptr) throw Error(Errc::bad_request, "a program needs a function (fn is null)");
  GuardSlots& s = slots();
  std::lock_guard<std::mutex> lock(s.mu);
  if (!s.free.empty()) {
    runs.slot_ = s.free.back();
    s.free.pop_back();
    detail::ProgramRunner::reset(runs);
  } else if (s.next < kMaxPrograms) {
    runs.slot_ = s.next++;
  } else {
    throw Error(Errc::bad_request, "too many programs: at most " + std::to_string(kMaxPrograms) +
                                       " may exist at once");
  }
}

Program::~Program() {
  GuardSlots& s = slots();
  std::lock_guard<std::mutex> lock(s.mu);
  s.free.push_back(runs.slot_);
}

extern "C" uint64_t xtramp_run_program(Program* prog, const uint64_t* ctx) {
  return detail::ProgramRunner::run(prog, ctx);
}

namespace detail {

InlineRun inline_run(uintptr_t thread_pointer) noexcept {
  InlineRun r;
  r.available = true;
  r.block_tp_offset = static_cast<int64_t>(reinterpret_cast<uintptr_t>(&t_block) - thread_pointer);
  r.words_offset = static_cast<uint32_t>(offsetof(RunBlock, words));
  r.running_bit = kRunning;
  r.one_run = kOneRun;
  return r;
}

}  // namespace detail

}  // namespace xtramp
