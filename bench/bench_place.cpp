// Placement throughput (issue "placement", Performance): every function of
// the BTF, placed on all three architectures under both policies. The models
// are built beforehand (untimed), one per architecture's scalar rules, as
// `xtramp place --arch all` does; a refusal (the linux policy on a function
// the kernel rejects) counts as a layout done.
#include <benchmark/benchmark.h>

#include <chrono>
#include <vector>

#include "bench/bench_env.hpp"
#include "btf/btf_file.hpp"
#include "common/backend.hpp"
#include "common/error.hpp"

namespace xtramp::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct ArchModels {
  const Backend* backend = nullptr;
  std::vector<FuncModel> models;
};

std::vector<ArchModels> load_models() {
  std::vector<ArchModels> out;
  for (Arch a : kAllArches) {
    btf::OpenOptions o;
    o.path = btf_path();
    o.target = a;
    const btf::BtfFile file = btf::BtfFile::open(o);
    ArchModels m;
    m.backend = &backend(a);
    for (uint32_t id : file.function_ids()) {
      try {
        m.models.push_back(file.model_by_id(id));
      } catch (const Error&) {
        // varargs / void argument: not placeable by anyone
      }
    }
    out.push_back(std::move(m));
  }
  return out;
}

void BM_PlaceAll(benchmark::State& state) {
  std::vector<ArchModels> all;
  try {
    all = load_models();
  } catch (const Error& e) {
    state.SkipWithError(e.what());
    return;
  }
  size_t layouts = 0, refused = 0;
  double total = 0;
  for (auto _ : state) {
    const auto start = Clock::now();
    for (const ArchModels& am : all) {
      for (const FuncModel& m : am.models) {
        for (Policy p : {Policy::psabi, Policy::linux_jit}) {
          try {
            CallLayout l = am.backend->place(m, p);
            benchmark::DoNotOptimize(l);
          } catch (const Error&) {
            ++refused;
          }
          ++layouts;
        }
      }
    }
    total += std::chrono::duration<double>(Clock::now() - start).count();
  }
  if (state.iterations() == 0) return;
  const double per_run = total / static_cast<double>(state.iterations());
  recorded_seconds()["BM_PlaceAll"] = per_run;
  const double per_iter = static_cast<double>(layouts / state.iterations());
  state.counters["layouts"] = per_iter;
  state.counters["refused"] = static_cast<double>(refused / state.iterations());
  state.counters["layouts_per_s"] = per_iter / per_run;
  state.SetItemsProcessed(static_cast<int64_t>(layouts));
}
BENCHMARK(BM_PlaceAll)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace xtramp::bench
