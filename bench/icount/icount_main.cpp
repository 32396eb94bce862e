// xtramp-icount: makes hooked calls for an instruction counter to count.
//
//   xtramp-icount VARIANT N CALLS
//
// VARIANT: direct | wrapper | fentry | fexit | fmod_ret | fentry4; N: 1, 6 or
// 12 long arguments. It builds the replace-mode trampoline (for the xtramp
// variants), makes one warm-up call, then CALLS calls. ci/bench runs it under
// `qemu-<arch> -singlestep -d exec,nochain` twice (CALLS = 0 and CALLS = K):
// the difference of the logged instruction counts over K is the dynamic
// instruction count of one hooked call, on any architecture, deterministic.
// The model is built by hand (no BTF to parse: less to log).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "bench/hooked_work.hpp"
#include "common/error.hpp"
#include "common/tramp/trampoline.hpp"

namespace {

using namespace xtramp;

using bench::work_prog;

extern "C" {
XTRAMP_BENCH_OPAQUE long icount_sum1(long a) {
  return a;
}
XTRAMP_BENCH_OPAQUE long icount_sum6(long a, long b, long c, long d, long e, long f) {
  return a + b + c + d + e + f;
}
XTRAMP_BENCH_OPAQUE long icount_sum12(long a, long b, long c, long d, long e, long f, long g,
                                      long h, long i, long j, long k, long l) {
  return a + b + c + d + e + f + g + h + i + j + k + l;
}
}

using F1 = long(long);
using F6 = long(long, long, long, long, long, long);
using F12 = long(long, long, long, long, long, long, long, long, long, long, long, long);

const void* volatile g_orig1 = (const void*)&icount_sum1;
const void* volatile g_orig6 = (const void*)&icount_sum6;
const void* volatile g_orig12 = (const void*)&icount_sum12;

// The compiler-built floor: BM_CWrapper's wrapper (hooked_work.hpp).
const void* wrapper_fn(int n) {
  return n == 1   ? (const void*)bench::CWrapper<&g_orig1, F1>::fn
         : n == 6 ? (const void*)bench::CWrapper<&g_orig6, F6>::fn
                  : (const void*)bench::CWrapper<&g_orig12, F12>::fn;
}

long call(const void* f, int n, long v) {
  switch (n) {
    case 1:
      return reinterpret_cast<F1*>(const_cast<void*>(f))(v);
    case 6:
      return reinterpret_cast<F6*>(const_cast<void*>(f))(v, v, v, v, v, v);
    default:
      return reinterpret_cast<F12*>(const_cast<void*>(f))(v, v, v, v, v, v, v, v, v, v, v, v);
  }
}

FuncModel model_of(int n) {
  auto t = std::make_shared<TypeFacts>();
  t->kind = ValueKind::integer;
  t->c_type = "long";
  t->btf_kind = "INT";
  t->size = t->align = t->natural_align = t->largest_member_size = 8;
  t->is_signed = true;
  FuncModel m;
  m.name = "icount_sum" + std::to_string(n);
  m.target = host_arch();
  m.ret = ValueModel{"", t};
  for (int i = 0; i < n; ++i) m.args.push_back(ValueModel{"a" + std::to_string(i), t});
  return m;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(
        stderr, "usage: xtramp-icount direct|wrapper|fentry|fexit|fmod_ret|fentry4 1|6|12 CALLS\n");
    return 2;
  }
  const std::string variant = argv[1];
  const int n = std::atoi(argv[2]);
  const long calls = std::atol(argv[3]);
  if (n != 1 && n != 6 && n != 12) {
    std::fprintf(stderr, "xtramp-icount: N must be 1, 6 or 12\n");
    return 2;
  }
  const void* orig = n == 1 ? g_orig1 : n == 6 ? g_orig6 : g_orig12;
  const void* target = nullptr;
  std::vector<std::unique_ptr<Program>> progs;
  Trampoline t;
  try {
    if (variant == "direct") {
      target = orig;
    } else if (variant == "wrapper") {
      target = wrapper_fn(n);
    } else {
      ProgramSet set;
      auto add = [&](std::vector<Program*>& l, int k, ProgKind kind) {
        for (int i = 0; i < k; ++i) {
          progs.push_back(std::make_unique<Program>(work_prog, nullptr, kind));
          l.push_back(progs.back().get());
        }
      };
      if (variant == "fentry")
        add(set.fentry, 1, ProgKind::fentry);
      else if (variant == "fexit")
        add(set.fexit, 1, ProgKind::fexit);
      else if (variant == "fmod_ret")
        add(set.fmod_ret, 1, ProgKind::fmod_ret);
      else if (variant == "fentry4")
        add(set.fentry, 4, ProgKind::fentry);
      else {
        std::fprintf(stderr, "xtramp-icount: unknown variant %s\n", variant.c_str());
        return 2;
      }
      t = Trampoline::create(model_of(n), orig, set);
      target = t.entry();
    }
  } catch (const Error& e) {
    std::fprintf(stderr, "xtramp-icount: %s\n", e.what());
    return 1;
  }
  const void* volatile fn = target;
  long sum = call(fn, n, 1);  // warm-up: lazy binding, first touches
  for (long i = 0; i < calls; ++i) sum += call(fn, n, i);
  std::printf("%ld\n", sum);
  return 0;
}
