// Programs attached to a trampoline, and the helpers they use on the ctx the
// trampoline builds (DESIGN.md "The ctx ABI", kernel-compatible):
//
//   ctx[-2]            the traced function's address     (bpf_get_func_ip)
//   ctx[-1]            the number of argument slots      (bpf_get_func_arg_cnt)
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

enum class ProgKind : uint8_t { fentry, fexit, fmod_ret };

// At most this many Program objects exist at once (each owns a recursion
// guard slot in every thread); constructing one more throws
// Error(bad_request).
inline constexpr uint32_t kMaxPrograms = 4096;

struct Program {
  // The return value matters for fmod_ret only: non-zero skips the traced
  // function and becomes its return value.
  using Fn = uint64_t (*)(const uint64_t* ctx, void* cookie);

  Fn fn = nullptr;
  void* cookie = nullptr;  // per-attachment data, handed back on every run
  ProgKind kind = ProgKind::fentry;

  // Counters, updated by the runner.
  std::atomic<uint64_t> runs{0};
  std::atomic<uint64_t> misses{0};  // skipped: re-entered on the same thread
  std::atomic<uint64_t> errors{0};  // the program threw (its result counts as 0)

  Program(Fn f, void* c, ProgKind k);
  ~Program();
  Program(const Program&) = delete;
  Program& operator=(const Program&) = delete;

  uint32_t guard_slot() const { return guard_; }

 private:
  uint32_t guard_;  // index of this program's per-thread recursion counter
};

// What a trampoline calls for each program: the recursion guard (a program
// re-entered on the same thread is skipped and counted as a miss, as the
// kernel's __bpf_prog_enter does per CPU), the call, and a catch-all (a C++
// exception must not unwind through generated code). Returns the program's
// result, or 0 when it did not run.
extern "C" uint64_t xtramp_run_program(Program* prog, const uint64_t* ctx);

// The bpf_get_func_* helpers, on a ctx a trampoline built.
inline uint64_t func_arg_cnt(const uint64_t* ctx) {
  return ctx[-1];
}
inline uint64_t func_ip(const uint64_t* ctx) {
  return ctx[-2];
}
// bpf_get_func_arg: slot n, or -22 (-EINVAL) past the last argument slot.
inline int func_arg(const uint64_t* ctx, uint32_t n, uint64_t* value) {
  if (n >= ctx[-1]) return -22;
  *value = ctx[n];
  return 0;
}
// bpf_get_func_ret: the first return-value slot.
inline int func_ret(const uint64_t* ctx, uint64_t* value) {
  *value = ctx[ctx[-1]];
  return 0;
}

}  // namespace xtramp
