#include "conform/host/conform_run.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <regex>
#include <set>
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

std::string canonical(const std::string& p) {
  std::error_code ec;
  fs::path c = fs::weakly_canonical(p, ec);
  return ec ? p : c.string();
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream o(path);
  o << text;
  if (!o) throw Error(Errc::io, "cannot write " + path);
}

// `text` (GCC -E output, with line markers) with the declarations at
// `where` (file, line of the function's name) replaced by blanks: from
// after the previous ';' or '}' to the ';' that ends the declaration. Line
// structure and markers are kept, so later diagnostics still name the
// original lines.
std::string blank_declarations(const std::string& text,
                               const std::vector<std::pair<std::string, unsigned>>& where) {
  std::vector<size_t> starts{0};
  for (size_t p = 0; p < text.size(); ++p)
    if (text[p] == '\n') starts.push_back(p + 1);
  const size_t nlines = starts.size();
  auto is_marker = [&](size_t l) {  // "# 12 "file.h" 2"
    const size_t p = starts[l];
    return p + 2 < text.size() && text[p] == '#' && text[p + 1] == ' ' &&
           std::isdigit(static_cast<unsigned char>(text[p + 2]));
  };
  std::map<std::pair<std::string, unsigned>, size_t> first;  // (file, line) -> .i line
  std::map<std::string, std::string> canon;
  static const std::regex marker(R"re(^# ([0-9]+) "([^"]*)".*)re");
  std::string cur;
  unsigned cur_line = 0;
  for (size_t l = 0; l < nlines; ++l) {
    const size_t e = l + 1 < nlines ? starts[l + 1] - 1 : text.size();
    if (is_marker(l)) {
      std::smatch m;
      const std::string line = text.substr(starts[l], e - starts[l]);
      if (std::regex_match(line, m, marker)) {
        auto c = canon.find(m[2].str());
        if (c == canon.end()) c = canon.emplace(m[2].str(), canonical(m[2].str())).first;
        cur = c->second;
        cur_line = static_cast<unsigned>(std::stoul(m[1].str()));
        continue;
      }
    }
    first.emplace(std::make_pair(cur, cur_line), l);
    ++cur_line;
  }
  std::string out = text;
  for (const auto& [file, line] : where) {
    auto it = first.find({canonical(file), line});
    if (it == first.end()) continue;
    // Back to the end of the previous declaration.
    size_t from = starts[it->second];
    for (size_t l = it->second; l-- > 0 && it->second - l < 64;) {
      if (is_marker(l)) continue;
      const size_t e = starts[l + 1] - 1;
      const size_t p = text.find_last_of(";}", e);
      if (p != std::string::npos && p >= starts[l]) {
        from = p + 1;
        break;
      }
      from = starts[l];
    }
    // Forward to its ';'.
    int depth = 0;
    size_t to = from;
    for (size_t p = starts[it->second]; p < text.size(); ++p) {
      const char c = text[p];
      if (c == '\n' && p + 1 < text.size() && text[p + 1] == '#') {
        p = text.find('\n', p + 1);
        if (p == std::string::npos) break;
        --p;
        continue;
      }
      if (c == '(' || c == '{') ++depth;
      if (c == ')' || c == '}') --depth;
      if (c == ';' && depth <= 0) {
        to = p + 1;
        break;
      }
    }
    bool in_marker = from > 0 && text[from] == '#' && text[from - 1] == '\n';
    for (size_t p = from; p < to; ++p) {
      if (text[p] == '\n') {
        in_marker = p + 1 < text.size() && text[p + 1] == '#';
        continue;
      }
      if (!in_marker) out[p] = ' ';
    }
  }
  return out;
}

// One arch's pipeline over every file: compile each case library, run it.
class ArchPipeline {
 public:
  ArchPipeline(const Toolchain& tc, const ConformRequest& req, const std::vector<FileCase>& files)
      : tc_(tc), req_(req), files_(files), results_(files.size()), unsupported_(files.size()) {
    for (const CompilerPair& p : req.pairs) {
      pair_results_[p.name()].resize(files.size());
      pair_unsupported_[p.name()].resize(files.size());
      for (const std::string& n : {p.caller, p.callee})
        if (!compilers_.count(n)) compilers_.emplace(n, find_compiler(n, tc.arch, tc.cc));
    }
  }

  void run() {
    try {
      for (size_t i = 0; i < files_.size(); ++i)
        if (!files_[i].source.cases.empty()) run_file(i);
    } catch (...) {
      error_ = std::current_exception();
    }
  }
  void rethrow() const {
    if (error_) std::rethrow_exception(error_);
  }
  const FileResults& results(size_t file) const { return results_[file]; }
  // function -> why it is unsupported on this arch only
  const std::map<std::string, std::string>& unsupported(size_t file) const {
    return unsupported_[file];
  }
  // The same for a compiler pair's library.
  const FileResults& pair_results(const CompilerPair& p, size_t file) const {
    return pair_results_.at(p.name())[file];
  }
  const std::map<std::string, std::string>& pair_unsupported(const CompilerPair& p,
                                                             size_t file) const {
    return pair_unsupported_.at(p.name())[file];
  }
  const std::vector<StageTime>& times() const { return times_; }

 private:
  void progress(const std::string& s) const {
    if (req_.progress) req_.progress(s);
  }

  std::string arch() const { return std::string(arch_name(tc_.arch)); }
  std::string rejects(const std::string& what) const {
    return "the " + arch() + " compiler (" + tc_.cc + ") rejects " + what;
  }

  // Compiles cases[which] of file i against `include` into `so`.
  ProcessResult compile(size_t i, const std::vector<size_t>& which, const std::string& include,
                        std::vector<unsigned>* lines) {
    const FileCase& f = files_[i];
    const std::string src = f.dir + "/case-" + arch() + ".c",
                      so = f.dir + "/case-" + arch() + ".so";
    write_text(src, f.source.assemble(which, include, lines));
    const std::vector<std::string> cc{tc_.cc,  "-std=gnu11", "-O2", "-fPIC", "-shared",
                                      "-gbtf", "-g",         "-w",  "-I",    f.include_dir,
                                      "-o",    so,           src};
    ProcessResult r = run_process(cc);
    if (!r.ok() && compiler_errors(r.err).empty()) r.err += "\n" + failure_text(r, cc);
    ++compiles_;
    return r;
  }

  static std::string first_error(const ProcessResult& r) {
    const auto errs = compiler_errors(r.err);
    if (!errs.empty()) return errs[0].text;
    std::string s = r.failure.empty() ? r.err : r.failure;
    if (s.size() > 400) s = s.substr(0, 400) + "...";
    for (char& c : s)
      if (c == '\n' || c == '\t') c = ' ';
    return s;
  }

  // The declared function whose declaration (name at f.line, the rest on the
  // lines after it) holds `e`, if any.
  std::optional<size_t> declaration_at(size_t i, const CompilerError& e) const {
    const std::vector<DeclaredFunction>& fns = files_[i].source.functions;
    std::optional<size_t> best;
    const std::string file = canonical(e.file);
    for (size_t k = 0; k < fns.size(); ++k) {
      if (fns[k].line > e.line || e.line - fns[k].line > 32) continue;
      if (canonical(fns[k].path) != file) continue;
      if (!best || fns[k].line > fns[*best].line) best = k;
    }
    return best;
  }

  // The function of file i whose generated code holds `line`, given the
  // first lines of cases[active[k]] (CaseSource::assemble).
  std::optional<size_t> case_at(size_t i, const std::vector<size_t>& active,
                                const std::vector<unsigned>& lines, unsigned line) const {
    auto up = std::upper_bound(lines.begin(), lines.end(), line);
    if (up == lines.begin() || up == lines.end()) return std::nullopt;
    return files_[i].source.cases[active[static_cast<size_t>(up - lines.begin()) - 1]].function;
  }

  // Compiles file i's case library for this arch, leaving out what the
  // compiler rejects (recorded in unsupported_[i]). Returns the cases in the
  // library, or nullopt when nothing could be compiled.
  // `include` is set to what the library includes for the user's file.
  std::optional<std::vector<size_t>> build(size_t i, std::string& include) {
    const FileCase& f = files_[i];
    const std::vector<DeclaredFunction>& fns = f.source.functions;
    std::map<std::string, std::string>& unsup = unsupported_[i];
    std::vector<size_t> active = f.source.all_cases();
    include = f.source.file;
    std::string preprocessed;  // this arch's -E output of the user's file
    std::vector<std::pair<std::string, unsigned>> blanked;
    auto drop = [&](const std::set<size_t>& fn_indices) {
      std::vector<size_t> keep;
      for (size_t k : active)
        if (!fn_indices.count(f.source.cases[k].function)) keep.push_back(k);
      active.swap(keep);
    };
    for (int round = 0; round < 16; ++round) {
      std::vector<unsigned> lines;
      const ProcessResult c = compile(i, active, include, &lines);
      if (c.ok()) return active;
      const std::vector<CompilerError> errs = compiler_errors(c.err);
      const std::string src = f.dir + "/case-" + arch() + ".c";
      // Errors in the generated code: the function whose lines hold them.
      std::set<size_t> in_case;
      std::set<size_t> in_decl;
      for (const CompilerError& e : errs) {
        if (e.file == src) {
          const std::optional<size_t> fn = case_at(i, active, lines, e.line);
          if (fn && in_case.insert(*fn).second)
            unsup.emplace(fns[*fn].name, rejects("its case code: " + e.text));
        } else if (auto fn = declaration_at(i, e)) {
          if (std::find(blanked.begin(), blanked.end(),
                        std::make_pair(fns[*fn].path, fns[*fn].line)) != blanked.end())
            continue;
          if (in_decl.insert(*fn).second)
            unsup[fns[*fn].name] = rejects("its declaration: " + e.text);
        }
      }
      if (!in_case.empty()) {
        progress(arch() + ": " + std::to_string(in_case.size()) + " function(s) of " + f.label +
                 " do not compile; leaving them out");
        drop(in_case);
        continue;
      }
      if (!in_decl.empty()) {
        if (preprocessed.empty()) {
          const std::vector<std::string> pp{tc_.cc, "-std=gnu11",  "-E",
                                            "-I",   f.include_dir, f.source.file};
          ProcessResult p = run_process(pp);
          if (!p.ok()) break;
          preprocessed = std::move(p.out);
        }
        for (size_t fn : in_decl) blanked.emplace_back(fns[fn].path, fns[fn].line);
        include = f.dir + "/user-" + arch() + ".i";
        write_text(include, blank_declarations(preprocessed, blanked));
        progress(arch() + ": " + std::to_string(in_decl.size()) + " declaration(s) in " + f.label +
                 " do not compile; leaving them out");
        drop(in_decl);
        continue;
      }
      break;
    }
    // Not attributable by line: bisect the functions.
    const ProcessResult none = compile(i, {}, include, nullptr);
    if (!none.ok()) {
      const std::string why = rejects("the declarations it depends on: " + first_error(none));
      for (size_t k : active) unsup.emplace(fns[f.source.cases[k].function].name, why);
      return std::nullopt;
    }
    progress(arch() + ": " + f.label + " does not compile for " + arch() +
             "; bisecting its functions");
    std::set<size_t> bad;
    std::function<void(const std::vector<size_t>&)> bisect = [&](const std::vector<size_t>& set) {
      const ProcessResult r = compile(i, set, include, nullptr);
      if (r.ok()) return;
      if (set.size() == 1) {
        const size_t fn = f.source.cases[set[0]].function;
        bad.insert(fn);
        unsup.emplace(fns[fn].name, rejects("its case code: " + first_error(r)));
        return;
      }
      const auto mid = set.begin() + static_cast<std::ptrdiff_t>(set.size() / 2);
      bisect(std::vector<size_t>(set.begin(), mid));
      bisect(std::vector<size_t>(mid, set.end()));
    };
    bisect(active);
    drop(bad);
    const ProcessResult last = compile(i, active, include, nullptr);
    if (last.ok()) return active;
    const std::string why = rejects("the case library with it: " + first_error(last));
    for (size_t k : active) unsup.emplace(fns[f.source.cases[k].function].name, why);
    return std::nullopt;
  }

  void run_file(size_t i) {
    const FileCase& f = files_[i];
    const std::string so = f.dir + "/case-" + arch() + ".so";
    progress(arch() + ": compiling " + f.label + " (" + std::to_string(f.source.cases.size()) +
             " functions)");
    auto t0 = Clock::now();
    compiles_ = 0;
    std::string include;
    const std::optional<std::vector<size_t>> built = build(i, include);
    times_.push_back({"compile " + arch() + " " + f.name() +
                          (compiles_ > 1 ? " (" + std::to_string(compiles_) + " compiles)" : ""),
                      since(t0)});
    if (!built || built->empty()) return;
    run_library(i, so, "", policy_arg(req_.policies), "", results_[i]);
    std::vector<size_t> subset = *built;
    if (req_.pair_functions > 0)
      std::erase_if(subset, [&](size_t k) {
        return files_[i].source.cases[k].function >= req_.pair_functions;
      });
    for (const CompilerPair& p : req_.pairs) run_pair(i, p, subset, include, so);
  }

  // Runs the runner on `so` into `out`; `label` names the pair ("" for the
  // ordinary library).
  void run_library(size_t i, const std::string& so, const std::string& debug_info,
                   const std::string& policy, const std::string& label, FileResults& out) {
    const FileCase& f = files_[i];
    const std::string what = arch() + (label.empty() ? "" : " " + label) + " " + f.name();
    std::vector<std::string> run = tc_.run_prefix;
    run.insert(run.end(), {tc_.runner, "--policy", policy});
    if (!debug_info.empty()) run.insert(run.end(), {"--baseline", "--debug-info", debug_info});
    run.push_back(so);
    progress(arch() + ": running " + f.label + (label.empty() ? "" : " (" + label + ")") +
             (tc_.run_prefix.empty() ? "" : " under " + tc_.run_prefix[0]));
    const auto t0 = Clock::now();
    ProcessResult r = run_process(run);
    times_.push_back({"run " + what, since(t0)});
    if (!r.ok())
      throw Error(Errc::bad_request, arch() + ": the runner failed: " + failure_text(r, run));
    std::istringstream in(r.out);
    std::string line;
    std::map<std::string, unsigned> counts;
    while (std::getline(in, line)) {
      // NAME \t POLICY \t STATUS \t DETAIL
      std::vector<std::string> col;
      std::istringstream ls(line);
      for (std::string c2; std::getline(ls, c2, '\t');) col.push_back(c2);
      if (col.size() < 3) continue;
      const auto pol = parse_policy(col[1]);
      if (!pol) continue;
      ++counts[col[2]];
      out[col[0]][*pol] = {col[2], col.size() > 3 ? col[3] : ""};
    }
    char secs[32];
    std::snprintf(secs, sizeof secs, "%.1f", since(t0));
    std::string summary;
    for (const char* st : {"pass", "fail", "unsupported", "finding"})
      if (counts[st] > 0 || std::string(st) != "finding")
        summary += (summary.empty() ? "" : ", ") + std::to_string(counts[st]) + " " + st;
    progress(arch() + ": " + f.label + (label.empty() ? "" : " (" + label + ")") + ": " + summary +
             " (" + secs + " s)");
  }

  // The library of file i's cases `active` with the callers from p.caller
  // and the callees from p.callee, linked by this arch's GCC; psabi, modelled
  // from `base_so` (the ordinary library: the same functions, GCC's debug info).
  void run_pair(size_t i, const CompilerPair& p, std::vector<size_t> active,
                const std::string& include, const std::string& base_so) {
    const FileCase& f = files_[i];
    const std::vector<DeclaredFunction>& fns = f.source.functions;
    std::map<std::string, std::string>& unsup = pair_unsupported_.at(p.name())[i];
    auto all_unsupported = [&](const std::string& why) {
      for (size_t k : active) unsup.emplace(fns[f.source.cases[k].function].name, why);
    };
    const ArchCompiler &caller = compilers_.at(p.caller), &callee = compilers_.at(p.callee);
    for (const ArchCompiler* c : {&caller, &callee})
      if (!c->missing.empty()) return all_unsupported("compiler missing: " + c->missing);
    const std::string stem = f.dir + "/case-" + arch() + "-" + p.caller + "-" + p.callee;
    const std::string so = stem + ".so";
    const auto t0 = Clock::now();
    unsigned compiles = 0;
    std::vector<std::string> objects;
    for (int round = 0; objects.size() < 2; ++round) {
      if (active.empty()) return;
      objects.clear();
      std::set<size_t> bad;
      for (const CaseHalf half : {CaseHalf::callees, CaseHalf::callers}) {
        const bool callees = half == CaseHalf::callees;
        const ArchCompiler& c = callees ? callee : caller;
        const std::string src = stem + (callees ? "-callee.c" : "-caller.c");
        const std::string rejects = "the " + arch() + " " + c.name + " compiler rejects ";
        std::vector<unsigned> lines;
        write_text(src, f.source.assemble(active, include, &lines, half));
        ++compiles;
        const ProcessResult r = compile_object(c, tc_.cc, f.include_dir, src, src + ".o");
        if (r.ok()) {
          objects.push_back(src + ".o");
          continue;
        }
        bool blamed = false;
        for (const CompilerError& e : compiler_errors(r.err))
          if (e.file == src)
            if (const std::optional<size_t> fn = case_at(i, active, lines, e.line)) {
              blamed = true;
              if (bad.insert(*fn).second)
                unsup.emplace(fns[*fn].name,
                              rejects + (callees ? "its callee: " : "its caller: ") + e.text);
            }
        if (!blamed || round > 8)
          return all_unsupported(rejects + "the case library: " + first_error(r));
      }
      std::vector<size_t> keep;
      for (size_t k : active)
        if (!bad.count(f.source.cases[k].function)) keep.push_back(k);
      active.swap(keep);
    }
    std::vector<std::string> link{tc_.cc, "-shared", "-o", so};
    link.insert(link.end(), objects.begin(), objects.end());
    if (const ProcessResult r = run_process(link); !r.ok())
      return all_unsupported("linking the " + p.name() + " library failed: " + first_error(r));
    times_.push_back({"compile " + arch() + " " + p.name() + " " + f.name() + " (" +
                          std::to_string(compiles) + " compiles)",
                      since(t0)});
    run_library(i, so, base_so, "psabi", p.name(), pair_results_.at(p.name())[i]);
  }

  const Toolchain& tc_;
  const ConformRequest& req_;
  const std::vector<FileCase>& files_;
  std::vector<FileResults> results_;
  std::vector<std::map<std::string, std::string>> unsupported_;
  std::map<std::string, ArchCompiler> compilers_;  // by name, for req_.pairs
  std::map<std::string, std::vector<FileResults>> pair_results_;
  std::map<std::string, std::vector<std::map<std::string, std::string>>> pair_unsupported_;
  std::vector<StageTime> times_;
  unsigned compiles_ = 0;
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
    f.source = make_case_source(req.files[i], host.cc, f.dir, req.declared_in);
    out.times.push_back({"generate the case library of " + f.name(), since(t0)});
    if (req.progress)
      req.progress(f.label + ": " + std::to_string(f.source.functions.size()) + " functions, " +
                   std::to_string(f.source.cases.size()) + " to test");
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
    for (size_t fi = 0; fi < files[i].source.functions.size(); ++fi)
      for (size_t a = 0; a < tcs.size(); ++a) {
        const DeclaredFunction& fn = files[i].source.functions[fi];
        const ArchPipeline& pipe = *pipes[a];
        auto record = [&](Policy pol, const std::string& pair, const FileResults& fr,
                          const std::map<std::string, std::string>& pair_unsup) {
          Record r{fn.name,        i,    tcs[a].arch,      pol, "unsupported",
                   fn.unsupported, pair, fn.floating_point};
          const auto& arch_unsup = pipe.unsupported(i);
          if (auto u = arch_unsup.find(fn.name); u != arch_unsup.end()) {
            r.detail = u->second;
          } else if (auto pu = pair_unsup.find(fn.name); pu != pair_unsup.end()) {
            r.detail = pu->second;
          } else if (fn.unsupported.empty()) {
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
        };
        for (Policy pol : req.policies) record(pol, "", pipe.results(i), {});
        if (req.pair_functions == 0 || fi < req.pair_functions)
          for (const CompilerPair& p : req.pairs)
            record(Policy::psabi, p.name(), pipe.pair_results(p, i), pipe.pair_unsupported(p, i));
      }
  return out;
}

}  // namespace xtramp::conform
