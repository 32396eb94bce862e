// The trivial work every hooked-call measurement gives its programs (read
// all ctx slots, add them into a volatile), and the compiler-built wrapper
// they are measured against, shared by xtramp-bench and xtramp-icount so that
// the time and the instruction counts measure the same code.
#pragma once

#include <cstdint>

#include "common/tramp/program.hpp"

// Keeps the compiler from inlining, cloning or specialising a function for
// its callers: GCC's noipa; clang has none, noinline is the closest.
#if defined(__clang__)
#define XTRAMP_BENCH_OPAQUE __attribute__((noinline))
#else
#define XTRAMP_BENCH_OPAQUE __attribute__((noipa))
#endif

namespace xtramp::bench {

inline volatile uint64_t g_sink;

// noexcept, as a BPF program is: trampolines run it without the runner's catch-all.
inline uint64_t work_prog(const uint64_t* ctx, void*) noexcept {
  uint64_t s = 0;
  const uint64_t n = ctx[-1];
  for (uint64_t i = 0; i < n; ++i) s += ctx[i];
  g_sink = g_sink + s;
  return 0;
}

// What the compiler-built wrappers and the libffi handler call: through a
// pointer, as a trampoline calls its program.
inline Program::NothrowFn volatile g_prog = work_prog;

// The floor (BM_CWrapper, xtramp-icount's "wrapper"): a compiler-built
// wrapper doing an fentry trampoline's work for `long f(A...)`, the function
// *Orig points to: ctx[-2] = its address, ctx[-1] = the slot count, the
// arguments, the program through a pointer, the original through a pointer,
// the return value into its slot. The empty asm keeps the ctx stores (as
// benchmark::DoNotOptimize would; xtramp-icount has no google benchmark).
template <const void* const volatile* Orig, typename... A>
XTRAMP_BENCH_OPAQUE long c_wrapper(A... a) {
  constexpr uint64_t n = sizeof...(A);
  uint64_t ctx[2 + n + 1] = {reinterpret_cast<uint64_t>(*Orig), n, static_cast<uint64_t>(a)...};
  g_prog(ctx + 2, nullptr);
  const long r = reinterpret_cast<long (*)(A...)>(const_cast<void*>(*Orig))(a...);
  ctx[2 + n] = static_cast<uint64_t>(r);
  asm volatile("" : : "m"(ctx) : "memory");
  return r;
}

// CWrapper<&orig, long(long, long)>::fn: c_wrapper by function type.
template <const void* const volatile* Orig, typename F>
struct CWrapper;
template <const void* const volatile* Orig, typename... A>
struct CWrapper<Orig, long(A...)> {
  static constexpr long (*fn)(A...) = &c_wrapper<Orig, A...>;
};

// The same work into a thread-local sink, for the multi-threaded variants:
// nothing the threads write is shared (a shared sink would bounce its cache
// line between them and measure that instead).
inline thread_local volatile uint64_t t_sink = 0;

inline uint64_t work_prog_tls(const uint64_t* ctx, void*) noexcept {
  uint64_t s = 0;
  const uint64_t n = ctx[-1];
  for (uint64_t i = 0; i < n; ++i) s += ctx[i];
  t_sink = t_sink + s;
  return 0;
}

inline Program::NothrowFn volatile g_prog_tls = work_prog_tls;

template <const void* const volatile* Orig, typename... A>
XTRAMP_BENCH_OPAQUE long c_wrapper_tls(A... a) {
  constexpr uint64_t n = sizeof...(A);
  uint64_t ctx[2 + n + 1] = {reinterpret_cast<uint64_t>(*Orig), n, static_cast<uint64_t>(a)...};
  g_prog_tls(ctx + 2, nullptr);
  const long r = reinterpret_cast<long (*)(A...)>(const_cast<void*>(*Orig))(a...);
  ctx[2 + n] = static_cast<uint64_t>(r);
  asm volatile("" : : "m"(ctx) : "memory");
  return r;
}

template <const void* const volatile* Orig, typename F>
struct CWrapperTls;
template <const void* const volatile* Orig, typename... A>
struct CWrapperTls<Orig, long(A...)> {
  static constexpr long (*fn)(A...) = &c_wrapper_tls<Orig, A...>;
};

}  // namespace xtramp::bench
