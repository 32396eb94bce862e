// One-shot process costs: every iteration runs a fresh copy of this binary
// (fork + exec, so no inherited heap) that does the work once, as
// `xtramp model --all` does, and reports its own timings. In-process benchmarks (bench_btf.cpp)
// measure the steady state, where freed memory is reused; this measures first touch, where page
// faults are part of the bill (and dominate libbpf's parse in some VMs).
#include <benchmark/benchmark.h>
#include <bpf/btf.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "bench/bench_env.hpp"
#include "btf/btf_file.hpp"
#include "common/error.hpp"

namespace xtramp::bench {
namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kTimes = 3;
using Times = std::array<double, kTimes>;

double since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// The child's work, by name; fills up to kTimes seconds.
void child_work(std::string_view what, Times& t) {
  if (what == "parse") {
    const auto start = Clock::now();
    struct btf* b = btf__parse(btf_path().c_str(), nullptr);
    t[0] = since(start);
    if (b == nullptr) throw Error(Errc::malformed_btf, "btf__parse failed");
    return;
  }
  // [0] BtfFile::open, [1] model_by_id of every function, [2] kernel_view of every function.
  auto start = Clock::now();
  btf::OpenOptions o;
  o.path = btf_path();
  const btf::BtfFile file = btf::BtfFile::open(o);
  t[0] = since(start);
  start = Clock::now();
  const std::vector<uint32_t> ids = file.function_ids();
  for (uint32_t id : ids) {
    try {
      FuncModel m = file.model_by_id(id);
      benchmark::DoNotOptimize(m);
    } catch (const Error&) {
    }
  }
  t[1] = since(start);
  start = Clock::now();
  for (uint32_t id : ids) benchmark::DoNotOptimize(file.kernel_view(id));
  t[2] = since(start);
}

// Runs `xtramp-bench --cold-child=WHAT --btf=FILE` and reads its timings.
bool in_child(const char* what, Times& times) {
  int fds[2];
  if (pipe(fds) != 0) return false;
  const pid_t pid = fork();
  if (pid < 0) return false;
  if (pid == 0) {
    close(fds[0]);
    if (dup2(fds[1], 1) < 0) _exit(127);
    const std::string arg = std::string("--cold-child=") + what;
    const std::string btf = "--btf=" + btf_path();
    execl("/proc/self/exe", "xtramp-bench", arg.c_str(), btf.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fds[1]);
  std::string out;
  char buf[256];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return false;
  return std::sscanf(out.c_str(), "%lf %lf %lf", &times[0], &times[1], &times[2]) == 3;
}

void BM_ColdLibbpfParse(benchmark::State& state) {
  double total = 0;
  for (auto _ : state) {
    Times t{};
    const bool ok = in_child("parse", t);
    if (!ok) {
      state.SkipWithError("btf__parse failed in the child");
      break;
    }
    state.SetIterationTime(t[0]);
    total += t[0];
  }
  if (state.iterations() > 0) {
    recorded_seconds()["BM_ColdLibbpfParse"] = total / static_cast<double>(state.iterations());
  }
}
BENCHMARK(BM_ColdLibbpfParse)->Unit(benchmark::kMillisecond)->UseManualTime()->Iterations(12);

void BM_ColdOpenModelAll(benchmark::State& state) {
  Times total{};
  size_t functions = 0;
  for (auto _ : state) {
    Times t{};
    const bool ok = in_child("model", t);
    if (!ok) {
      state.SkipWithError("BtfFile::open or modelling failed in the child");
      break;
    }
    state.SetIterationTime(t[0] + t[1]);
    for (size_t i = 0; i < kTimes; ++i) total[i] += t[i];
  }
  if (state.iterations() == 0) return;
  const double n = static_cast<double>(state.iterations());
  recorded_seconds()["BM_ColdOpen"] = total[0] / n;
  recorded_seconds()["BM_ColdModelAll"] = total[1] / n;
  recorded_seconds()["BM_ColdKernelViewAll"] = total[2] / n;
  state.counters["open_ms"] = 1e3 * total[0] / n;
  state.counters["model_all_ms"] = 1e3 * total[1] / n;
  state.counters["kernel_view_all_ms"] = 1e3 * total[2] / n;
  try {
    btf::OpenOptions o;
    o.path = btf_path();
    functions = btf::BtfFile::open(o).function_ids().size();
  } catch (const Error&) {
  }
  state.counters["functions"] = static_cast<double>(functions);
}
BENCHMARK(BM_ColdOpenModelAll)->Unit(benchmark::kMillisecond)->UseManualTime()->Iterations(12);

}  // namespace

int cold_child_main(std::string_view what) {
  Times t{};
  try {
    child_work(what, t);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "xtramp-bench: cold child: %s\n", e.what());
    return 1;
  }
  std::printf("%.9f %.9f %.9f\n", t[0], t[1], t[2]);
  return 0;
}

}  // namespace xtramp::bench
