// The x86-64 entry patch protocol, as the kernel's text_poke_bp, in user
// space: bytes go in through /proc/self/mem (the text stays r-x), an int3 on
// the first byte guards the site while the rest changes, and
// membarrier(SYNC_CORE) serialises every thread between steps.
//
//   enable (five nops -> call):
//     1. site[0] = int3, sync      a thread arriving now traps; the SIGTRAP
//                                  handler emulates the site's current state
//     2. wait until no thread is inside the old nops (a thread may have run
//        site[0] and stopped at site[1..4]: CodeWriter::wait_quiescent,
//        runtime/reclaim.hpp's quiescence)
//     3. site[1..4] = rel32, sync
//     4. site[0] = E8, sync
//   retarget (call A -> call B): steps 1, 3, 4 (a call is one instruction:
//     nobody is ever inside it)
//   disable (call -> nops): steps 1, site[1..4] = nops, sync, site[0] = nop
//
// GCC's patchable entry is five single-byte nops, and a thread may be
// stopped between two of them; /proc only shows the PC of a thread that is
// blocked, so step 2 waits for every thread to block, which a thread spinning
// in a loop never does. So where it can, enable leaves bytes 1-4 alone: the
// call's rel32 is 0x90909090, the nops' own bytes, and what it reaches (fn +
// 5 - 0x6f6f6f70, the landing) is a jump to the trampoline (in xtramp, the
// site's never-freed entry stub), written once into a page mapped there for
// it and never freed: a 5-byte jmp rel32 where the target is within its
// reach (xtramp places the entry stub halfway between the site and the
// landing for that: stub_bias), else a 13-byte far jump. Then only site[0]
// changes (nop -> int3 -> E8), a thread inside the nops runs the same nops,
// and step 2 is not needed. Where that address cannot be mapped (a non-PIE
// binary low in memory, something else there), or its bytes are taken,
// enable falls back to the steps above.
//
// The handler emulates: "call current trampoline" (push site + 5, jump) while
// the site is enabled, "the nops" (jump to site + 5) otherwise. A site's
// record is never removed, so a thread that trapped before a step finished
// still finds it.
#include "arch/x86_64/patch.hpp"

#include <string>

#include "common/error.hpp"

#if !defined(__x86_64__)

// Patching rewrites this process's own code: only an x86-64 process can.
namespace xtramp::x86_64 {
void check_patchable(const void*, const char* name, CodeWriter&) {
  throw Error(Errc::unsupported,
              std::string("entry patch: ") + name + ": x86-64 code, but this process is not");
}
void set_entry_call(void*, const void*, CodeWriter&) {
  throw Error(Errc::unsupported, "entry patch: x86-64 code, but this process is not");
}
int64_t stub_bias(const void*) {
  return 0;
}
}  // namespace xtramp::x86_64

#else

#include <signal.h>
#include <sys/mman.h>
#include <ucontext.h>

#include <map>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

namespace xtramp::x86_64 {

namespace {

constexpr uint8_t kNop = 0x90, kInt3 = 0xCC, kCall = 0xE8;
constexpr size_t kMaxSites = 4096;

struct Site {
  std::atomic<uintptr_t> addr{0};
  std::atomic<uintptr_t> tramp{0};  // 0: the nops
};

Site g_sites[kMaxSites];
std::atomic<size_t> g_site_count{0};
std::mutex g_patch_mu;  // one patch at a time
struct sigaction g_old_trap;

Site* find_site(uintptr_t addr) {
  const size_t n = g_site_count.load(std::memory_order_acquire);
  for (size_t i = 0; i < n; ++i)
    if (g_sites[i].addr.load(std::memory_order_relaxed) == addr) return &g_sites[i];
  return nullptr;
}

void on_trap(int sig, siginfo_t* info, void* uc_void) {
  auto* uc = static_cast<ucontext_t*>(uc_void);
  greg_t* regs = uc->uc_mcontext.gregs;
  const uintptr_t site = static_cast<uintptr_t>(regs[REG_RIP]) - 1;  // after the int3
  if (Site* s = find_site(site)) {
    const uintptr_t tramp = s->tramp.load(std::memory_order_acquire);
    if (tramp == 0) {
      regs[REG_RIP] = static_cast<greg_t>(site + kPatchSize);
    } else {
      // The call: at a function's entry nothing of the caller lives below
      // rsp (its red zone is above the return address).
      regs[REG_RSP] -= 8;
      *reinterpret_cast<uintptr_t*>(regs[REG_RSP]) = site + kPatchSize;
      regs[REG_RIP] = static_cast<greg_t>(tramp);
    }
    return;
  }
  // Not ours: whoever handled SIGTRAP before.
  if (g_old_trap.sa_flags & SA_SIGINFO) {
    if (g_old_trap.sa_sigaction != nullptr) return g_old_trap.sa_sigaction(sig, info, uc_void);
  } else if (g_old_trap.sa_handler != SIG_DFL && g_old_trap.sa_handler != SIG_IGN) {
    return g_old_trap.sa_handler(sig);
  }
  signal(SIGTRAP, SIG_DFL);
  raise(SIGTRAP);
}

void install_handler() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction sa;
    std::memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_trap;
    sa.sa_flags = SA_SIGINFO | SA_RESTART | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGTRAP, &sa, &g_old_trap) != 0)
      throw Error(Errc::io,
                  std::string("entry patch: sigaction(SIGTRAP): ") + std::strerror(errno));
  });
}

std::string bytes_text(const uint8_t* p) {
  std::string s;
  char b[4];
  for (size_t i = 0; i < kPatchSize; ++i) {
    std::snprintf(b, sizeof b, "%s%02x", i ? " " : "", p[i]);
    s += b;
  }
  return s;
}

bool is_sled(const uint8_t* p) {
  for (size_t i = 0; i < kPatchSize; ++i)
    if (p[i] != kNop) return false;
  return true;
}

Site& site_for(uintptr_t fn) {
  if (Site* s = find_site(fn)) return *s;
  const size_t n = g_site_count.load(std::memory_order_relaxed);
  if (n == kMaxSites)
    throw Error(Errc::bad_request, "entry patch: at most " + std::to_string(kMaxSites) +
                                       " functions can be patched in one process");
  g_sites[n].addr.store(fn, std::memory_order_relaxed);
  g_site_count.store(n + 1, std::memory_order_release);
  return g_sites[n];
}

void poke(CodeWriter& code, uintptr_t at, std::initializer_list<uint8_t> bytes) {
  const uint8_t* b = bytes.begin();
  code.write(reinterpret_cast<void*>(at), std::span<const uint8_t>(b, bytes.size()));
}

// The nop-preserving call (the comment at the top): rel32 = 0x90909090.
constexpr uint32_t kNopRel = 0x90909090u;
constexpr int64_t kLandingRel = static_cast<int32_t>(kNopRel);  // -0x6f6f6f70
constexpr uintptr_t kLowest = 0x100000;  // below: mmap_min_addr and the first MiB
constexpr size_t kNearJump = 5;          // jmp rel32 (E9 rel32)

struct Landing {
  uintptr_t target = 0;
  size_t size = 0;
};
// Landings placed so far (under g_patch_mu), by address.
std::map<uintptr_t, Landing> g_landings;

// Where fn's nop-preserving call lands; 0 where it cannot.
uintptr_t landing_of(uintptr_t fn) {
  const int64_t at = static_cast<int64_t>(fn + kPatchSize) + kLandingRel;
  return at < static_cast<int64_t>(kLowest) ? 0 : static_cast<uintptr_t>(at);
}

// The jump at `at` to `target`: jmp rel32 where it reaches, else a far jump
// (mov r11, imm64: 49 BB imm64; jmp r11: 41 FF E3).
std::vector<uint8_t> landing_code(uintptr_t at, uintptr_t target) {
  const int64_t d = static_cast<int64_t>(target) - static_cast<int64_t>(at + kNearJump);
  if (d >= INT32_MIN && d <= INT32_MAX) {
    const auto r = static_cast<uint32_t>(static_cast<int32_t>(d));
    return {0xE9, static_cast<uint8_t>(r), static_cast<uint8_t>(r >> 8),
            static_cast<uint8_t>(r >> 16), static_cast<uint8_t>(r >> 24)};
  }
  std::vector<uint8_t> code = {0x49, 0xBB, 0, 0, 0, 0, 0, 0, 0, 0, 0x41, 0xFF, 0xE3};
  std::memcpy(code.data() + 2, &target, sizeof target);
  static_assert(sizeof target == 8);
  return code;
}

// True when fn + 5 + (int32)0x90909090 holds (or now holds) a jump to
// `target`. Pages there are mapped once, filled with int3, made r-x, and
// written through the CodeWriter like the sites; never unmapped.
bool far_jump_to(CodeWriter& w, uintptr_t fn, uintptr_t target) {
  const uintptr_t at = landing_of(fn);
  if (at == 0) return false;
  if (auto it = g_landings.find(at); it != g_landings.end()) return it->second.target == target;
  const std::vector<uint8_t> code = landing_code(at, target);
  // Nothing placed overlaps [at, at + size).
  auto next = g_landings.lower_bound(at);
  if (next != g_landings.end() && next->first < at + code.size()) return false;
  if (next != g_landings.begin() && std::prev(next)->first + std::prev(next)->second.size > at)
    return false;
  const uintptr_t page = 4096;
  for (uintptr_t p = at & ~(page - 1); p < at + code.size(); p += page) {
    bool ours = false;
    for (const auto& [a, l] : g_landings)
      if ((a & ~(page - 1)) == p || ((a + l.size - 1) & ~(page - 1)) == p) ours = true;
    if (ours) continue;
    void* m = mmap(reinterpret_cast<void*>(p), page, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (m == MAP_FAILED) return false;
    if (m != reinterpret_cast<void*>(p)) {  // a kernel without MAP_FIXED_NOREPLACE
      munmap(m, page);
      return false;
    }
    std::memset(m, kInt3, page);
    if (mprotect(m, page, PROT_READ | PROT_EXEC) != 0) {
      munmap(m, page);
      return false;
    }
  }
  w.write(reinterpret_cast<void*>(at), std::span<const uint8_t>(code));
  g_landings[at] = Landing{target, code.size()};
  return true;
}

}  // namespace

int64_t stub_bias(const void* fn) {
  return landing_of(reinterpret_cast<uintptr_t>(fn)) == 0 ? 0 : kLandingRel / 2;
}

void check_patchable(const void* fn, const char* name, CodeWriter& code) {
  const auto* p = static_cast<const uint8_t*>(fn);
  if (is_sled(p) || (p[0] == kCall && find_site(reinterpret_cast<uintptr_t>(fn)) != nullptr))
    return code.require_rewritten_code_runs();
  throw Error(Errc::bad_request, std::string("entry patch: ") + name +
                                     " does not start with five nops (found " + bytes_text(p) +
                                     "); build it with -fpatchable-function-entry=5");
}

void set_entry_call(void* fn_void, const void* tramp_void, CodeWriter& writer) {
  std::lock_guard<std::mutex> lock(g_patch_mu);
  install_handler();
  const auto fn = reinterpret_cast<uintptr_t>(fn_void);
  const auto tramp = reinterpret_cast<uintptr_t>(tramp_void);
  const auto* code = reinterpret_cast<const uint8_t*>(fn);
  const bool was_sled = is_sled(code);
  if (!was_sled && !(code[0] == kCall && find_site(fn) != nullptr))
    throw Error(Errc::bad_request, "entry patch: the entry of the function at " +
                                       std::to_string(fn) + " changed under us (" +
                                       bytes_text(code) + ")");
  if (was_sled && tramp == 0) return;  // nothing attached, nothing to do
  uint8_t rel[4] = {kNop, kNop, kNop, kNop};
  // Five nops -> call through the far jump: bytes 1-4 stay the nops' (step 2
  // and 3 are not needed).
  const bool keep_nops = was_sled && tramp != 0 && far_jump_to(writer, fn, tramp);
  if (tramp != 0 && !keep_nops) {
    const int64_t d = static_cast<int64_t>(tramp) - static_cast<int64_t>(fn + kPatchSize);
    if (d < INT32_MIN || d > INT32_MAX)
      throw Error(Errc::bad_request, "entry patch: trampoline out of rel32 reach of the function");
    const auto r = static_cast<uint32_t>(static_cast<int32_t>(d));
    for (int i = 0; i < 4; ++i) rel[i] = static_cast<uint8_t>(r >> (8 * i));
  }
  Site& site = site_for(fn);

  // 1. guard the first byte; the handler emulates what the site does now.
  site.tramp.store(was_sled ? 0 : site.tramp.load(), std::memory_order_release);
  poke(writer, fn, {kInt3});
  writer.sync_cores();
  // 2. the five nops: wait for threads that stopped inside them.
  if (was_sled && !keep_nops &&
      !writer.wait_quiescent(fn + 1, fn + kPatchSize, std::chrono::seconds(5))) {
    poke(writer, fn, {kNop});
    writer.sync_cores();
    throw Error(Errc::io,
                "entry patch: threads did not leave the entry of the function within 5 s");
  }
  // From here the handler emulates the new state.
  // (The handler emulates a call to the trampoline itself: the same.)
  site.tramp.store(tramp, std::memory_order_release);
  // 3. the rest of the instruction.
  if (!keep_nops) {
    poke(writer, fn + 1, {rel[0], rel[1], rel[2], rel[3]});
    writer.sync_cores();
  }
  // 4. the first byte.
  poke(writer, fn, {tramp != 0 ? kCall : kNop});
  writer.sync_cores();
}

}  // namespace xtramp::x86_64

#endif  // __x86_64__
