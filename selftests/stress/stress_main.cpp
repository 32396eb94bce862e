// xtramp-stress: callers hammer hooked functions while programs come and go.
//
// N caller threads (--threads, default 4) make --calls calls in total
// (default 10,000,000), round robin over the hooked functions:
//   st_add, st_mix, st_pair_fn   replace mode: called through an atomic
//                                function pointer (the Attachment's slot)
//   st_patched, st_patched_many  entry patch: called directly, their
//                                patchable entry (arch/<a>/patch.hpp) is
//                                patched under them (skipped, saying so,
//                                where this process cannot run rewritten code:
//                                qemu-user, runtime/poke_probe.hpp)
// (five signatures: integers, doubles and a float, a 16-byte struct argument
// and return, eight arguments with two on the stack). One more thread
// attaches, detaches and swaps programs in a loop until the callers are done.
//
// What is checked, exactly (no sampling, no timing):
//   * Each call passes (thread index t, sequence number s); every program run
//     writes s into its own per-thread mailbox and counts the run there, and
//     the original does the same (st_seen). After each call the caller sees
//     which programs ran for this very call and whether the original did.
//     At the end, per program: the runs the callers saw == the runs the
//     program counted == Program::runs; no run saw its mailbox already at s
//     (a doubled run); misses and errors are 0. Per function: the original's
//     own count == the calls the callers saw it run for.
//   * Some functions have an anchor program, attached before the callers
//     start and detached after they stop: it must have run for every call
//     (a lost run would show here), whatever the trampoline swaps.
//   * At most two pool programs are ever attached to a function at once, so
//     a call that ran three of them ran a program set that never existed.
//   * Every call returned what its program set implies: the original's
//     result, or fmod_ret's override (every 4th s) with the original skipped;
//     an fexit program saw exactly the value the caller got.
//   * Accounting after every attach / detach: live code blocks == hooked
//     functions + retired trampolines, and generated == reclaimed + live.
//   * No mapping is ever writable and executable (/proc/self/maps, sampled).
//   * After the final detach every trampoline is reclaimed and all code
//     memory is returned: ExecMemory::stats() and, independently, the
//     mappings this program saw made through ExecMemoryOps are all zero.
//
// Figures: calls, wall time, calls/s, attach / detach / swap operations,
// trampolines generated and reclaimed, peak and final code bytes mapped,
// reclaim latency (retire to free, per trampoline), cleanup time. --json
// prints them as one JSON object (ci/gen-reliability-docs reads it).
//
// --spinners N more callers (default 2) call the same way in a tight loop and
// never block, until the others are done (their calls are checked and
// reconciled like the others'): reclamation must not wait for them to block.
//
// Reclaim latency, per trampoline: from the start of the attach/detach that
// retired it until its code was freed (max, p99, mean), and from that
// attach/detach's return (the retire) until the free (max, p99). Freeing is seen through the
// ExecMemoryOps munmap hook (mprotect fallback: a block's own pages; dual
// mapping: a chunk whose last block went) or, for a block freed from a dual
// chunk that stays mapped, by its bytes having become traps (ExecMemory
// poisons freed blocks; should it stop doing so, such a block is seen freed
// with its chunk, later: the figure can only grow). Checked after every
// attach / detach, so the figure is exact to one operation: frees only
// happen inside those calls (Attachment::publish reclaims) and in the final
// drain, all made by one thread at a time (the swapper, then main).
//
// Exit status: 0 all checks passed, 1 a check failed, 2 bad usage.
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "btf/btf_file.hpp"
#include "common/arch.hpp"
#include "common/error.hpp"
#include "common/tramp/program.hpp"
#include "runtime/attachment.hpp"
#include "runtime/exec_memory.hpp"
#include "runtime/poke_probe.hpp"
#include "runtime/reclaim.hpp"
#include "selftests/stress/stress_targets.h"

namespace xtramp {
namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kUsage =
    "usage: xtramp-stress [--threads N] [--calls N] [--json] [--memory dual|fallback|both]\n"
    "                     [--block-every N] [--spinners N] [--seed N] [--btf FILE]\n"
    "\n"
    "Caller threads call hooked functions (replace mode through an atomic function\n"
    "pointer; entry-patched functions called directly) while one more thread attaches,\n"
    "detaches and swaps programs. Checks that no program run is lost or doubled\n"
    "(exact reconciliation of what each call saw with Program::runs), that every\n"
    "call returned what its program set implies, and that all code memory is\n"
    "returned after the final detach; prints the figures.\n"
    "\n"
    "  --threads N      caller threads (default 4, at most 64)\n"
    "  --calls N        calls in total over all callers (default 10000000)\n"
    "  --json           print the figures as one JSON object\n"
    "  --memory M       code memory for the attachments: dual (memfd dual mapping),\n"
    "                   fallback (mprotect), or both (default: the functions\n"
    "                   alternate between a dual-mapping and a fallback ExecMemory)\n"
    "  --block-every N  each caller blocks (usleep) every N calls (default 1000)\n"
    "  --spinners N     more caller threads (default 2) that call the hooked functions\n"
    "                   in a tight loop, never blocking, until the others are done\n"
    "  --seed N         the swapper's random sequence (default 1)\n"
    "  --btf FILE       the object with the targets' BTF (default: the build's\n"
    "                   stress_targets.c object)\n"
    "\n"
    "Exit status: 0 all checks passed, 1 a check failed, 2 bad usage.\n";

enum class MemoryChoice { dual, fallback, both };

struct Options {
  int threads = 4;
  uint64_t calls = 10'000'000;
  bool json = false;
  MemoryChoice memory = MemoryChoice::both;
  uint64_t block_every = 1000;
  int spinners = 2;
  uint64_t seed = 1;
  std::string btf = XTRAMP_STRESS_TARGETS_OBJ;
};

double seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

// ------------------------------------------------------------ code memory

#if defined(__x86_64__) || defined(__i386__)
constexpr uint8_t kTrapByte = 0xcc;  // what ExecMemory fills freed and unused bytes with
#else
constexpr uint8_t kTrapByte = 0x00;
#endif

// Every mapping the attachments' ExecMemory makes, through its ops table,
// and the retired trampolines not yet freed.
struct CodeTracker {
  struct Mapping {
    size_t bytes;
    bool code;  // an exec view (dual) or a block's own pages (fallback)
  };
  struct Pending {
    uintptr_t addr;
    Clock::time_point retired;        // the publish that unlinked it started
    Clock::time_point unlinked = {};  // ... and returned
  };

  std::mutex mu;
  std::map<uintptr_t, Mapping> maps;
  size_t code_bytes = 0, peak_code_bytes = 0, all_bytes = 0;
  uint64_t mmaps = 0, munmaps = 0;
  std::vector<Pending> pending;
  uint64_t freed_seen = 0;
  double max_latency_s = 0, sum_latency_s = 0;
  std::vector<double> latencies_s;         // from the start of the publish
  std::vector<double> retire_latencies_s;  // from the end of the publish (the retire)

  // The p-quantile (0..1) of v, 0 for none.
  static double quantile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const size_t i = static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
    return v[std::min(i, v.size() - 1)];
  }

  void mapped(void* p, size_t len, int prot, int fd) {
    std::lock_guard<std::mutex> lock(mu);
    const bool code = (prot & PROT_EXEC) != 0 || fd < 0;
    maps[reinterpret_cast<uintptr_t>(p)] = Mapping{len, code};
    ++mmaps;
    all_bytes += len;
    if (code) code_bytes += len;
    peak_code_bytes = std::max(peak_code_bytes, code_bytes);
  }
  void unmapped(void* p, size_t len) {
    const auto now = Clock::now();
    std::lock_guard<std::mutex> lock(mu);
    const auto lo = reinterpret_cast<uintptr_t>(p);
    auto it = maps.find(lo);
    if (it == maps.end()) return;
    ++munmaps;
    all_bytes -= it->second.bytes;
    if (it->second.code) code_bytes -= it->second.bytes;
    maps.erase(it);
    settle_locked([&](const Pending& e) { return e.addr >= lo && e.addr < lo + len; }, now);
  }
  void retire_tentatively(uintptr_t addr, Clock::time_point when) {
    std::lock_guard<std::mutex> lock(mu);
    pending.push_back(Pending{addr, when});
  }
  void unlinked(uintptr_t addr, Clock::time_point when) {
    std::lock_guard<std::mutex> lock(mu);
    for (Pending& e : pending)
      if (e.addr == addr) e.unlinked = when;
  }
  void cancel(uintptr_t addr) {
    std::lock_guard<std::mutex> lock(mu);
    for (size_t i = 0; i < pending.size(); ++i) {
      if (pending[i].addr == addr) {
        pending.erase(pending.begin() + static_cast<std::ptrdiff_t>(i));
        return;
      }
    }
  }
  // A block freed from a dual chunk that stays mapped has become traps.
  void poll() {
    const auto now = Clock::now();
    std::lock_guard<std::mutex> lock(mu);
    settle_locked(
        [](const Pending& e) {
          const auto* b = reinterpret_cast<const volatile uint8_t*>(e.addr);
          for (int i = 0; i < 16; ++i)
            if (b[i] != kTrapByte) return false;
          return true;
        },
        now);
  }
  template <typename Pred>
  void settle_locked(Pred freed, Clock::time_point now) {
    for (size_t i = 0; i < pending.size();) {
      if (freed(pending[i])) {
        const double l = seconds(now - pending[i].retired);
        max_latency_s = std::max(max_latency_s, l);
        sum_latency_s += l;
        latencies_s.push_back(l);
        if (pending[i].unlinked != Clock::time_point{})
          retire_latencies_s.push_back(seconds(now - pending[i].unlinked));
        ++freed_seen;
        pending[i] = pending.back();
        pending.pop_back();
      } else {
        ++i;
      }
    }
  }
};

CodeTracker g_code;

void* track_mmap(void* addr, size_t len, int prot, int flags, int fd, off_t off) {
  void* p = ::mmap(addr, len, prot, flags, fd, off);
  if (p != MAP_FAILED) g_code.mapped(p, len, prot, fd);
  return p;
}
int track_munmap(void* addr, size_t len) {
  const int r = ::munmap(addr, len);
  if (r == 0) g_code.unmapped(addr, len);
  return r;
}

size_t wx_mappings() {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  size_t bad = 0;
  while (std::getline(maps, line)) {
    std::istringstream in(line);
    std::string range, perms;
    in >> range >> perms;
    if (perms.size() >= 3 && perms[1] == 'w' && perms[2] == 'x') ++bad;
  }
  return bad;
}

// --------------------------------------------------------------- programs

constexpr int kMaxProgs = 4;  // per function: an anchor (or not) and a pool of three
constexpr int kMaxPool = 2;   // pool programs attached at once

// Per thread: written only by programs running on that thread.
struct alignas(64) ProgSlot {
  uint64_t last = 0;     // s of the last call this program ran for
  uint64_t runs = 0;     // how many times it ran
  uint64_t doubled = 0;  // runs that found `last` already at s
  uint64_t ret[2] = {};  // fexit: the return value slots it saw
};

struct ProgState {
  ProgKind kind = ProgKind::fentry;
  int ret_slots = 1;  // fexit: how many return slots to read
  std::vector<ProgSlot> slot;
  std::atomic<uint64_t> bad_thread{0};
};

uint64_t override_value(uint64_t s) {
  return s * 3 + 7;  // never 0
}

uint64_t stress_prog(const uint64_t* ctx, void* cookie) {
  auto* st = static_cast<ProgState*>(cookie);
  const uint64_t t = ctx[0], s = ctx[1];
  if (t >= st->slot.size()) {
    st->bad_thread.fetch_add(1, std::memory_order_relaxed);
    return 0;
  }
  ProgSlot& sl = st->slot[t];
  if (sl.last == s) ++sl.doubled;
  sl.last = s;
  ++sl.runs;
  if (st->kind == ProgKind::fexit) {
    const uint64_t n = func_arg_cnt(ctx);
    sl.ret[0] = ctx[n];
    if (st->ret_slots > 1) sl.ret[1] = ctx[n + 1];
  }
  if (st->kind == ProgKind::fmod_ret && s % 4 == 0) return override_value(s);
  return 0;
}

// The same program as noexcept: on x86-64 its guard, call and count are
// generated inline in the trampoline (the other one goes through the runner).
uint64_t stress_prog_nothrow(const uint64_t* ctx, void* cookie) noexcept {
  return stress_prog(ctx, cookie);
}

// ------------------------------------------------------------- functions

struct Hooked {
  Hooked(st_fn i, const char* n, const void* orig, bool patch, bool anchor, std::vector<ProgKind> k,
         int rets = 1)
      : id(i),
        name(n),
        entry_patch(patch),
        anchored(anchor),
        kinds(std::move(k)),
        ret_slots(rets),
        original(orig) {}

  st_fn id;
  const char* name;
  bool entry_patch;
  bool anchored;                // progs[0] stays attached while the callers run
  std::vector<ProgKind> kinds;  // anchor (if any) first, then the pool
  int ret_slots = 1;            // return value slots (fexit)
  const void* original = nullptr;
  std::atomic<const void*> slot{nullptr};  // replace mode: what the callers call
  ExecMemory* memory = nullptr;
  std::unique_ptr<Attachment> att;
  std::vector<std::unique_ptr<ProgState>> states;
  std::vector<std::unique_ptr<Program>> progs;
  uint32_t mask = 0;  // attached programs (the swapper's view)

  int first_pool() const { return anchored ? 1 : 0; }
  uint32_t pool_mask() const { return ((1u << progs.size()) - 1) & ~(anchored ? 1u : 0u); }
  bool has_fmod() const {
    for (ProgKind k : kinds)
      if (k == ProgKind::fmod_ret) return true;
    return false;
  }

  // The trampoline callers reach now (through the entry stub), or 0 for none.
  uintptr_t current_trampoline() const {
    return att ? reinterpret_cast<uintptr_t>(att->trampoline()) : 0;
  }
};

// -------------------------------------------------------------- callers

enum Failure {
  kWrongResult,    // a call returned something its program set does not imply
  kOriginal,       // the original ran when it must not have, or did not when it must
  kLostAnchor,     // an anchored function's call did not run its anchor
  kImpossibleSet,  // a call ran more pool programs than were ever attached at once
  kFexitView,      // an fexit program saw another return value than the caller got
  kFailureKinds
};
constexpr const char* kFailureNames[kFailureKinds] = {"wrong_result", "original_mismatch",
                                                      "lost_anchor_run", "impossible_program_set",
                                                      "fexit_view_mismatch"};

struct CallerCounts {
  uint64_t calls[ST_FUNCS] = {};
  uint64_t saw_run[ST_FUNCS][kMaxProgs] = {};
  uint64_t orig_runs[ST_FUNCS] = {};
  uint64_t overrides[ST_FUNCS] = {};
  uint64_t failures[kFailureKinds] = {};
};

struct Shared {
  const Options* opt = nullptr;
  std::vector<Hooked*> funcs;       // the ones called
  std::vector<Hooked*> spin_funcs;  // the ones the spinners call
  std::atomic<bool> go{false};
  std::atomic<int> callers_left{0};
  std::atomic<bool> stop_spinning{false};
};

template <typename F>
F* as_fn(const void* p) {
  return reinterpret_cast<F*>(const_cast<void*>(p));
}

// `spin`: call until the other callers are done, never blocking (a relaxed
// load of a flag every 256 calls is all it does besides calling).
void caller(Shared& sh, int t, uint64_t n, CallerCounts& out, bool spin = false) {
  CallerCounts c;
  sh.go.wait(false);  // blocks (a futex) until the first programs are attached
  const std::vector<Hooked*>& funcs = spin ? sh.spin_funcs : sh.funcs;
  const size_t nf = funcs.size();
  const long lt = t;
  for (uint64_t i = 0; spin || i < n; ++i) {
    if (spin && (nf == 0 || (i % 256 == 0 && sh.stop_spinning.load(std::memory_order_relaxed))))
      break;
    Hooked& h = *funcs[i % nf];
    const uint64_t s = i + 1;
    const long ls = static_cast<long>(s);
    uint64_t ret[2] = {};  // the result as return slots (for the fexit check)
    bool ok_normal = false, ok_override = false;
    switch (h.id) {
      case ST_ADD: {
        const long a = static_cast<long>(s ^ 0x5a5a);
        const long r =
            as_fn<long(long, long, long)>(h.slot.load(std::memory_order_acquire))(lt, ls, a);
        ret[0] = static_cast<uint64_t>(r);
        ok_normal = r == 2 * a + ls + lt;
        ok_override = static_cast<uint64_t>(r) == override_value(s);
        break;
      }
      case ST_MIX: {
        const double x = static_cast<double>(s) * 0.5;
        const int y = t;
        const float z = 0.25f;
        const double r = as_fn<double(long, long, double, int, float)>(
            h.slot.load(std::memory_order_acquire))(lt, ls, x, y, z);
        std::memcpy(&ret[0], &r, 8);
        ok_normal = r == x + y + z;
        break;
      }
      case ST_PAIR: {
        const st_pair p{ls, ~ls};
        const st_pair r =
            as_fn<st_pair(long, long, st_pair)>(h.slot.load(std::memory_order_acquire))(lt, ls, p);
        ret[0] = static_cast<uint64_t>(r.a);
        ret[1] = static_cast<uint64_t>(r.b);
        ok_normal = r.a == ls + lt && r.b == ~ls - ls;
        break;
      }
      case ST_PATCHED: {
        const long a = static_cast<long>(s & 0xfffff);
        const long r = st_patched(lt, ls, a);
        ret[0] = static_cast<uint64_t>(r);
        ok_normal = r == 3 * a - lt;
        ok_override = static_cast<uint64_t>(r) == override_value(s);
        break;
      }
      case ST_PATCHED_MANY: {
        const int a = static_cast<int>(s & 0xff);
        const int r = st_patched_many(lt, ls, a, a + 1, a + 2, a + 3, a + 4, a + 5);
        ret[0] = static_cast<uint32_t>(r);
        ok_normal = r == a + 2 * (a + 1) + 3 * (a + 2) + 4 * (a + 3) + 5 * (a + 4) + 6 * (a + 5) +
                             static_cast<int>(s & 0xffff);
        ok_override = r == static_cast<int>(override_value(s));
        break;
      }
      default:
        break;
    }

    // What ran for this call.
    uint32_t ran = 0;
    bool fmod_ran = false;
    for (size_t k = 0; k < h.states.size(); ++k) {
      ProgState& st = *h.states[k];
      const ProgSlot& sl = st.slot[static_cast<size_t>(t)];
      if (sl.last != s) continue;
      ran |= 1u << k;
      ++c.saw_run[h.id][k];
      if (st.kind == ProgKind::fmod_ret) fmod_ran = true;
      if (st.kind == ProgKind::fexit) {
        const bool low32 = h.id == ST_PATCHED_MANY;
        const uint64_t seen0 = low32 ? static_cast<uint32_t>(sl.ret[0]) : sl.ret[0];
        if (seen0 != ret[0] || (h.ret_slots > 1 && sl.ret[1] != ret[1])) ++c.failures[kFexitView];
      }
    }
    const bool orig_ran = st_seen[h.id][t].last == ls;
    const bool overridden = fmod_ran && s % 4 == 0;
    if (orig_ran) ++c.orig_runs[h.id];
    if (overridden) ++c.overrides[h.id];
    if (orig_ran == overridden) ++c.failures[kOriginal];
    if (!(overridden ? ok_override : ok_normal)) ++c.failures[kWrongResult];
    if (h.anchored && (ran & 1u) == 0) ++c.failures[kLostAnchor];
    if (__builtin_popcount(ran & h.pool_mask()) > kMaxPool) ++c.failures[kImpossibleSet];
    ++c.calls[h.id];

    if (!spin && sh.opt->block_every != 0 && s % sh.opt->block_every == 0) usleep(1);
  }
  out = c;
  if (!spin) sh.callers_left.fetch_sub(1);
}

// -------------------------------------------------------------- swapper

uint64_t next_random(uint64_t& x) {
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  return x * 0x2545F4914F6CDD1DULL;
}

struct Figures {
  uint64_t attach_ops = 0, detach_ops = 0, swap_ops = 0, publishes = 0;
  uint64_t ops_while_calling = 0;
  uint64_t generated = 0;
  size_t peak_retired = 0;
  uint64_t wx_checks = 0, wx_seen = 0;
  uint64_t accounting_errors = 0;
  std::vector<std::string> errors;
};

class Swapper {
 public:
  Swapper(std::vector<Hooked*> funcs, std::vector<ExecMemory*> memories, Reclaimer& rec,
          Figures& fig)
      : funcs_(std::move(funcs)), memories_(std::move(memories)), rec_(rec), fig_(fig) {}

  // One attach or detach, with the bookkeeping around it. False on an error.
  bool publish(Hooked& h, int k, bool attach) {
    const uintptr_t old = h.current_trampoline();
    const auto start = Clock::now();
    if (old != 0) g_code.retire_tentatively(old, start);
    try {
      if (attach)
        h.att->attach(*h.progs[static_cast<size_t>(k)]);
      else
        h.att->detach(*h.progs[static_cast<size_t>(k)]);
    } catch (const std::exception& e) {
      if (old != 0) g_code.cancel(old);
      fig_.errors.push_back(std::string(attach ? "attach to " : "detach from ") + h.name + ": " +
                            e.what());
      return false;
    }
    if (old != 0) g_code.unlinked(old, Clock::now());
    h.mask ^= 1u << k;
    ++fig_.publishes;
    if (h.mask != 0) ++fig_.generated;
    g_code.poll();
    check_accounting();
    if (fig_.publishes % 128 == 0) sample_wx();
    return true;
  }

  void check_accounting() {
    size_t live = 0;
    for (ExecMemory* m : memories_) live += m->stats().live_blocks;
    size_t hooked = 0;
    for (Hooked* h : funcs_) hooked += h->mask != 0;
    const Reclaimer::Stats r = rec_.stats();
    fig_.peak_retired = std::max(fig_.peak_retired, r.retired);
    if (live != hooked + r.retired || fig_.generated != r.freed + live) {
      if (fig_.accounting_errors++ == 0) {
        fig_.errors.push_back(
            "accounting: " + std::to_string(live) + " live code blocks, " + std::to_string(hooked) +
            " hooked functions, " + std::to_string(r.retired) + " retired, " +
            std::to_string(fig_.generated) + " generated, " + std::to_string(r.freed) + " freed");
      }
    }
  }

  void sample_wx() {
    ++fig_.wx_checks;
    fig_.wx_seen += wx_mappings();
  }

  // One random step: attach, detach, or swap one pool program of one function.
  bool step(uint64_t& rng) {
    Hooked& h = *funcs_[next_random(rng) % funcs_.size()];
    const int pool = static_cast<int>(h.progs.size()) - h.first_pool();
    const int k = h.first_pool() + static_cast<int>(next_random(rng) % static_cast<uint64_t>(pool));
    const uint32_t bit = 1u << k;
    if ((h.mask & bit) != 0) {
      if (!publish(h, k, false)) return false;
      ++fig_.detach_ops;
    } else if (__builtin_popcount(h.mask & h.pool_mask()) < kMaxPool) {
      if (!publish(h, k, true)) return false;
      ++fig_.attach_ops;
    } else {
      // Two attached: detach one of them, attach k in its place.
      int other = -1;
      const int pick = static_cast<int>(next_random(rng) % kMaxPool);
      int seen = 0;
      for (int j = h.first_pool(); j < static_cast<int>(h.progs.size()); ++j) {
        if ((h.mask & (1u << j)) != 0 && seen++ == pick) other = j;
      }
      if (!publish(h, other, false) || !publish(h, k, true)) return false;
      ++fig_.swap_ops;
    }
    return true;
  }

 private:
  std::vector<Hooked*> funcs_;
  std::vector<ExecMemory*> memories_;
  Reclaimer& rec_;
  Figures& fig_;
};

// ------------------------------------------------------------------ JSON

std::string json_str(const std::string& s) {
  std::string o = "\"";
  for (char ch : s) {
    if (ch == '"' || ch == '\\') {
      o += '\\';
      o += ch;
    } else if (static_cast<unsigned char>(ch) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", ch);
      o += buf;
    } else {
      o += ch;
    }
  }
  return o + "\"";
}

// --------------------------------------------------------------------- run

bool parse_u64(const char* s, uint64_t* v) {
  if (s == nullptr || *s == '\0') return false;
  char* end = nullptr;
  errno = 0;
  const unsigned long long x = std::strtoull(s, &end, 10);
  if (errno != 0 || *end != '\0' || s[0] == '-') return false;
  *v = x;
  return true;
}

int usage_error(const std::string& msg) {
  std::fprintf(stderr, "xtramp-stress: %s\n%s", msg.c_str(), kUsage);
  return 2;
}

int run(const Options& opt) {
  const btf::BtfFile btf = [&] {
    btf::OpenOptions o;
    o.path = opt.btf;
    return btf::BtfFile::open(o);
  }();

  // The code memory: private allocators (their figures are this run's alone)
  // whose mappings are all seen by g_code.
  ExecMemoryOptions mo;
  mo.ops.mmap = track_mmap;
  mo.ops.munmap = track_munmap;
  std::vector<std::unique_ptr<ExecMemory>> memories;
  if (opt.memory != MemoryChoice::fallback) memories.push_back(std::make_unique<ExecMemory>(mo));
  if (opt.memory != MemoryChoice::dual) {
    mo.force_fallback = true;
    memories.push_back(std::make_unique<ExecMemory>(mo));
  }
  Reclaimer reclaimer;

  using K = ProgKind;
  auto fn = [](auto* f) { return reinterpret_cast<const void*>(f); };
  std::array<Hooked, ST_FUNCS> all{{
      {ST_ADD, "st_add", fn(&st_add), false, true, {K::fentry, K::fentry, K::fexit, K::fmod_ret}},
      {ST_MIX, "st_mix", fn(&st_mix), false, false, {K::fentry, K::fexit, K::fexit}},
      {ST_PAIR,
       "st_pair_fn",
       fn(&st_pair_fn),
       false,
       true,
       {K::fexit, K::fentry, K::fexit, K::fentry},
       2},
      {ST_PATCHED,
       "st_patched",
       fn(&st_patched),
       true,
       true,
       {K::fentry, K::fexit, K::fmod_ret, K::fentry}},
      {ST_PATCHED_MANY,
       "st_patched_many",
       fn(&st_patched_many),
       true,
       false,
       {K::fentry, K::fexit, K::fmod_ret}},
  }};

  Shared sh;
  sh.opt = &opt;
  std::vector<std::string> skipped;
  for (Hooked& h : all) {
    if (h.entry_patch && !poked_code_problem().empty()) {
      skipped.push_back(std::string(h.name) + ": " + poked_code_problem());
      continue;
    }
    h.memory = memories[static_cast<size_t>(h.id) % memories.size()].get();
    h.slot.store(h.original);
    if (h.entry_patch)
      h.att = std::make_unique<Attachment>(btf.model(h.name), const_cast<void*>(h.original),
                                           kEntryPatch, Policy::psabi, *h.memory, reclaimer);
    else
      h.att = std::make_unique<Attachment>(btf.model(h.name), h.original, &h.slot, Policy::psabi,
                                           *h.memory, reclaimer);
    for (ProgKind k : h.kinds) {
      auto st = std::make_unique<ProgState>();
      st->kind = k;
      st->ret_slots = h.ret_slots;
      st->slot.resize(static_cast<size_t>(opt.threads + opt.spinners));
      // Both kinds of program, alternating: the runner's path and the inline one.
      if (h.progs.size() % 2 == 0)
        h.progs.push_back(std::make_unique<Program>(stress_prog_nothrow, st.get(), k));
      else
        h.progs.push_back(std::make_unique<Program>(stress_prog, st.get(), k));
      h.states.push_back(std::move(st));
    }
    sh.funcs.push_back(&h);
    // x86-64 waits for every thread to be seen outside a function's five
    // single-byte nops before it writes the call over them (patch.cpp), which
    // a thread calling the function in a tight loop may never be: spinners
    // leave out the entry-patched functions whose entry flips there (those
    // with an anchor are patched once, before the callers start, and only
    // retargeted after: a store of the stub's target word).
    if (!(h.entry_patch && !h.anchored && host_arch() == Arch::x86_64)) sh.spin_funcs.push_back(&h);
  }

  Figures fig;
  Swapper swapper(
      sh.funcs,
      [&] {
        std::vector<ExecMemory*> v;
        for (auto& m : memories) v.push_back(m.get());
        return v;
      }(),
      reclaimer, fig);

  // Anchors first, then the callers, then the swapper until they are done.
  bool ok = true;
  for (Hooked* h : sh.funcs)
    if (h->anchored) ok = ok && swapper.publish(*h, 0, true);
  const size_t wx_before = wx_mappings();

  std::vector<CallerCounts> counts(static_cast<size_t>(opt.threads + opt.spinners));
  std::vector<std::thread> callers;
  sh.callers_left = opt.threads;
  const uint64_t per = opt.calls / static_cast<uint64_t>(opt.threads);
  const uint64_t extra = opt.calls % static_cast<uint64_t>(opt.threads);
  for (int t = 0; t < opt.threads; ++t) {
    const uint64_t n = per + (static_cast<uint64_t>(t) < extra ? 1 : 0);
    callers.emplace_back([&, t, n] { caller(sh, t, n, counts[static_cast<size_t>(t)]); });
  }
  std::vector<std::thread> spinners;
  for (int t = opt.threads; t < opt.threads + opt.spinners; ++t)
    spinners.emplace_back(
        [&, t] { caller(sh, t, 0, counts[static_cast<size_t>(t)], /*spin=*/true); });
  const auto t_start = Clock::now();
  std::thread swap_thread([&] {
    uint64_t rng = opt.seed * 0x9E3779B97F4A7C15ULL + 1;
    sh.go = true;
    sh.go.notify_all();
    while (ok && sh.callers_left.load() > 0) {
      if (!swapper.step(rng)) ok = false;
      ++fig.ops_while_calling;
    }
  });
  for (auto& c : callers) c.join();
  const auto t_calls = Clock::now();
  swap_thread.join();
  sh.stop_spinning = true;
  for (auto& c : spinners) c.join();
  swapper.sample_wx();

  // Final detach (everything, anchors too), then wait for the reclaimer.
  const auto t_detach = Clock::now();
  for (Hooked* h : sh.funcs) {
    for (int k = 0; k < static_cast<int>(h->progs.size()); ++k)
      if ((h->mask & (1u << k)) != 0 && !swapper.publish(*h, k, false)) ok = false;
  }
  bool drained = false;
  const auto deadline = t_detach + std::chrono::seconds(60);
  while (Clock::now() < deadline) {
    reclaimer.reclaim();
    g_code.poll();
    if (reclaimer.stats().retired == 0) {
      drained = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  const auto t_clean = Clock::now();
  for (Hooked* h : sh.funcs) h->att.reset();
  if (!drained) fig.errors.push_back("trampolines still retired 60 s after the final detach");

  // ---- reconciliation
  CallerCounts sum;
  for (const CallerCounts& c : counts) {
    for (int f = 0; f < ST_FUNCS; ++f) {
      sum.calls[f] += c.calls[f];
      sum.orig_runs[f] += c.orig_runs[f];
      sum.overrides[f] += c.overrides[f];
      for (int k = 0; k < kMaxProgs; ++k) sum.saw_run[f][k] += c.saw_run[f][k];
    }
    for (int i = 0; i < kFailureKinds; ++i) sum.failures[i] += c.failures[i];
  }
  uint64_t total_calls = 0, total_runs = 0, counted_calls = 0;
  for (int f = 0; f < ST_FUNCS; ++f) total_calls += sum.calls[f];
  for (int t = 0; t < opt.threads; ++t)
    for (int f = 0; f < ST_FUNCS; ++f) counted_calls += counts[static_cast<size_t>(t)].calls[f];
  const uint64_t spun_calls = total_calls - counted_calls;
  if (counted_calls != opt.calls)
    fig.errors.push_back("calls made " + std::to_string(counted_calls) +
                         " != " + std::to_string(opt.calls));
  for (int i = 0; i < kFailureKinds; ++i)
    if (sum.failures[i] != 0)
      fig.errors.push_back(std::string(kFailureNames[i]) + ": " + std::to_string(sum.failures[i]) +
                           " calls");
  struct ProgFigure {
    std::string name;
    uint64_t runs;
  };
  std::vector<ProgFigure> prog_figures;
  for (Hooked* h : sh.funcs) {
    uint64_t orig_counted = 0;
    for (int t = 0; t < opt.threads + opt.spinners; ++t)
      orig_counted += static_cast<uint64_t>(st_seen[h->id][t].calls);
    if (orig_counted != sum.orig_runs[h->id])
      fig.errors.push_back(std::string(h->name) + ": the original counted " +
                           std::to_string(orig_counted) + " runs, the callers saw " +
                           std::to_string(sum.orig_runs[h->id]));
    for (size_t k = 0; k < h->progs.size(); ++k) {
      const Program& p = *h->progs[k];
      const ProgState& st = *h->states[k];
      uint64_t counted = 0, doubled = 0;
      for (const ProgSlot& sl : st.slot) {
        counted += sl.runs;
        doubled += sl.doubled;
      }
      const uint64_t saw = sum.saw_run[h->id][k];
      const std::string name = std::string(h->name) + "/" + std::to_string(k) +
                               (h->anchored && k == 0 ? " (anchor)" : "");
      if (saw != counted || counted != p.runs.load())
        fig.errors.push_back(name + ": callers saw " + std::to_string(saw) + " runs, the program " +
                             "counted " + std::to_string(counted) + ", Program::runs is " +
                             std::to_string(p.runs.load()));
      if (doubled != 0)
        fig.errors.push_back(name + ": " + std::to_string(doubled) + " doubled runs");
      if (p.misses.load() != 0 || p.errors.load() != 0 || st.bad_thread.load() != 0)
        fig.errors.push_back(name + ": misses " + std::to_string(p.misses.load()) + ", errors " +
                             std::to_string(p.errors.load()));
      if (h->anchored && k == 0 && saw != sum.calls[h->id])
        fig.errors.push_back(name + ": ran for " + std::to_string(saw) + " of " +
                             std::to_string(sum.calls[h->id]) + " calls");
      total_runs += p.runs.load();
      prog_figures.push_back({name, p.runs.load()});
    }
  }
  if (fig.ops_while_calling == 0) fig.errors.push_back("no program change overlapped the calls");
  if (fig.wx_seen != 0 || wx_before != 0)
    fig.errors.push_back("writable+executable mappings seen: " + std::to_string(fig.wx_seen));

  // ---- cleanup: every trampoline freed, all code memory returned
  const Reclaimer::Stats rs = reclaimer.stats();
  ExecMemory::Stats ms;
  std::string modes;
  for (auto& m : memories) {
    const ExecMemory::Stats s = m->stats();
    ms.chunks += s.chunks;
    ms.mapped_bytes += s.mapped_bytes;
    ms.live_blocks += s.live_blocks;
    ms.live_bytes += s.live_bytes;
    modes += std::string(modes.empty() ? "" : ",") + to_string(m->mode());
  }
  size_t tracked_maps = 0, final_code = 0, final_all = 0, pending = 0;
  {
    std::lock_guard<std::mutex> lock(g_code.mu);
    tracked_maps = g_code.maps.size();
    final_code = g_code.code_bytes;
    final_all = g_code.all_bytes;
    pending = g_code.pending.size();
  }
  if (ms.chunks != 0 || ms.mapped_bytes != 0 || ms.live_blocks != 0 || ms.live_bytes != 0)
    fig.errors.push_back("ExecMemory still holds " + std::to_string(ms.live_blocks) + " blocks, " +
                         std::to_string(ms.mapped_bytes) + " bytes");
  if (tracked_maps != 0 || final_all != 0)
    fig.errors.push_back(std::to_string(tracked_maps) + " code mappings (" +
                         std::to_string(final_all) + " bytes) never unmapped");
  if (rs.freed != fig.generated || rs.retired != 0)
    fig.errors.push_back("generated " + std::to_string(fig.generated) + " trampolines, reclaimed " +
                         std::to_string(rs.freed));
  if (pending != 0 || g_code.freed_seen != rs.freed)
    fig.errors.push_back("reclaim latency: " + std::to_string(g_code.freed_seen) +
                         " frees seen for " + std::to_string(rs.freed) + " reclaimed");

  const double wall = seconds(t_calls - t_start);
  const double cps = wall > 0 ? static_cast<double>(total_calls) / wall : 0;
  const double mean_lat = g_code.freed_seen ? g_code.sum_latency_s / g_code.freed_seen : 0;
  const bool passed = ok && fig.errors.empty();

  std::vector<std::string> hooked_names;
  for (Hooked* h : sh.funcs) {
    auto kind = [](ProgKind k) {
      return k == ProgKind::fentry ? "fentry" : k == ProgKind::fexit ? "fexit" : "fmod_ret";
    };
    std::string d = std::string(h->name) + (h->entry_patch ? " (entry patch, " : " (replace, ") +
                    to_string(h->memory->mode()) + "; ";
    if (h->anchored) d += std::string("anchor ") + kind(h->kinds[0]) + "; ";
    d += "pool";
    for (size_t k = static_cast<size_t>(h->first_pool()); k < h->kinds.size(); ++k)
      d += std::string(" ") + kind(h->kinds[k]);
    hooked_names.push_back(d + ")");
  }

  if (opt.json) {
    std::string j = "{";
    auto num = [&](const char* k, double v, bool integer = true) {
      char buf[64];
      if (integer)
        std::snprintf(buf, sizeof buf, "%.0f", v);
      else
        std::snprintf(buf, sizeof buf, "%.6g", v);
      j += json_str(k) + ": " + buf + ", ";
    };
    j += "\"result\": " + json_str(passed ? "ok" : "FAILED") + ", ";
    j += "\"arch\": " + json_str(std::string(arch_name(host_arch()))) + ", ";
    j += "\"memory_modes\": " + json_str(modes) + ", ";
    num("threads", opt.threads);
    num("spinners", opt.spinners);
    num("spinner_calls", static_cast<double>(spun_calls));
    num("calls", static_cast<double>(total_calls));
    num("block_every", static_cast<double>(opt.block_every));
    num("seed", static_cast<double>(opt.seed));
    num("wall_seconds", wall, false);
    num("calls_per_second", cps);
    num("program_runs", static_cast<double>(total_runs));
    num("attach_ops", static_cast<double>(fig.attach_ops));
    num("detach_ops", static_cast<double>(fig.detach_ops));
    num("swap_ops", static_cast<double>(fig.swap_ops));
    num("publishes", static_cast<double>(fig.publishes));
    num("trampolines_generated", static_cast<double>(fig.generated));
    num("trampolines_reclaimed", static_cast<double>(rs.freed));
    num("peak_retired", static_cast<double>(fig.peak_retired));
    num("peak_code_bytes", static_cast<double>(g_code.peak_code_bytes));
    num("final_code_bytes", static_cast<double>(final_code));
    num("final_mapped_bytes_all_views", static_cast<double>(final_all));
    num("mmaps", static_cast<double>(g_code.mmaps));
    num("munmaps", static_cast<double>(g_code.munmaps));
    num("max_reclaim_latency_ms", g_code.max_latency_s * 1e3, false);
    num("mean_reclaim_latency_ms", mean_lat * 1e3, false);
    num("p99_reclaim_latency_ms", CodeTracker::quantile(g_code.latencies_s, 0.99) * 1e3, false);
    num("max_retire_to_free_ms", CodeTracker::quantile(g_code.retire_latencies_s, 1.0) * 1e3,
        false);
    num("p99_retire_to_free_ms", CodeTracker::quantile(g_code.retire_latencies_s, 0.99) * 1e3,
        false);
    num("cleanup_ms", seconds(t_clean - t_detach) * 1e3, false);
    num("wx_checks", static_cast<double>(fig.wx_checks + 1));
    num("wx_mappings_seen", static_cast<double>(fig.wx_seen + wx_before));
    j += "\"hooked\": [";
    for (size_t i = 0; i < hooked_names.size(); ++i)
      j += (i ? ", " : "") + json_str(hooked_names[i]);
    j += "], \"skipped\": [";
    for (size_t i = 0; i < skipped.size(); ++i) j += (i ? ", " : "") + json_str(skipped[i]);
    j += "], \"program_runs_by_program\": {";
    for (size_t i = 0; i < prog_figures.size(); ++i)
      j += (i ? ", " : "") + json_str(prog_figures[i].name) + ": " +
           std::to_string(prog_figures[i].runs);
    j += "}, \"errors\": [";
    for (size_t i = 0; i < fig.errors.size(); ++i) j += (i ? ", " : "") + json_str(fig.errors[i]);
    j += "]}";
    std::printf("%s\n", j.c_str());
  } else {
    std::printf("xtramp-stress: %s, %d caller threads + %d spinning, code memory %s\n",
                std::string(arch_name(host_arch())).c_str(), opt.threads, opt.spinners,
                modes.c_str());
    for (const std::string& n : hooked_names) std::printf("  hooked   %s\n", n.c_str());
    for (const std::string& n : skipped) std::printf("  skipped  %s\n", n.c_str());
    std::printf("calls                  %" PRIu64 " in %.3f s (%.0f calls/s; %" PRIu64
                " by the spinners)\n",
                total_calls, wall, cps, spun_calls);
    std::printf("program runs           %" PRIu64 " (reconciled per program)\n", total_runs);
    std::printf("operations             %" PRIu64 " attach, %" PRIu64 " detach, %" PRIu64
                " swap (%" PRIu64 " publishes)\n",
                fig.attach_ops, fig.detach_ops, fig.swap_ops, fig.publishes);
    std::printf("trampolines            %" PRIu64 " generated, %zu reclaimed (peak %zu retired)\n",
                fig.generated, rs.freed, fig.peak_retired);
    std::printf("code bytes mapped      peak %zu, final %zu (all views: %zu)\n",
                g_code.peak_code_bytes, final_code, final_all);
    std::printf(
        "reclaim latency        max %.3f ms, p99 %.3f ms, mean %.3f ms (from the publish's "
        "start)\n",
        g_code.max_latency_s * 1e3, CodeTracker::quantile(g_code.latencies_s, 0.99) * 1e3,
        mean_lat * 1e3);
    std::printf("retire to free         max %.3f ms, p99 %.3f ms (from the publish's return)\n",
                CodeTracker::quantile(g_code.retire_latencies_s, 1.0) * 1e3,
                CodeTracker::quantile(g_code.retire_latencies_s, 0.99) * 1e3);
    std::printf("cleanup                %.3f ms from the final detach to all code freed\n",
                seconds(t_clean - t_detach) * 1e3);
    std::printf("W^X                    %" PRIu64 " checks of /proc/self/maps, %" PRIu64
                " writable+executable mappings\n",
                fig.wx_checks + 1, fig.wx_seen + wx_before);
    for (const std::string& e : fig.errors) std::printf("FAILED: %s\n", e.c_str());
    std::printf("%s\n", passed ? "result: ok" : "result: FAILED");
  }
  return passed ? 0 : 1;
}

}  // namespace
}  // namespace xtramp

int main(int argc, char** argv) {
  using xtramp::usage_error;
  xtramp::Options opt;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    uint64_t v = 0;
    if (a == "-h" || a == "--help") {
      std::fputs(xtramp::kUsage, stdout);
      return 0;
    } else if (a == "--json") {
      opt.json = true;
    } else if (a == "--threads") {
      if (!xtramp::parse_u64(value(), &v) || v < 1 || v > ST_MAX_THREADS)
        return usage_error("--threads needs a number from 1 to " + std::to_string(ST_MAX_THREADS));
      opt.threads = static_cast<int>(v);
    } else if (a == "--calls") {
      if (!xtramp::parse_u64(value(), &v) || v < 1)
        return usage_error("--calls needs a positive number");
      opt.calls = v;
    } else if (a == "--block-every") {
      if (!xtramp::parse_u64(value(), &v))
        return usage_error("--block-every needs a number (0: never block)");
      opt.block_every = v;
    } else if (a == "--spinners") {
      if (!xtramp::parse_u64(value(), &v) || v > 16)
        return usage_error("--spinners needs a number from 0 to 16");
      opt.spinners = static_cast<int>(v);
    } else if (a == "--seed") {
      if (!xtramp::parse_u64(value(), &v)) return usage_error("--seed needs a number");
      opt.seed = v;
    } else if (a == "--memory") {
      const char* m = value();
      const std::string s = m ? m : "";
      if (s == "dual")
        opt.memory = xtramp::MemoryChoice::dual;
      else if (s == "fallback")
        opt.memory = xtramp::MemoryChoice::fallback;
      else if (s == "both")
        opt.memory = xtramp::MemoryChoice::both;
      else
        return usage_error("--memory is dual, fallback or both");
    } else if (a == "--btf") {
      const char* f = value();
      if (f == nullptr) return usage_error("--btf needs a file");
      opt.btf = f;
    } else {
      return usage_error("unknown argument " + a);
    }
  }
  if (opt.threads + opt.spinners > ST_MAX_THREADS)
    return usage_error("--threads plus --spinners is at most " + std::to_string(ST_MAX_THREADS));
  try {
    return xtramp::run(opt);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "xtramp-stress: %s\n", e.what());
    return 1;
  }
}
