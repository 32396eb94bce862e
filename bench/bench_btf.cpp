// Frontend cost: libbpf's raw parse of a BTF file against BtfFile::open and
// against distilling every function (extended model and kernel view).
#include <benchmark/benchmark.h>
#include <bpf/btf.h>

#include <chrono>
#include <optional>
#include <vector>

#include "bench/bench_env.hpp"
#include "btf/btf_file.hpp"
#include "common/error.hpp"

namespace xtramp::bench {
namespace {

using Clock = std::chrono::steady_clock;

btf::BtfFile open_file() {
  btf::OpenOptions o;
  o.path = btf_path();
  return btf::BtfFile::open(o);
}

// Models every function; rejections (varargs) count as work done.
size_t model_all(const btf::BtfFile& file, const std::vector<uint32_t>& ids) {
  size_t accepted = 0;
  for (uint32_t id : ids) {
    try {
      FuncModel m = file.model_by_id(id);
      benchmark::DoNotOptimize(m);
      ++accepted;
    } catch (const Error&) {
    }
  }
  return accepted;
}

// Runs `body` per iteration with a fresh BtfFile whose opening is not timed;
// records the mean timed seconds under `name`.
template <typename Body>
void run_cold(benchmark::State& state, const char* name, Body body) {
  double timed = 0;
  size_t items = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::optional<btf::BtfFile> file;
    try {
      file.emplace(open_file());
    } catch (const Error& e) {
      state.SkipWithError(e.what());
      break;
    }
    const std::vector<uint32_t> ids = file->function_ids();
    state.ResumeTiming();
    const auto start = Clock::now();
    body(*file, ids);
    timed += std::chrono::duration<double>(Clock::now() - start).count();
    items += ids.size();
    state.PauseTiming();
    file.reset();  // destruction is not what we measure
    state.ResumeTiming();
  }
  if (state.iterations() > 0 && items > 0) {
    recorded_seconds()[name] = timed / static_cast<double>(state.iterations());
    state.SetItemsProcessed(static_cast<int64_t>(items));
    state.counters["functions"] = static_cast<double>(items / state.iterations());
  }
}

void record_mean(benchmark::State& state, const char* name, double seconds) {
  if (state.iterations() > 0) {
    recorded_seconds()[name] = seconds / static_cast<double>(state.iterations());
  }
}

void BM_LibbpfParse(benchmark::State& state) {
  double total = 0;
  for (auto _ : state) {
    const auto start = Clock::now();
    struct btf* b = btf__parse(btf_path().c_str(), nullptr);
    total += std::chrono::duration<double>(Clock::now() - start).count();
    if (b == nullptr) {
      state.SkipWithError("btf__parse failed");
      break;
    }
    state.PauseTiming();
    btf__free(b);
    state.ResumeTiming();
  }
  record_mean(state, "BM_LibbpfParse", total);
}
BENCHMARK(BM_LibbpfParse)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_OpenVmlinux(benchmark::State& state) {
  double total = 0;
  for (auto _ : state) {
    const auto start = Clock::now();
    try {
      btf::BtfFile file = open_file();
      total += std::chrono::duration<double>(Clock::now() - start).count();
      state.PauseTiming();
    } catch (const Error& e) {
      state.SkipWithError(e.what());
      break;
    }
    state.ResumeTiming();  // the file was destroyed while paused
  }
  record_mean(state, "BM_OpenVmlinux", total);
}
BENCHMARK(BM_OpenVmlinux)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_ModelAll(benchmark::State& state) {
  size_t accepted = 0;
  run_cold(state, "BM_ModelAll", [&](const btf::BtfFile& f, const std::vector<uint32_t>& ids) {
    accepted = model_all(f, ids);
  });
  state.counters["accepted"] = static_cast<double>(accepted);
}
BENCHMARK(BM_ModelAll)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_KernelViewAll(benchmark::State& state) {
  size_t accepted = 0;
  run_cold(state, "BM_KernelViewAll", [&](const btf::BtfFile& f, const std::vector<uint32_t>& ids) {
    accepted = 0;
    for (uint32_t id : ids) accepted += f.kernel_view(id).accepted;
  });
  state.counters["accepted"] = static_cast<double>(accepted);
}
BENCHMARK(BM_KernelViewAll)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_OpenAndModelAll(benchmark::State& state) {
  double total = 0;
  size_t items = 0;
  for (auto _ : state) {
    const auto start = Clock::now();
    try {
      btf::BtfFile file = open_file();
      const std::vector<uint32_t> ids = file.function_ids();
      model_all(file, ids);
      items += ids.size();
      total += std::chrono::duration<double>(Clock::now() - start).count();
      state.PauseTiming();
    } catch (const Error& e) {
      state.SkipWithError(e.what());
      break;
    }
    state.ResumeTiming();
  }
  record_mean(state, "BM_OpenAndModelAll", total);
  state.SetItemsProcessed(static_cast<int64_t>(items));
}
BENCHMARK(BM_OpenAndModelAll)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_ModelAllWarm(benchmark::State& state) {
  std::optional<btf::BtfFile> file;
  try {
    file.emplace(open_file());
  } catch (const Error& e) {
    state.SkipWithError(e.what());
    return;
  }
  const std::vector<uint32_t> ids = file->function_ids();
  model_all(*file, ids);  // fill the type-facts cache
  double total = 0;
  for (auto _ : state) {
    const auto start = Clock::now();
    model_all(*file, ids);
    total += std::chrono::duration<double>(Clock::now() - start).count();
  }
  record_mean(state, "BM_ModelAllWarm", total);
  state.SetItemsProcessed(static_cast<int64_t>(ids.size() * state.iterations()));
}
BENCHMARK(BM_ModelAllWarm)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace xtramp::bench
