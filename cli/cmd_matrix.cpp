// `xtramp matrix`: the built-in corpus (kernel selftests, the 2025 RFC cases,
// odd-sized structs, and the seeded signature generator) through `conform`
// on every architecture and both policies; the summary table, docs/matrix.md.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/command.hpp"
#include "cli/conform_options.hpp"
#include "cli/conform_report.hpp"
#include "cli/exit_codes.hpp"
#include "cli/json_text.hpp"
#include "cli/matrix_report.hpp"
#include "common/error.hpp"
#include "conform/host/workdir.hpp"
#include "conform/siggen.hpp"

namespace xtramp::cli {
namespace {

namespace fs = std::filesystem;

constexpr const char* kFooter =
    "Rows: corpus groups (selftests, rfc, odd_structs, generated/<feature>); columns:\n"
    "arch/policy; cells: passed/ran (u:N = N cases the policy refuses). The generated\n"
    "signatures (--seed, --count) cover 0-20 arguments, every integer width, pointers,\n"
    "enums, float/double/long double, __int128, structs and unions of 1-40 bytes,\n"
    "nesting and arrays, over-aligned and packed types, bit-fields (incl. zero-width),\n"
    "HFAs, mixed int/float structs, struct returns and register exhaustion in the\n"
    "middle of a struct; `--seed S --count N` reproduces every case i < N.\n"
    "--write-corpus DIR writes the corpus as C files, to rerun any of it with\n"
    "`xtramp conform`.\n"
    "\n"
    "Exit codes:\n"
    "  0  psabi passed everywhere (linux failures are the findings docs/matrix.md explains)\n"
    "  1  a psabi case failed\n"
    "  2  bad input or a missing toolchain, runner or qemu (the message says which)\n";

void write_text(const std::string& path, const std::string& text) {
  std::ofstream o(path);
  o << text;
  if (!o) throw Error(Errc::io, "cannot write " + path);
}

class MatrixCommand final : public Command {
 public:
  void configure(CLI::App& sub) override {
    opts_.add_to(sub);
    sub.add_option("--seed", seed_, "Seed of the generated signatures (default 1)");
    sub.add_option("--count", count_, "Number of generated signatures (default 2000)")
        ->check(CLI::Range(0u, 1000000u));
    sub.add_option("--out", out_, "Write the report here (default docs/matrix.md; '-' for none)");
    sub.add_option("--write-corpus", corpus_dir_, "Also write the corpus C files to DIR");
    sub.add_flag("--json", json_, "JSON: {summary: [...], records: [conform's records]}");
    sub.footer(kFooter);
  }

  int run() override {
    const auto t0 = std::chrono::steady_clock::now();
    conform::ConformRequest req = opts_.request();
    conform::Workdir corpus(corpus_dir_);
    std::vector<std::string> group_of_file, order;
    for (const conform::CorpusFile& f : conform::builtin_corpus()) {
      const std::string path = corpus.path() + "/" + f.name;
      write_text(path, f.c_source);
      req.files.push_back(path);
      group_of_file.push_back(f.group);
      order.push_back(f.group);
    }
    if (count_ > 0) {
      const conform::GeneratedCorpus gen = conform::generate_signatures({seed_, count_});
      const std::string path = corpus.path() + "/generated.c";
      write_text(path, gen.c_source);
      req.files.push_back(path);
      group_of_file.push_back("");
      for (const std::string& g : conform::generated_groups()) order.push_back("generated/" + g);
    }
    const conform::ConformResult res = conform::run_conform(req);
    const MatrixSummary sum = summarize(req, res, group_of_file, order);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    if (json_) {
      nlohmann::ordered_json j;
      nlohmann::ordered_json rows = nlohmann::ordered_json::array();
      for (const std::string& g : sum.groups)
        for (const auto& [ap, c] : sum.cells.at(g)) {
          nlohmann::ordered_json r;
          r["group"] = g;
          r["arch"] = arch_name(ap.first);
          r["policy"] = policy_name(ap.second);
          r["passed"] = c.pass;
          r["failed"] = c.fail;
          r["unsupported"] = c.unsupported;
          rows.push_back(std::move(r));
        }
      j["summary"] = std::move(rows);
      j["records"] = conform_json(res);
      write_stdout(json_text(j));
    } else {
      write_stdout(matrix_text(sum));
      write_stdout("\nTime per stage:\n" + conform_times_text(res));
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.1f", seconds);
      write_stdout(std::string("total: ") + buf + " s\n");
    }
    for (const std::string& u : unexplained_failures(sum))
      std::fprintf(stderr, "matrix: warning: unexplained failure: %s\n", u.c_str());
    if (out_ != "-") {
      MatrixDocInfo info;
      info.command = "xtramp matrix --seed " + std::to_string(seed_) + " --count " +
                     std::to_string(count_) + " --arch " + opts_.arch + " --policy " + opts_.policy;
      info.seed = seed_;
      info.count = count_;
      info.seconds = seconds;
      if (fs::path(out_).has_parent_path()) fs::create_directories(fs::path(out_).parent_path());
      write_text(out_, matrix_markdown(sum, res, info));
      if (!json_) write_stdout("wrote " + out_ + "\n");
    }
    return psabi_passed(res) ? kExitOk : kExitRejected;
  }

 private:
  ConformOptions opts_;
  uint64_t seed_ = 1;
  uint32_t count_ = 2000;
  std::string out_ = "docs/matrix.md";
  std::string corpus_dir_;
  bool json_ = false;
};

}  // namespace

std::unique_ptr<Command> make_matrix_command() {
  return std::make_unique<MatrixCommand>();
}

}  // namespace xtramp::cli
