// xtramp-bench: google-benchmark main plus a closing report of the ratios
// (our modelling time against libbpf's own parse of the same BTF).
#include <benchmark/benchmark.h>

#include <malloc.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "bench/bench_env.hpp"
#include "btf/btf_file.hpp"

namespace xtramp::bench {

std::string& btf_path() {
  static std::string path = btf::kVmlinuxPath;
  return path;
}

std::map<std::string, double>& recorded_seconds() {
  static std::map<std::string, double> times;
  return times;
}

}  // namespace xtramp::bench

namespace {

void print_ratio_block(const char* title, const char* parse_name,
                       const std::vector<std::pair<const char*, const char*>>& lines) {
  const auto& t = xtramp::bench::recorded_seconds();
  const auto parse = t.find(parse_name);
  if (parse == t.end() || parse->second <= 0) return;
  std::printf("\n%s: libbpf btf__parse of %s = %.2f ms\n", title, xtramp::bench::btf_path().c_str(),
              parse->second * 1e3);
  for (const auto& [name, label] : lines) {
    const auto it = t.find(name);
    if (it == t.end()) continue;
    std::printf("  %-22s %8.2f ms %6.2fx  %s\n", name, it->second * 1e3, it->second / parse->second,
                label);
  }
}

void print_ratios() {
  print_ratio_block("steady state (in process, freed memory reused)", "BM_LibbpfParse",
                    {{"BM_ModelAll", "model every function, cold cache (issue target: < 2.00x)"},
                     {"BM_KernelViewAll", "kernel_view of every function, cold cache"},
                     {"BM_ModelAllWarm", "model every function again (type facts cached)"},
                     {"BM_OpenVmlinux", "BtfFile::open"},
                     {"BM_OpenAndModelAll", "open + model every function"}});
  print_ratio_block("one-shot process (a fresh process per run, first touch of memory)",
                    "BM_ColdLibbpfParse",
                    {{"BM_ColdModelAll", "model every function (issue target: < 2.00x)"},
                     {"BM_ColdKernelViewAll", "kernel_view of every function"},
                     {"BM_ColdOpen", "BtfFile::open"}});
  const auto& t = xtramp::bench::recorded_seconds();
  if (const auto it = t.find("BM_PlaceAll"); it != t.end()) {
    std::printf(
        "\nplacement: every function x 3 arches x 2 policies in %.1f ms "
        "(issue target: < 200 ms)\n",
        it->second * 1e3);
  }
}

}  // namespace

int main(int argc, char** argv) {
  // A cold child of bench_cold.cpp: "--cold-child=WHAT --btf=FILE", nothing else.
  if (argc == 3 && std::strncmp(argv[1], "--cold-child=", 13) == 0 &&
      std::strncmp(argv[2], "--btf=", 6) == 0) {
    xtramp::bench::btf_path() = argv[2] + 6;
    return xtramp::bench::cold_child_main(argv[1] + 13);
  }
  // Steady state for the in-process benchmarks: keep freed memory in the
  // heap (no mmap/munmap or trimming of multi-megabyte blocks), so a repeat
  // parse does not pay page faults the first one paid. bench_cold.cpp
  // measures the first-touch case in fresh processes.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  benchmark::Initialize(&argc, argv);
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--btf=", 6) == 0) {
      xtramp::bench::btf_path() = argv[i] + 6;
    } else {
      std::fprintf(stderr,
                   "xtramp-bench: unknown argument %s (only --btf=FILE and --benchmark_*)\n",
                   argv[i]);
      return 2;
    }
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  print_ratios();
  return 0;
}
