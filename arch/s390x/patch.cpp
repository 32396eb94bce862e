// The s390x entry patch protocol (patch.hpp draws the site and the stub).
//
//   enable, first time  slot = tramp; site[2..5] = offset of the stub (mask
//                       still 0: a no-op whatever bytes a fetch sees); sync;
//                       site[1] = 0xf4 (brcl 15); sync
//   enable again        slot = tramp; site[1] = 0xf4; sync (the offset stays)
//   retarget            slot = tramp (one aligned 8-byte release store: block
//                       concurrent, POP "Block-Concurrent References"); no code
//                       changes
//   disable             site[1] = 0x04 (brcl 0); sync; slot = the body
//
// sync: sync_cores() (runtime/text_poke.hpp), on s390x membarrier
// PRIVATE_EXPEDITED: the interrupt it sends serialises every CPU running a
// thread of this process (POP, chapter 5, "CPU Serialization"), so no CPU
// still executes the site as it was before the store. Writes go through
// /proc/self/mem (poke_text), the text stays r-x; s390x instruction caches are
// coherent with stores (no cache maintenance instruction exists or is
// needed), and serialisation discards prefetched instructions.
//
// Lifetime: a site's stub and slot are never freed (a site record lives as
// long as the process), so a CPU that fetched `brcl 15` just before a disable
// still lands in a valid stub. The trampolines are retired through the
// Reclaimer as in every mode: a thread that loaded the old trampoline's
// address from the slot (between `lg` and `br`) has not reached the
// trampoline's in-flight counter yet; it is in straight-line code that makes
// no system call, so it is covered by the Reclaimer's phase A (reclaim.hpp):
// the old trampoline is not freed before every thread was seen quiescent
// after the slot store, and a thread seen quiescent then has either branched
// into the old trampoline and past its counter increment (phase B waits for
// it) or left the stub with the new value.
#include "arch/s390x/patch.hpp"

#include <cstdio>
#include <string>

#include "arch/s390x/emit/encoder.hpp"
#include "common/error.hpp"

namespace xtramp::s390x {

std::vector<uint8_t> stub_code(uint64_t stub, uint64_t fn, uint64_t slot) {
  Assembler a;
  const int64_t body = static_cast<int64_t>(fn + kPatchSize) - static_cast<int64_t>(stub);
  a.larl(0, body);  // %r0 = fn + 6, the body (throws if out of +-4 GiB)
  a.llihf(1, static_cast<int64_t>(slot >> 32));
  a.iilf(1, static_cast<int64_t>(slot & 0xffffffffu));
  a.lg(1, Mem(0, 1));  // the current trampoline (or the body)
  a.br(1);
  return a.finish();
}

}  // namespace xtramp::s390x

#if !defined(__s390x__)

// Patching rewrites this process's own code: only an s390x process can.
namespace xtramp::s390x {
void check_patchable(const void*, const char* name, CodeWriter&) {
  throw Error(Errc::unsupported,
              std::string("entry patch: ") + name + ": s390x code, but this process is not");
}
void set_entry_call(void*, const void*, CodeWriter&) {
  throw Error(Errc::unsupported, "entry patch: s390x code, but this process is not");
}
}  // namespace xtramp::s390x

#else

#include <atomic>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>

namespace xtramp::s390x {

namespace {

constexpr uint8_t kBrcl = 0xc0, kMaskOff = 0x04, kMaskOn = 0xf4;

struct Site {
  alignas(8) std::atomic<uint64_t> slot{0};  // read by the stub's lg
  uintptr_t stub = 0;                        // never freed (CodeWriter::place_near)
};

std::mutex g_patch_mu;                                // one patch at a time
std::map<uintptr_t, std::unique_ptr<Site> > g_sites;  // never erased: stubs outlive every fetch

const uint8_t* code_at(uintptr_t a) {
  return reinterpret_cast<const uint8_t*>(a);
}

std::string bytes_text(uintptr_t fn) {
  std::string s;
  char b[4];
  for (size_t i = 0; i < kPatchSize; ++i) {
    std::snprintf(b, sizeof b, "%s%02x", i ? " " : "", code_at(fn)[i]);
    s += b;
  }
  return s;
}

int32_t offset_field(uintptr_t fn) {
  const uint8_t* p = code_at(fn);
  return static_cast<int32_t>(uint32_t{p[2]} << 24 | uint32_t{p[3]} << 16 | uint32_t{p[4]} << 8 |
                              p[5]);
}

// The offset field that makes the site's brcl reach `stub` (big-endian).
bool encode_offset(uintptr_t fn, uintptr_t stub, uint8_t out[4]) {
  const int64_t d = static_cast<int64_t>(stub) - static_cast<int64_t>(fn);
  if ((d & 1) != 0 || d / 2 < INT32_MIN || d / 2 > INT32_MAX) return false;
  const auto f = static_cast<uint32_t>(static_cast<int32_t>(d / 2));
  for (int i = 0; i < 4; ++i) out[i] = static_cast<uint8_t>(f >> (24 - 8 * i));
  return true;
}

Site* find_site(uintptr_t fn) {
  auto it = g_sites.find(fn);
  return it == g_sites.end() ? nullptr : it->second.get();
}

// brcl 0,0 as the compiler left it, or a brcl (mask 0 or 15) to our stub.
bool patchable_locked(uintptr_t fn) {
  const uint8_t* p = code_at(fn);
  if (p[0] != kBrcl) return false;
  if (p[1] == kMaskOff && offset_field(fn) == 0) return true;
  const Site* s = find_site(fn);
  if (s == nullptr || (p[1] != kMaskOff && p[1] != kMaskOn)) return false;
  uint8_t want[4];
  return encode_offset(fn, s->stub, want) && std::memcmp(p + 2, want, 4) == 0;
}

Site& site_for(CodeWriter& code, uintptr_t fn) {
  if (Site* s = find_site(fn)) return *s;
  auto site = std::make_unique<Site>();
  site->slot.store(fn + kPatchSize, std::memory_order_relaxed);
  // Every byte of the stub within brcl's (and larl's) reach of the site.
  const auto slot = reinterpret_cast<uint64_t>(&site->slot);
  site->stub = code.place_near(32, fn, kBranchReach - 64,
                               [&](uintptr_t at) { return stub_code(at, fn, slot); });
  Site& ref = *site;
  g_sites.emplace(fn, std::move(site));
  return ref;
}

// Twice, serialised after each. Architecturally the second store changes
// nothing; it is there for QEMU's multi-threaded TCG (qemu-system-s390x 7.2,
// the vm stage's guests), which drops a page's translations before it
// performs a store into it: a vCPU translating the site in between would keep
// the old instruction (after an enable, a `brcl 0` that skips the programs)
// until the next store to those bytes. The second store drops such a
// translation; arch/arm64/patch.cpp has the same, with the evidence.
void poke(CodeWriter& code, uintptr_t at, std::span<const uint8_t> bytes) {
  for (int pass = 0; pass < 2; ++pass) {
    code.write(reinterpret_cast<void*>(at), bytes);
    code.sync_cores();
  }
}

}  // namespace

void check_patchable(const void* fn_void, const char* name, CodeWriter& code) {
  const auto fn = reinterpret_cast<uintptr_t>(fn_void);
  {
    std::lock_guard<std::mutex> lock(g_patch_mu);
    if (!patchable_locked(fn)) {
      const uint8_t* p = code_at(fn);
      const bool nopr3 = p[0] == 0x07 && p[1] == 0x00 && p[2] == 0x07 && p[3] == 0x00 &&
                         p[4] == 0x07 && p[5] == 0x00;
      throw Error(Errc::bad_request,
                  std::string("entry patch: ") + name +
                      (nopr3 ? " starts with three 2-byte nopr (-fpatchable-function-entry=3), "
                               "which cannot become one branch while other CPUs run them"
                             : " does not start with brcl 0,0 (c0 04 00 00 00 00)") +
                      " (found " + bytes_text(fn) +
                      "); build it with -mhotpatch=0,3 or __attribute__((hotpatch(0,3)))");
    }
  }
  code.require_rewritten_code_runs();
}

void set_entry_call(void* fn_void, const void* tramp_void, CodeWriter& code) {
  std::lock_guard<std::mutex> lock(g_patch_mu);
  const auto fn = reinterpret_cast<uintptr_t>(fn_void);
  const auto tramp = reinterpret_cast<uintptr_t>(tramp_void);
  if (!patchable_locked(fn))
    throw Error(Errc::bad_request, "entry patch: the entry of the function at " +
                                       std::to_string(fn) + " changed under us (" + bytes_text(fn) +
                                       ")");
  const bool on = code_at(fn)[1] == kMaskOn;
  if (tramp == 0) {
    if (!on) return;
    const uint8_t off[1] = {kMaskOff};
    poke(code, fn + 1, off);
    find_site(fn)->slot.store(fn + kPatchSize, std::memory_order_release);
    return;
  }
  Site& site = site_for(code, fn);
  site.slot.store(tramp, std::memory_order_release);  // retarget: nothing else
  if (on) return;
  uint8_t want[4];
  if (!encode_offset(fn, site.stub, want))
    throw Error(Errc::bad_request, "entry patch: the stub is out of brcl's +-4 GiB reach");
  if (std::memcmp(code_at(fn) + 2, want, 4) != 0)
    poke(code, fn + 2, want);  // mask 0: still a no-op
  const uint8_t mask[1] = {kMaskOn};
  poke(code, fn + 1, mask);
}

}  // namespace xtramp::s390x

#endif  // __s390x__
