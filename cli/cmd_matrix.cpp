// `xtramp matrix`: the built-in corpus (kernel selftests, the 2025 RFC cases,
// odd-sized structs, and the seeded signature generator) through `conform`
// on every architecture and both policies; the summary table, docs/matrix.md.
#include <algorithm>
#include <cctype>
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
#include "cli/pair_report.hpp"
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
    "HFAs, mixed int/float structs, struct returns, register exhaustion in the\n"
    "middle of a struct, _Complex float/double/long double alone and in structs, and\n"
    "GCC vector types of 8, 16 and 32 bytes;\n"
    "`--seed S --count N` reproduces every case i < N.\n"
    "--write-corpus DIR writes the corpus as C files, to rerun any of it with\n"
    "`xtramp conform`.\n"
    "--library NAME:HEADER:DIR (repeatable) adds a real library's API: a file holding\n"
    "`#include <HEADER>` (or several: HEADER,HEADER) through `xtramp conform --policy\n"
    "psabi --declared-in DIR`; the report gets a \"Real libraries\" section (per arch:\n"
    "pass / fail / unsupported, and why), e.g. --library "
    "libchipmunk-dev:chipmunk/chipmunk.h:/usr/include/chipmunk\n"
    "(ci/setup-and-run passes the ones docs/matrix.md shows).\n"
    "--compilers (default all) adds the compiler pairs C:gcc12 and gcc12:C (psabi,\n"
    "see `xtramp conform --help`) on the first --pair-count functions of each corpus\n"
    "file; the report gets a \"Compiler pairs\" section (per\n"
    "arch and pair: pass / fail / finding / unsupported, the findings' bytes). A\n"
    "missing compiler (gcc16 before ci/install-buildroot) makes its pairs unsupported.\n"
    "\n"
    "Exit codes:\n"
    "  0  psabi passed everywhere, with every compiler pair (linux failures and compiler\n"
    "     findings are what docs/matrix.md explains)\n"
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
    opts_.compilers = "all";
    opts_.add_to(sub);
    sub.add_option("--seed", seed_, "Seed of the generated signatures (default 1)");
    sub.add_option("--count", count_, "Number of generated signatures (default 2000)")
        ->check(CLI::Range(0u, 1000000u));
    sub.add_option("--pair-count", pair_count_,
                   "The compiler pairs run the first N functions of each corpus file (the "
                   "generated signatures i < N; default 500, 0: all)");
    sub.add_option("--out", out_, "Write the report here (default docs/matrix.md; '-' for none)");
    sub.add_option("--write-corpus", corpus_dir_, "Also write the corpus C files to DIR");
    sub.add_option("--library", libraries_,
                   "NAME:HEADER:DIR: also run the functions declared under DIR that "
                   "#include <HEADER> brings in (psabi; repeatable)");
    sub.add_flag("--json", json_,
                 "JSON: {summary: [...], records: [conform's records], libraries: [{name, "
                 "header, declared_in, records}]}");
    sub.footer(kFooter);
  }

  int run() override {
    const auto t0 = std::chrono::steady_clock::now();
    conform::ConformRequest req = opts_.request();
    req.pair_functions = pair_count_;
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
    // The libraries first: a bad --library is bad input before the long run.
    std::vector<LibraryRun> libs;
    for (const std::string& spec : libraries_) {
      const size_t c1 = spec.find(':'), c2 = c1 == std::string::npos ? c1 : spec.find(':', c1 + 1);
      if (c2 == std::string::npos || c1 == 0 || c2 == c1 + 1 || c2 + 1 == spec.size())
        throw Error(Errc::bad_request,
                    "--library " + spec +
                        ": expected NAME:HEADER:DIR, e.g. "
                        "libchipmunk-dev:chipmunk/chipmunk.h:/usr/include/chipmunk");
      LibraryRun l;
      l.name = spec.substr(0, c1);
      l.header = spec.substr(c1 + 1, c2 - c1 - 1);
      l.declared_in = spec.substr(c2 + 1);
      l.req = opts_.request();
      l.req.policies = {Policy::psabi};
      l.req.pairs.clear();        // the compiler pairs run on the corpus
      std::string stem = l.name;  // the file's name shows in progress lines
      for (char& ch : stem)
        if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-' && ch != '_') ch = '_';
      const std::string path =
          corpus.path() + "/" + stem + "-" + std::to_string(libs.size()) + ".c";
      std::string includes;  // HEADER may be a comma-separated list
      for (size_t at = 0; at <= l.header.size();) {
        const size_t end = std::min(l.header.find(',', at), l.header.size());
        includes += "#include <" + l.header.substr(at, end - at) + ">\n";
        at = end + 1;
      }
      write_text(path, includes);
      l.req.files = {path};
      l.req.declared_in = {l.declared_in};
      libs.push_back(std::move(l));
    }
    for (LibraryRun& l : libs) {
      const auto l0 = std::chrono::steady_clock::now();
      l.res = conform::run_conform(l.req);
      l.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - l0).count();
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
          r["failed_kernel_c"] = c.fail_kernel_c;
          r["unsupported"] = c.unsupported;
          rows.push_back(std::move(r));
        }
      j["summary"] = std::move(rows);
      j["records"] = conform_json(res);
      nlohmann::ordered_json lj = nlohmann::ordered_json::array();
      for (const LibraryRun& l : libs) {
        nlohmann::ordered_json o;
        o["name"] = l.name;
        o["header"] = l.header;
        o["declared_in"] = l.declared_in;
        o["records"] = conform_json(l.res);
        lj.push_back(std::move(o));
      }
      j["libraries"] = std::move(lj);
      write_stdout(json_text(j));
    } else {
      write_stdout(matrix_text(sum));
      if (const std::string pairs = conform_pairs_text(res); !pairs.empty())
        write_stdout("\nCompiler pairs:\n" + pairs);
      if (!libs.empty()) write_stdout("\nReal libraries:\n" + libraries_text(libs));
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
                     std::to_string(count_) + " --arch " + opts_.arch + " --policy " +
                     opts_.policy + " --compilers " +
                     (opts_.compilers.empty() ? std::string("gcc12") : opts_.compilers) +
                     " --pair-count " + std::to_string(pair_count_);
      info.seed = seed_;
      info.count = count_;
      info.pair_count = pair_count_;
      info.seconds = seconds;
      if (fs::path(out_).has_parent_path()) fs::create_directories(fs::path(out_).parent_path());
      for (const LibraryRun& l : libs)
        info.command += " --library " + l.name + ":" + l.header + ":" + l.declared_in;
      write_text(out_, matrix_markdown(sum, res, info, libs));
      if (!json_) write_stdout("wrote " + out_ + "\n");
    }
    bool ok = psabi_passed(res);
    for (const LibraryRun& l : libs) ok = ok && psabi_passed(l.res);
    return ok ? kExitOk : kExitRejected;
  }

 private:
  ConformOptions opts_;
  uint64_t seed_ = 1;
  uint32_t count_ = 2000;
  uint32_t pair_count_ = 500;
  std::string out_ = "docs/matrix.md";
  std::string corpus_dir_;
  std::vector<std::string> libraries_;
  bool json_ = false;
};

}  // namespace

std::unique_ptr<Command> make_matrix_command() {
  return std::make_unique<MatrixCommand>();
}

}  // namespace xtramp::cli
