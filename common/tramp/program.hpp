// Programs attached to a trampoline, and the helpers they use on the ctx the
// trampoline builds (the kernel's layout, docs/linux-jits.md "The ctx layout"):
//
//   ctx[-2-n] .. ctx[-3]  fsession programs' session cookies, one 8-byte slot
//                      each (n fsession programs), zeroed before the entry
//                      programs run (bpf_session_cookie)
//   ctx[-2]            the traced function's address     (bpf_get_func_ip)
//   ctx[-1]            func_meta, as Linux 7.0+ writes it: bits 0-7 the number
//                      of argument slots (bpf_get_func_arg_cnt), bits 8-15
//                      the session-cookie index of the fsession program being
//                      run (its cookie is ctx[-index]), bit 63 set for the
//                      exit half of an fsession program (bpf_session_is_return)
//   ctx[0 .. n-1]      the arguments, 8-byte slots, each argument's bytes as
//                      they are in memory; a 16-byte struct takes two slots;
//                      bytes past an argument's size in its last slot are 0
//   ctx[n ..]          the return value (fexit; fmod_ret sees 0 or the value
//                      the previous fmod_ret program returned)
#pragma once

#include <atomic>
#include <cstdint>

#include "common/error.hpp"

namespace xtramp {

// fsession (Linux 7.0's BPF_TRACE_FSESSION): one program run at the entry
// (with the fentry programs) and at the exit (with the fexit programs) of
// each call, the two halves sharing an 8-byte session cookie
// (session_cookie, session_is_return below). Its result is ignored in both
// halves, as the kernel's verifier makes it 0 (docs/trampolines.md).
enum class ProgKind : uint8_t { fentry, fexit, fmod_ret, fsession };

// The func_meta word in ctx[-1] (Linux 7.0+ include/linux/bpf.h:
// BPF_TRAMP_COOKIE_INDEX_SHIFT, BPF_TRAMP_IS_RETURN_SHIFT).
inline constexpr uint64_t kFuncMetaArgCntMask = 0xFF;
inline constexpr unsigned kFuncMetaCookieIndexShift = 8;
inline constexpr unsigned kFuncMetaIsReturnShift = 63;

// At most this many Program objects exist at once (each owns a recursion
// guard slot in every thread); constructing one more throws
// Error(bad_request).
inline constexpr uint32_t kMaxPrograms = 4096;

struct Program;
namespace detail {
struct ProgramRunner;
}

// Program::runs: the number of completed runs, counted per thread (a plain
// add to the running thread's own counter, no locked instruction on the run
// path) and summed on read. load() is exact once the runs it should count
// have happened-before it (threads joined, or any other synchronisation);
// read while programs run, it is a value between the counts at the start and
// at the end of the read, and never decreases from one read to the next.
class RunCounter {
 public:
  uint64_t load() const noexcept;
  operator uint64_t() const noexcept { return load(); }
  RunCounter(const RunCounter&) = delete;
  RunCounter& operator=(const RunCounter&) = delete;

 private:
  friend struct Program;
  friend struct detail::ProgramRunner;
  RunCounter() = default;
  uint32_t slot_ = 0;  // the program's guard slot: its per-thread counter's index
  // Runs on a thread whose per-thread counters could not be mapped (mmap
  // failed): counted here, with a locked add.
  std::atomic<uint64_t> shared_{0};
};

struct Program {
  // The return value matters for fmod_ret only: non-zero skips the traced
  // function and becomes its return value.
  using Fn = uint64_t (*)(const uint64_t* ctx, void* cookie);
  // A program that cannot throw (as a BPF program cannot). Trampolines may
  // call it without the runner's catch-all: on x86-64 the recursion guard,
  // the call and the run count are then generated inline (a call level less).
  using NothrowFn = uint64_t (*)(const uint64_t* ctx, void* cookie) noexcept;

  Fn fn = nullptr;         // replaced only by a function as strict (noexcept if `nothrow`)
  void* cookie = nullptr;  // per-attachment data, handed back on every run
  ProgKind kind = ProgKind::fentry;
  const bool nothrow = false;  // made from a NothrowFn

  // Counters, updated by the runner; each reads as an exact total.
  RunCounter runs;                  // completed runs (the program returned or threw)
  std::atomic<uint64_t> misses{0};  // skipped: re-entered on the same thread
  std::atomic<uint64_t> errors{0};  // the program threw (its result counts as 0)

  Program(Fn f, void* c, ProgKind k);
  // Chosen for a noexcept function (an exact match, no conversion).
  Program(NothrowFn f, void* c, ProgKind k);
  ~Program();
  Program(const Program&) = delete;
  Program& operator=(const Program&) = delete;

  uint32_t guard_slot() const { return runs.slot_; }

 private:
  Program(Fn f, void* c, ProgKind k, bool no_throw);
};

// What a trampoline calls for each program: the recursion guard (a program
// re-entered on the same thread is skipped and counted as a miss, as the
// kernel's __bpf_prog_enter does per CPU), the call, a catch-all (a C++
// exception must not unwind through generated code), and the run counted in
// the thread's own counter. Returns the program's result, or 0 when it did
// not run. No lock and no locked instruction unless the program is skipped
// or throws, or it is the thread's first run (the thread's counters are
// mapped then, with mmap: no lock, no malloc).
extern "C" uint64_t xtramp_run_program(Program* prog, const uint64_t* ctx);

namespace detail {
// What generated code needs to take the runner's fast path itself, for a
// nothrow program (test the thread's run word, mark it, call, count; on any
// other case call xtramp_run_program, which claims a thread's first block and
// counts misses): the thread's RunBlock pointer is at thread pointer +
// `block_tp_offset`, and a program's run word at that block + `words_offset`
// + 8 * guard_slot(). The pointer is never null: a thread without a block of
// its own points at one whose every word has `running_bit` set, so the
// running test alone sends its first run to the runner.
//
// The block pointer is an initial-exec TLS variable: it lies in the static
// TLS block, at the same offset from the thread pointer in every thread,
// whatever the TLS variant (the offset is measured here, not derived from the
// variant). How the thread pointer is read, and whether the offset suits the
// arch's addressing, is the arch's business: each emitter reads it on its own
// host only (arch/<a>/emit/emitter.cpp, through HostTls in
// common/tramp/host_tls.hpp) and hands it to inline_run(); when it
// generates code for another arch, there is no inline path.
struct InlineRun {
  bool available = false;
  int64_t block_tp_offset = 0;
  uint32_t words_offset = 0;
  uint64_t running_bit = 0;  // set while the program runs on the thread
  uint64_t one_run = 0;      // added per completed run
};
// `thread_pointer`: the calling thread's thread pointer, as the host arch's
// generated code reads it.
InlineRun inline_run(uintptr_t thread_pointer) noexcept;
}  // namespace detail

// The bpf_get_func_* and bpf_session_* helpers, on a ctx a trampoline built,
// reading func_meta as the kernel's inlined versions do (kernel/bpf/verifier.c).
// bpf_get_func_arg_cnt: func_meta & 0xFF.
inline uint64_t func_arg_cnt(const uint64_t* ctx) {
  return ctx[-1] & kFuncMetaArgCntMask;
}
inline uint64_t func_ip(const uint64_t* ctx) {
  return ctx[-2];
}
// bpf_get_func_arg: slot n, or -22 (-EINVAL) past the last argument slot.
inline int func_arg(const uint64_t* ctx, uint32_t n, uint64_t* value) {
  if (n >= func_arg_cnt(ctx)) return -22;
  *value = ctx[n];
  return 0;
}
// bpf_get_func_ret: the first return-value slot.
inline int func_ret(const uint64_t* ctx, uint64_t* value) {
  *value = ctx[func_arg_cnt(ctx)];
  return 0;
}
// bpf_session_cookie (fsession programs only): this program's 8 bytes,
// shared by its entry and exit halves of one call, zero at entry:
// &ctx[-((func_meta >> 8) & 0xFF)].
inline uint64_t* session_cookie(const uint64_t* ctx) {
  const uint64_t index = (ctx[-1] >> kFuncMetaCookieIndexShift) & 0xFF;
  return const_cast<uint64_t*>(ctx) - index;
}
// bpf_session_is_return (fsession programs only): the exit half.
inline bool session_is_return(const uint64_t* ctx) {
  return (ctx[-1] >> kFuncMetaIsReturnShift) != 0;
}

}  // namespace xtramp
