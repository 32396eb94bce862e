// The arm64 entry patch protocol. Only the first instruction of the site
// changes, and only between NOP and B (both on the ARM ARM's list of
// instructions that may be changed while other PEs execute them: DDI 0487,
// B2.2.5 "Concurrent modification and execution of instructions"), by one
// aligned 4-byte write, which is single-copy atomic (B2.2.1 "Requirements
// for single-copy atomicity"): a thread
// fetching the entry at any moment sees the old or the new instruction.
//
//   enable    NOP    -> B tramp
//   retarget  B old  -> B new
//   disable   B      -> NOP      (the second NOP is never changed)
//
// Each write: poke_text (/proc/self/mem: the text stays r-x; the kernel's
// access_remote_vm stores the aligned word with one 32-bit store), then
// __builtin___clear_cache (DC CVAU, DSB ISH, IC IVAU, DSB ISH, ISB: the
// sequence B2.2.5 and the ARM ARM's cache chapter, B2.4, require before
// modified instructions may be fetched), then
// sync_cores(): membarrier(PRIVATE_EXPEDITED_SYNC_CORE) makes every thread
// of the process pass a context synchronisation event before it next runs
// user code, so none can still execute the old instruction from its pipeline
// when the caller retires the old trampoline. This is the user-space
// counterpart of the kernel's aarch64_insn_patch_text_nosync + the IPI in
// https://github.com/torvalds/linux/blob/v6.12/arch/arm64/kernel/ftrace.c
// (ftrace_modify_code).
//
// Every write is then made a second time, with the same word, and synced
// again (write_first). Architecturally that is a no-op (B2.2.5: the same
// instruction before and after). It is there for QEMU's multi-threaded TCG
// (qemu-system-aarch64 7.2, one host thread per vCPU: the vm stage's arm64
// guests), which on a store into a page holding translated code first drops
// the translations of the stored-to bytes and only then performs the store.
// A vCPU that translates the site in between (a thread calling the function
// just then) translates the OLD instruction and keeps running that
// translation whatever cache maintenance, ISB, membarrier or context switch
// follows, until the next store to those bytes. Seen in the guest: a caller
// that had blocked a dozen times since the retarget still branched to the
// old trampoline after the Reclaimer freed it (SIGSEGV at its first
// instruction, SIGILL inside it), in 7 of 15 xtramp-stress runs; with one
// host thread for all vCPUs (tcg,thread=single) never. The second store
// drops such a translation (the sync in between has let every vCPU finish
// the translation it was making), and any translation made after it reads
// the new word, which is in memory by then. (x86-64's protocol needs no
// second store: each of its stores is followed by another to the same site,
// and a translation made during the last one holds the int3 that its SIGTRAP
// handler emulates.)
#include "arch/arm64/patch.hpp"

#include <cstdio>
#include <cstring>
#include <string>

#include "common/error.hpp"

namespace xtramp::arm64 {

uint32_t encode_b(uintptr_t from, uintptr_t to) {
  const int64_t d = static_cast<int64_t>(to) - static_cast<int64_t>(from);
  if ((d & 3) != 0 || d < -static_cast<int64_t>(kBranchReach) ||
      d >= static_cast<int64_t>(kBranchReach))
    return 0;
  return 0x14000000u |
         (static_cast<uint32_t>(d >> 2) & 0x03ffffffu);  // B: 000101 imm26 (C6.2, "B")
}

uintptr_t b_target(uintptr_t at, uint32_t insn) {
  if ((insn & 0xfc000000u) != 0x14000000u) return 0;
  int64_t imm = insn & 0x03ffffffu;
  if (imm & 0x02000000) imm -= 0x04000000;  // sign-extend imm26
  return static_cast<uintptr_t>(static_cast<int64_t>(at) + imm * 4);
}

}  // namespace xtramp::arm64

#if !defined(__aarch64__)

// Patching rewrites this process's own code: only an arm64 process can.
namespace xtramp::arm64 {
void check_patchable(const void*, const char* name, CodeWriter&) {
  throw Error(Errc::unsupported,
              std::string("entry patch: ") + name + ": arm64 code, but this process is not");
}
void set_entry_call(void*, const void*, CodeWriter&) {
  throw Error(Errc::unsupported, "entry patch: arm64 code, but this process is not");
}
}  // namespace xtramp::arm64

#else

#include <mutex>
#include <set>

namespace xtramp::arm64 {

namespace {

std::mutex g_patch_mu;        // one patch at a time
std::set<uintptr_t> g_sites;  // entries this process has patched (under g_patch_mu)

uint32_t word_at(uintptr_t a) {
  uint32_t w;
  std::memcpy(&w, reinterpret_cast<const void*>(a), 4);
  return w;
}

std::string words_text(uintptr_t fn) {
  char b[40];
  std::snprintf(b, sizeof b, "%08x %08x", word_at(fn), word_at(fn + 4));
  return b;
}

// Two NOPs, or a B this process placed in front of the second NOP.
bool patchable_locked(uintptr_t fn) {
  if (word_at(fn + 4) != kNop) return false;
  const uint32_t first = word_at(fn);
  return first == kNop || (b_target(fn, first) != 0 && g_sites.count(fn) != 0);
}

void write_first(CodeWriter& code, uintptr_t fn, uint32_t insn) {
  uint8_t b[4];
  std::memcpy(b, &insn, 4);  // arm64 code is little-endian whatever the data endianness
  // Twice, synced after each (the file comment: a translation of the old
  // word made during the first store is dropped by the second).
  for (int pass = 0; pass < 2; ++pass) {
    code.write(reinterpret_cast<void*>(fn), b);  // also DC CVAU / IC IVAU / DSB / ISB
    code.sync_cores();
  }
}

}  // namespace

void check_patchable(const void* fn_void, const char* name, CodeWriter& code) {
  const auto fn = reinterpret_cast<uintptr_t>(fn_void);
  {
    std::lock_guard<std::mutex> lock(g_patch_mu);
    if (!patchable_locked(fn))
      throw Error(Errc::bad_request, std::string("entry patch: ") + name +
                                         " does not start with two NOPs (found " + words_text(fn) +
                                         "); build it with -fpatchable-function-entry=2 or "
                                         "__attribute__((patchable_function_entry(2, 0)))");
  }
  code.require_rewritten_code_runs();
}

void set_entry_call(void* fn_void, const void* tramp_void, CodeWriter& code) {
  std::lock_guard<std::mutex> lock(g_patch_mu);
  const auto fn = reinterpret_cast<uintptr_t>(fn_void);
  const auto tramp = reinterpret_cast<uintptr_t>(tramp_void);
  if (!patchable_locked(fn))
    throw Error(Errc::bad_request, "entry patch: the entry of the function at " +
                                       std::to_string(fn) + " changed under us (" + words_text(fn) +
                                       ")");
  const uint32_t now = word_at(fn);
  uint32_t next = kNop;
  if (tramp != 0) {
    next = encode_b(fn, tramp);
    if (next == 0)
      throw Error(Errc::bad_request,
                  "entry patch: the trampoline is out of the B instruction's +-128 MiB reach "
                  "of the function");
  }
  if (next == now) return;
  g_sites.insert(fn);  // before the write: check_patchable accepts our B from now on
  write_first(code, fn, next);
}

}  // namespace xtramp::arm64

#endif  // __aarch64__
