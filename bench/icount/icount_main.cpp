// xtramp-icount: makes hooked calls for an instruction counter to count.
//
//   xtramp-icount VARIANT N CALLS
//
// VARIANT: direct | wrapper | fentry | fexit | fmod_ret | fentry4 | patched |
// libffi (N: 1, 6 or 12 long arguments) | struct (N = 6: the RFC shape, four
// 16-byte structs, a short and a 16-byte-aligned struct). The hooked functions
// are xtramp-bench's (bench/bench_targets.c, with their own BTF). It builds the
// hook (a replace-mode trampoline; `patched`: an entry-patch Attachment; a
// libffi closure), makes one warm-up call, then CALLS calls, and exits 1
// unless every program ran on every call. `patched` under qemu-user: the
// function is patched before it ever ran in the process, which qemu-user
// then translates as patched (rewritten code that already ran it would not
// see; the runs check proves it did not run unpatched). ci/bench runs it
// under `qemu-<arch> -singlestep -d exec,nochain` twice (CALLS = 0 and CALLS =
// K): the difference of the logged instruction counts over K is the dynamic
// instruction count of one hooked call, on any architecture, deterministic.
//
// Exit codes: 0 counted; 2 usage; 3 the variant does not exist on this
// architecture or build (the reason on stderr: ci/bench shows it).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bench/bench_targets.h"
#include "bench/bench_targets_btf.hpp"
#include "bench/hooked_work.hpp"
#include "common/error.hpp"
#include "runtime/attachment.hpp"
#include "runtime/poke_probe.hpp"
#include "runtime/trampoline.hpp"
#if XTRAMP_ICOUNT_LIBFFI
#include "bench/ffi_hook.hpp"
#endif

namespace {

using namespace xtramp;

using bench::targets_btf;
using bench::work_prog;

using F1 = long(long);
using F6 = long(long, long, long, long, long, long);
using F12 = long(long, long, long, long, long, long, long, long, long, long, long, long);
using Frfc = int(bench_s16, bench_s16, bench_s16, bench_s16, short, bench_a16);

const void* volatile g_orig1 = (const void*)&bench_sum1;
const void* volatile g_orig6 = (const void*)&bench_sum6;
const void* volatile g_orig12 = (const void*)&bench_sum12;

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

long call_rfc(const void* f, long v) {
  const bench_s16 s{static_cast<unsigned long>(v), 2};
  const bench_a16 x{3};
  return reinterpret_cast<Frfc*>(const_cast<void*>(f))(s, s, s, s, 4, x);
}

struct Unavailable {
  std::string why;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr,
                 "usage: xtramp-icount direct|wrapper|fentry|fexit|fmod_ret|fentry4|patched|libffi "
                 "1|6|12 CALLS\n       xtramp-icount struct 6 CALLS\n");
    return 2;
  }
  const std::string variant = argv[1];
  const int n = std::atoi(argv[2]);
  const long calls = std::atol(argv[3]);
  if ((n != 1 && n != 6 && n != 12) || (variant == "struct" && n != 6)) {
    std::fprintf(stderr, "xtramp-icount: N must be 1, 6 or 12 (struct: 6)\n");
    return 2;
  }
  const char* name = variant == "struct" ? "bench_rfc"
                     : n == 1            ? "bench_sum1"
                     : n == 6            ? "bench_sum6"
                                         : "bench_sum12";
  const void* orig = variant == "struct" ? (const void*)&bench_rfc
                     : n == 1            ? g_orig1
                     : n == 6            ? g_orig6
                                         : g_orig12;
  const void* target = nullptr;
  std::vector<std::unique_ptr<Program>> progs;
  Trampoline t;
  std::unique_ptr<Attachment> patch;
#if XTRAMP_ICOUNT_LIBFFI
  std::unique_ptr<bench::FfiHook> ffi;
#endif
  try {
    auto make = [&](ProgKind kind) {
      progs.push_back(std::make_unique<Program>(work_prog, nullptr, kind));
      return progs.back().get();
    };
    ProgramSet set;
    if (variant == "direct") {
      target = orig;
    } else if (variant == "wrapper") {
      target = wrapper_fn(n);
    } else if (variant == "patched") {
      // Under qemu-user (rewritten code that already ran is not seen) the
      // function is patched before its first run in this process, so qemu
      // translates the patched bytes; the runs check below proves that every
      // counted call went through the trampoline.
      if (!poked_code_problem().empty()) detail::allow_patching_unexecuted_code();
      patch = std::make_unique<Attachment>(targets_btf().model(name), const_cast<void*>(orig),
                                           kEntryPatch);
      patch->attach(*make(ProgKind::fentry));
      target = orig;  // the function itself: its entry calls the trampoline
    } else if (variant == "libffi") {
#if XTRAMP_ICOUNT_LIBFFI
      ffi = std::make_unique<bench::FfiHook>(orig, static_cast<unsigned>(n));
      if (ffi->code() == nullptr) throw Unavailable{"libffi: " + ffi->error()};
      target = ffi->code();
#else
      throw Unavailable{"built without libffi for this architecture (no libffi-dev found)"};
#endif
    } else {
      if (variant == "fentry" || variant == "struct")
        set.fentry = {make(ProgKind::fentry)};
      else if (variant == "fexit")
        set.fexit = {make(ProgKind::fexit)};
      else if (variant == "fmod_ret")
        set.fmod_ret = {make(ProgKind::fmod_ret)};
      else if (variant == "fentry4")
        set.fentry = {make(ProgKind::fentry), make(ProgKind::fentry), make(ProgKind::fentry),
                      make(ProgKind::fentry)};
      else {
        std::fprintf(stderr, "xtramp-icount: unknown variant %s\n", variant.c_str());
        return 2;
      }
      t = Trampoline::create(targets_btf().model(name), orig, set);
      target = t.entry();
    }
  } catch (const Unavailable& u) {
    std::fprintf(stderr, "xtramp-icount: %s\n", u.why.c_str());
    return 3;
  } catch (const Error& e) {
    std::fprintf(stderr, "xtramp-icount: %s\n", e.what());
    return e.code() == Errc::unsupported ? 3 : 1;
  }
  const void* volatile fn = target;
  const bool rfc = variant == "struct";
  long sum = rfc ? call_rfc(fn, 1) : call(fn, n, 1);  // warm-up: lazy binding, first touches
  for (long i = 0; i < calls; ++i) sum += rfc ? call_rfc(fn, i) : call(fn, n, i);
  // Every program ran on every call (the warm-up too): otherwise the count is
  // not of a hooked call (e.g. a patched entry qemu did not see).
  for (const auto& p : progs) {
    if (p->runs.load() != static_cast<uint64_t>(calls) + 1) {
      std::fprintf(stderr, "xtramp-icount: a program ran %llu times in %ld calls: not counted\n",
                   static_cast<unsigned long long>(p->runs.load()), calls + 1);
      return 1;
    }
  }
  std::printf("%ld\n", sum);
  return 0;
}
