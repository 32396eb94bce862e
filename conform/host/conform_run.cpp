#include "conform/host/conform_run.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "common/error.hpp"
#include "conform/host/casegen.hpp"
#include "conform/host/process.hpp"
#include "conform/host/workdir.hpp"

namespace xtramp::conform {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

struct FileCase {
  std::string dir;          // its work directory
  std::string include_dir;  // the user file's directory (-I)
  std::string label;        // the file as given, for messages
  std::string name() const { return std::filesystem::path(label).filename().string(); }
  CaseSource source;
};

struct Result {
  std::string status, detail;
};
// function -> policy -> result, for one file on one arch
using FileResults = std::map<std::string, std::map<Policy, Result>>;

std::string policy_arg(const std::vector<Policy>& ps) {
  return ps.size() == 1 ? std::string(policy_name(ps[0])) : "both";
}

// One arch's pipeline over every file: compile each case library, run it.
class ArchPipeline {
 public:
  ArchPipeline(const Toolchain& tc, const ConformRequest& req, const std::vector<FileCase>& files)
      : tc_(tc), req_(req), files_(files), results_(files.size()) {}

  void run() {
    try {
      for (size_t i = 0; i < files_.size(); ++i)
        if (!files_[i].source.c_source.empty()) run_file(i);
    } catch (...) {
      error_ = std::current_exception();
    }
  }
  void rethrow() const {
    if (error_) std::rethrow_exception(error_);
  }
  const FileResults& results(size_t file) const { return results_[file]; }
  const std::vector<StageTime>& times() const { return times_; }

 private:
  void progress(const std::string& s) const {
    if (req_.progress) req_.progress(s);
  }

  void run_file(size_t i) {
    const FileCase& f = files_[i];
    const std::string arch(arch_name(tc_.arch));
    const std::string so = f.dir + "/case-" + arch + ".so";
    const std::vector<std::string> cc{
        tc_.cc, "-std=gnu11", "-O2",         "-fPIC", "-shared", "-gbtf",          "-g",
        "-w",   "-I",         f.include_dir, "-o",    so,        f.dir + "/case.c"};
    progress(arch + ": compiling " + f.label);
    auto t0 = Clock::now();
    ProcessResult c = run_process(cc);
    times_.push_back({"compile " + arch + " " + f.name(), since(t0)});
    if (!c.ok())
      throw Error(Errc::bad_request, f.label + ": the case library does not compile for " + arch +
                                         ": " + failure_text(c, cc));

    std::vector<std::string> run = tc_.run_prefix;
    run.insert(run.end(), {tc_.runner, "--policy", policy_arg(req_.policies), so});
    progress(arch + ": running " + f.label);
    t0 = Clock::now();
    ProcessResult r = run_process(run);
    times_.push_back({"run " + arch + " " + f.name(), since(t0)});
    if (!r.ok())
      throw Error(Errc::bad_request, arch + ": the runner failed: " + failure_text(r, run));
    std::istringstream in(r.out);
    std::string line;
    while (std::getline(in, line)) {
      // NAME \t POLICY \t STATUS \t DETAIL
      std::vector<std::string> col;
      std::istringstream ls(line);
      for (std::string c2; std::getline(ls, c2, '\t');) col.push_back(c2);
      if (col.size() < 3) continue;
      const auto pol = parse_policy(col[1]);
      if (!pol) continue;
      results_[i][col[0]][*pol] = {col[2], col.size() > 3 ? col[3] : ""};
    }
  }

  const Toolchain& tc_;
  const ConformRequest& req_;
  const std::vector<FileCase>& files_;
  std::vector<FileResults> results_;
  std::vector<StageTime> times_;
  std::exception_ptr error_;
};

}  // namespace

ConformResult run_conform(const ConformRequest& req) {
  if (req.files.empty()) throw Error(Errc::bad_request, "no input file");
  const Toolchain host = find_toolchain(host_arch(), req.tools);
  if (find_in_path(host.cc).empty())  // it generates every case library
    throw Error(Errc::bad_request, "missing toolchain: " + host.missing);

  Workdir work(req.workdir);
  ConformResult out;
  std::vector<FileCase> files;
  for (size_t i = 0; i < req.files.size(); ++i) {
    FileCase f;
    f.dir = work.path() + "/f" + std::to_string(i);
    fs::create_directories(f.dir);
    f.label = req.files[i];
    f.include_dir = fs::absolute(req.files[i]).parent_path().string();
    if (req.progress) req.progress("generating the case library for " + f.label);
    const auto t0 = Clock::now();
    f.source = make_case_source(req.files[i], host.cc, f.dir);
    out.times.push_back({"generate the case library of " + f.name(), since(t0)});
    if (!f.source.c_source.empty()) {
      std::ofstream o(f.dir + "/case.c");
      o << f.source.c_source;
      if (!o) throw Error(Errc::io, "cannot write " + f.dir + "/case.c");
    }
    files.push_back(std::move(f));
  }

  // The files first (a file that does not compile is the first thing to
  // say), then what each requested arch needs.
  std::vector<Toolchain> tcs;
  for (Arch a : req.arches) {
    tcs.push_back(find_toolchain(a, req.tools));
    if (!tcs.back().missing.empty())
      throw Error(Errc::bad_request, "missing toolchain: " + tcs.back().missing);
  }

  std::vector<std::unique_ptr<ArchPipeline>> pipes;
  for (const Toolchain& tc : tcs) pipes.push_back(std::make_unique<ArchPipeline>(tc, req, files));
  {
    std::vector<std::thread> threads;
    for (auto& p : pipes) threads.emplace_back([&p] { p->run(); });
    for (std::thread& t : threads) t.join();
  }
  for (auto& p : pipes) {
    p->rethrow();
    out.times.insert(out.times.end(), p->times().begin(), p->times().end());
  }

  for (size_t i = 0; i < files.size(); ++i)
    for (const DeclaredFunction& fn : files[i].source.functions)
      for (size_t a = 0; a < tcs.size(); ++a)
        for (Policy pol : req.policies) {
          Record r{fn.name, i, tcs[a].arch, pol, "unsupported", fn.unsupported};
          if (fn.unsupported.empty()) {
            const FileResults& fr = pipes[a]->results(i);
            auto it = fr.find(fn.name);
            if (it != fr.end() && it->second.count(pol)) {
              r.status = it->second.at(pol).status;
              r.detail = it->second.at(pol).detail;
            } else {
              r.status = "fail";
              r.detail = "the runner reported no result for it";
            }
          }
          out.records.push_back(std::move(r));
        }
  return out;
}

}  // namespace xtramp::conform
