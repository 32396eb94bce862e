// The cost a hooked call pays, side by side in one run (issue "benchmarks"):
// a direct call; a compiler-generated C++ wrapper doing what an fentry
// trampoline does (the practical floor); xtramp's fentry / fexit / fmod_ret
// trampolines (replace mode), an entry-patched function, four programs, the
// RFC struct shape; a libffi closure interposer (the peer); and generation
// throughput per architecture. Every target sums its arguments; every
// program reads the ctx slots and adds them into a volatile.
#include <benchmark/benchmark.h>

#include <array>
#include <memory>
#include <optional>

#include "bench/bench_env.hpp"
#include "bench/bench_targets.h"
#include "bench/bench_targets_btf.hpp"
#include "bench/ffi_hook.hpp"
#include "bench/hooked_work.hpp"
#include "btf/btf_file.hpp"
#include "common/error.hpp"
#include "common/target.hpp"
#include "runtime/attachment.hpp"
#include "runtime/trampoline.hpp"

namespace xtramp::bench {
namespace {

using F1 = long(long);
using F6 = long(long, long, long, long, long, long);
using F12 = long(long, long, long, long, long, long, long, long, long, long, long, long);

const char* target_name(int n) {
  return n == 1 ? "bench_sum1" : n == 6 ? "bench_sum6" : "bench_sum12";
}
void* target_fn(int n) {
  return n == 1 ? (void*)&bench_sum1 : n == 6 ? (void*)&bench_sum6 : (void*)&bench_sum12;
}

// One call through an opaque pointer, arguments v, v+1, ...
template <int N>
long call(const void* f, long v);
template <>
long call<1>(const void* f, long v) {
  return reinterpret_cast<F1*>(const_cast<void*>(f))(v);
}
template <>
long call<6>(const void* f, long v) {
  return reinterpret_cast<F6*>(const_cast<void*>(f))(v, v + 1, v + 2, v + 3, v + 4, v + 5);
}
template <>
long call<12>(const void* f, long v) {
  return reinterpret_cast<F12*>(const_cast<void*>(f))(v, v + 1, v + 2, v + 3, v + 4, v + 5, v + 6,
                                                      v + 7, v + 8, v + 9, v + 10, v + 11);
}

template <int N>
void run_calls(benchmark::State& state, const void* f) {
  const void* volatile fn = f;
  long v = 0;
  for (auto _ : state) benchmark::DoNotOptimize(call<N>(fn, ++v));
  state.SetItemsProcessed(state.iterations());
}

// --- the floor: a compiler-built wrapper with the trampoline's work --------

const void* volatile g_orig1 = (void*)&bench_sum1;
const void* volatile g_orig6 = (void*)&bench_sum6;
const void* volatile g_orig12 = (void*)&bench_sum12;

void* wrapper_fn(int n) {
  return n == 1   ? (void*)CWrapper<&g_orig1, F1>::fn
         : n == 6 ? (void*)CWrapper<&g_orig6, F6>::fn
                  : (void*)CWrapper<&g_orig12, F12>::fn;
}

void* wrapper_tls_fn(int n) {
  return n == 1   ? (void*)CWrapperTls<&g_orig1, F1>::fn
         : n == 6 ? (void*)CWrapperTls<&g_orig6, F6>::fn
                  : (void*)CWrapperTls<&g_orig12, F12>::fn;
}

template <int N>
void BM_Direct(benchmark::State& state) {
  run_calls<N>(state, target_fn(N));
}
template <int N>
void BM_CWrapper(benchmark::State& state) {
  run_calls<N>(state, wrapper_fn(N));
}

// --- xtramp ------------------------------------------------------------------

template <int N>
void run_trampoline(benchmark::State& state, int fentry, int fexit, int fmod_ret) {
  std::vector<std::unique_ptr<Program>> progs;
  ProgramSet set;
  auto add = [&](std::vector<Program*>& l, int n, ProgKind k) {
    for (int i = 0; i < n; ++i) {
      progs.push_back(std::make_unique<Program>(work_prog, nullptr, k));
      l.push_back(progs.back().get());
    }
  };
  add(set.fentry, fentry, ProgKind::fentry);
  add(set.fexit, fexit, ProgKind::fexit);
  add(set.fmod_ret, fmod_ret, ProgKind::fmod_ret);
  try {
    const Trampoline t = Trampoline::create(targets_btf().model(target_name(N)), target_fn(N), set);
    run_calls<N>(state, t.entry());
  } catch (const Error& e) {
    state.SkipWithError(e.what());
  }
}

template <int N>
void BM_Fentry(benchmark::State& state) {
  run_trampoline<N>(state, 1, 0, 0);
}
template <int N>
void BM_Fexit(benchmark::State& state) {
  run_trampoline<N>(state, 0, 1, 0);
}
template <int N>
void BM_FmodRet(benchmark::State& state) {
  run_trampoline<N>(state, 0, 0, 1);
}
template <int N>
void BM_Fentry4(benchmark::State& state) {
  run_trampoline<N>(state, 4, 0, 0);
}

// One program of `kind` attached to the entry-patched target; the calls go to
// the function itself: its entry calls the trampoline.
template <int N>
void run_patched(benchmark::State& state, ProgKind kind) {
  try {
    Program p{work_prog, nullptr, kind};
    Attachment a(targets_btf().model(target_name(N)), target_fn(N), kEntryPatch);
    a.attach(p);
    run_calls<N>(state, target_fn(N));
  } catch (const Error& e) {
    state.SkipWithError(e.what());
  }
}

template <int N>
void BM_FentryPatched(benchmark::State& state) {
  run_patched<N>(state, ProgKind::fentry);
}
template <int N>
void BM_FexitPatched(benchmark::State& state) {
  run_patched<N>(state, ProgKind::fexit);
}
template <int N>
void BM_FmodRetPatched(benchmark::State& state) {
  run_patched<N>(state, ProgKind::fmod_ret);
}

// --- two threads calling one hooked function ---------------------------------
// Both threads call the same function; the program and the wrapper write only
// thread-local data (work_prog_tls), so what the threads share is what the
// hooked path itself writes: nothing, in an Attachment's code (the reader
// word of the RCU read side is per thread, docs/trampolines.md).
template <int N>
void BM_CWrapper2T(benchmark::State& state) {
  run_calls<N>(state, wrapper_tls_fn(N));
}

template <int N>
void BM_FentryPatched2T(benchmark::State& state) {
  // Set up by the first thread before the timed loop and torn down after it
  // (google benchmark starts and ends the loop of all threads together).
  static std::unique_ptr<Program> prog;
  static std::unique_ptr<Attachment> att;
  if (state.thread_index() == 0) {
    try {
      prog = std::make_unique<Program>(work_prog_tls, nullptr, ProgKind::fentry);
      att = std::make_unique<Attachment>(targets_btf().model(target_name(N)), target_fn(N),
                                         kEntryPatch);
      att->attach(*prog);
    } catch (const Error& e) {
      att.reset();
      state.SkipWithError(e.what());
    }
  }
  run_calls<N>(state, target_fn(N));
  if (state.thread_index() == 0) {
    att.reset();
    prog.reset();
  }
}

void BM_FentryStruct(benchmark::State& state) {
  try {
    Program p{work_prog, nullptr, ProgKind::fentry};
    ProgramSet set;
    set.fentry = {&p};
    const Trampoline t =
        Trampoline::create(targets_btf().model("bench_rfc"), (void*)&bench_rfc, set);
    using F = int(bench_s16, bench_s16, bench_s16, bench_s16, short, bench_a16);
    F* volatile f = t.as<F>();
    const bench_s16 s{1, 2};
    const bench_a16 x{3};
    for (auto _ : state) benchmark::DoNotOptimize(f(s, s, s, s, 4, x));
    state.SetItemsProcessed(state.iterations());
  } catch (const Error& e) {
    state.SkipWithError(e.what());
  }
}

// --- the peer: a libffi closure with the target's signature -----------------

template <int N>
void BM_LibffiClosure(benchmark::State& state) {
  const FfiHook h(target_fn(N), N);
  if (h.code() == nullptr) {
    state.SkipWithError(h.error().c_str());
    return;
  }
  run_calls<N>(state, h.code());
}

// --- JIT throughput: model + place + emit one trampoline --------------------

void BM_Generate(benchmark::State& state, Arch arch) {
  try {
    btf::OpenOptions o;
    o.path = XTRAMP_BENCH_TARGETS_OBJ;
    o.target = arch;
    const btf::BtfFile file = btf::BtfFile::open(o);
    const uint32_t id = file.find_function("bench_sum6");
    Program p{work_prog, nullptr, ProgKind::fentry};
    ProgramSet set;
    set.fentry = {&p};
    const Backend& b = backend(arch);
    size_t bytes = 0;
    for (auto _ : state) {
      const FuncModel m = file.model_by_id(id);
      GeneratedCode g = generate(b, m, Policy::psabi, set, 0x100000, 0x100000);
      bytes = g.code.size();
      benchmark::DoNotOptimize(g);
    }
    state.SetItemsProcessed(state.iterations());
    state.counters["code_bytes"] = static_cast<double>(bytes);
  } catch (const Error& e) {
    state.SkipWithError(e.what());
  }
}

#define XTRAMP_BENCH_N(fn)          \
  BENCHMARK(fn<1>)->Name(#fn "/1"); \
  BENCHMARK(fn<6>)->Name(#fn "/6"); \
  BENCHMARK(fn<12>)->Name(#fn "/12")

XTRAMP_BENCH_N(BM_Direct);
XTRAMP_BENCH_N(BM_CWrapper);
XTRAMP_BENCH_N(BM_Fentry);
XTRAMP_BENCH_N(BM_Fexit);
XTRAMP_BENCH_N(BM_FmodRet);
XTRAMP_BENCH_N(BM_FentryPatched);
XTRAMP_BENCH_N(BM_FexitPatched);
XTRAMP_BENCH_N(BM_FmodRetPatched);
XTRAMP_BENCH_N(BM_Fentry4);
XTRAMP_BENCH_N(BM_LibffiClosure);
#define XTRAMP_BENCH_N_2T(fn)                   \
  BENCHMARK(fn<1>)->Name(#fn "/1")->Threads(2); \
  BENCHMARK(fn<6>)->Name(#fn "/6")->Threads(2); \
  BENCHMARK(fn<12>)->Name(#fn "/12")->Threads(2)
XTRAMP_BENCH_N_2T(BM_CWrapper2T);
XTRAMP_BENCH_N_2T(BM_FentryPatched2T);
BENCHMARK(BM_FentryStruct);
// BM_Generate/<arch> for every registered target.
const bool kGenerateRegistered = [] {
  for (const TargetDesc* t : targets()) {
    const Arch a = t->arch;
    benchmark::RegisterBenchmark(("BM_Generate/" + std::string(t->name)).c_str(),
                                 [a](benchmark::State& state) { BM_Generate(state, a); });
  }
  return true;
}();

}  // namespace
}  // namespace xtramp::bench
