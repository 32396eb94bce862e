#include "cli/matrix_report.hpp"

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <regex>
#include <set>

#include "cli/conform_report.hpp"
#include "cli/pair_report.hpp"
#include "cli/text_table.hpp"
#include "common/target.hpp"

namespace xtramp::cli {

using conform::Record;

namespace {

std::string cell_text(const MatrixCell& c) {
  std::string s = std::to_string(c.pass) + "/" + std::to_string(c.ran());
  if (c.unsupported) s += " u:" + std::to_string(c.unsupported);
  return s;
}

// Why the kernel JIT's placement (the `linux` policy) misplaces a group on an
// arch: the ABI rules the JITs do not follow, and the groups whose failures
// each rule explains (checked against the failing arguments' types), from the
// arch's description (TargetDesc::jit_departures). A (arch, group) that fails
// under `linux` and is not listed there is reported as unexplained, and so is
// every psabi failure.
std::vector<const JitDeparture*> causes_of(Arch a, const std::string& group) {
  std::vector<const JitDeparture*> out;
  for (const JitDeparture& c : target(a).jit_departures)
    for (std::string_view g : c.groups)
      if (g == group) out.push_back(&c);
  return out;
}

// The cell of (group, arch, policy), or an empty one.
MatrixCell cell(const MatrixSummary& s, const std::string& g, Arch a, Policy p) {
  auto row = s.cells.find(g);
  if (row == s.cells.end()) return {};
  auto it = row->second.find({a, p});
  return it == row->second.end() ? MatrixCell{} : it->second;
}

std::string machine() {
  utsname u{};
  uname(&u);
  return std::string(u.machine) + ", " + std::to_string(sysconf(_SC_NPROCESSORS_ONLN)) +
         " CPUs, kernel " + u.release;
}

std::string now_utc() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", std::gmtime(&t));
  return buf;
}

// "x86-64 natively, arm64 and s390x under qemu-user": where each arch's
// functions run.
std::string run_where() {
  std::vector<std::string> foreign;
  for (const TargetDesc* t : targets())
    if (!t->is_host) foreign.emplace_back(t->prose_name);
  std::string s = std::string(target(host_arch()).prose_name) + " natively";
  for (size_t i = 0; i < foreign.size(); ++i)
    s += (i == 0 ? ", " : i + 1 == foreign.size() ? " and " : ", ") + foreign[i];
  return foreign.empty() ? s : s + " under qemu-user";
}

// "x86-64 `-mno-sse -mno-80387`, arm64 ...": how each arch's kernel C avoids
// floating point.
std::string float_flags() {
  std::string s;
  for (const TargetDesc* t : targets())
    s += (s.empty() ? "" : ", ") + std::string(t->prose_name) + " " +
         std::string(t->kernel_float_flags);
  return s;
}

}  // namespace

MatrixSummary summarize(const conform::ConformRequest& req, const conform::ConformResult& res,
                        const std::vector<std::string>& group_of_file,
                        const std::vector<std::string>& group_order) {
  MatrixSummary s;
  s.arches = req.arches;
  s.policies = req.policies;
  s.groups = group_order;
  for (const Record& r : res.records) {
    if (!r.pair.empty()) continue;  // pairs_markdown
    std::string g = r.file < group_of_file.size() ? group_of_file[r.file] : "";
    if (g.empty()) {
      // gen_<group>_<i>
      const size_t a = r.function.find('_'), b = r.function.rfind('_');
      g = a != b ? "generated/" + r.function.substr(a + 1, b - a - 1) : "other";
    }
    s.group_of[r.function] = g;
    MatrixCell& c = s.cells[g][{r.arch, r.policy}];
    (r.status == "pass" ? c.pass : r.status == "fail" ? c.fail : c.unsupported)++;
    if (r.status == "fail" && !r.floating_point) ++c.fail_kernel_c;
  }
  for (const auto& [g, _] : s.cells) {
    bool listed = false;
    for (const std::string& o : s.groups) listed = listed || o == g;
    if (!listed) s.groups.push_back(g);
  }
  std::erase_if(s.groups, [&](const std::string& g) { return !s.cells.count(g); });
  return s;
}

std::string matrix_text(const MatrixSummary& s) {
  std::vector<TextTable::Align> align(1 + s.arches.size() * s.policies.size(),
                                      TextTable::Align::right);
  align[0] = TextTable::Align::left;
  TextTable t(align);
  std::vector<std::string> head{"group"};
  for (Arch a : s.arches)
    for (Policy p : s.policies) head.push_back(arch_policy(a, p));
  t.add_row(head);
  std::map<std::pair<Arch, Policy>, MatrixCell> total;
  for (const std::string& g : s.groups) {
    std::vector<std::string> row{g};
    for (Arch a : s.arches)
      for (Policy p : s.policies) {
        const MatrixCell c = cell(s, g, a, p);
        MatrixCell& tc = total[{a, p}];
        tc.pass += c.pass;
        tc.fail += c.fail;
        tc.unsupported += c.unsupported;
        row.push_back(cell_text(c));
      }
    t.add_row(row);
  }
  std::vector<std::string> row{"all"};
  for (Arch a : s.arches)
    for (Policy p : s.policies) row.push_back(cell_text(total[{a, p}]));
  t.add_row(row);
  return t.render("") + "(passed/ran; u:N = N cases unsupported under that policy, i.e. not run)\n";
}

std::vector<std::string> unexplained_failures(const MatrixSummary& s) {
  std::vector<std::string> out;
  for (const std::string& g : s.groups)
    for (Arch a : s.arches)
      for (Policy p : s.policies) {
        if (cell(s, g, a, p).fail == 0) continue;
        if (p == Policy::psabi || causes_of(a, g).empty())
          out.push_back(g + " on " + arch_policy(a, p));
      }
  return out;
}

namespace {

// A reason's shape, to count alike reasons together: argument numbers,
// line numbers and the function's own name dropped.
std::string reason_shape(const Record& r) {
  static const std::regex arg(R"(argument [0-9]+)"), line(R"(\.(c|h|i):[0-9]+:)");
  std::string why = r.detail;
  if (size_t at = why.find(r.function); at != std::string::npos)
    why.replace(at, r.function.size(), "F");
  why = std::regex_replace(why, arg, "argument N");
  return std::regex_replace(why, line, ".$1:N:");
}

struct LibCounts {
  std::map<Arch, MatrixCell> cells;
  size_t functions = 0;
  // (arch, shape) -> count, first function
  std::map<std::pair<Arch, std::string>, std::pair<int, std::string>> reasons;
};

LibCounts count_library(const LibraryRun& l) {
  LibCounts c;
  std::set<std::string> fns;
  for (const Record& r : l.res.records) {
    if (r.policy != Policy::psabi) continue;
    fns.insert(r.function);
    MatrixCell& cell = c.cells[r.arch];
    if (r.status == "pass") {
      ++cell.pass;
    } else if (r.status == "fail") {
      ++cell.fail;
    } else {
      ++cell.unsupported;
      auto& e = c.reasons[{r.arch, reason_shape(r)}];
      if (e.first++ == 0) e.second = r.function;
    }
  }
  c.functions = fns.size();
  return c;
}

std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", s);
  return buf;
}

}  // namespace

std::string libraries_text(const std::vector<LibraryRun>& libs) {
  std::string out;
  for (const LibraryRun& l : libs) {
    const LibCounts c = count_library(l);
    out += l.name + " (<" + l.header + ">, " + std::to_string(c.functions) + " functions, " +
           seconds_text(l.seconds) + " s), psabi:";
    for (Arch a : l.req.arches) {
      const MatrixCell m = c.cells.count(a) ? c.cells.at(a) : MatrixCell{};
      out += std::string("  ") + std::string(arch_name(a)) + " " + std::to_string(m.pass) +
             " pass, " + std::to_string(m.fail) + " fail, " + std::to_string(m.unsupported) +
             " unsupported;";
    }
    out += "\n";
    for (const Record& r : l.res.records)
      if (r.status == "fail")
        out +=
            "  FAIL " + r.function + " " + arch_policy(r.arch, r.policy) + ": " + r.detail + "\n";
  }
  return out;
}

std::string matrix_markdown(const MatrixSummary& s, const conform::ConformResult& res,
                            const MatrixDocInfo& info, const std::vector<LibraryRun>& libs) {
  std::string md;
  md += "# The cross-architecture conformance matrix\n\n";
  md +=
      "Generated by `xtramp matrix`. Do not edit by hand: rerun it (README's first command "
      "does).\n\n";
  md += "- generated: " + now_utc() + "\n- machine: " + machine() + "\n- command: `" +
        info.command + "`\n- generated corpus: seed " + std::to_string(info.seed) + ", " +
        std::to_string(info.count) + " signatures\n";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1f", info.seconds);
  md += std::string("- wall time: ") + buf + " s\n\n";
  md +=
      "Every function is round-tripped on each architecture under that architecture's GCC "
      "(" +
      run_where() +
      "): a GCC-compiled caller passes "
      "graffiti values (each byte encodes its argument and byte index) through an xtramp "
      "trampoline built from the callee's BTF to a GCC-compiled callee. Checked: the fentry "
      "ctx holds the caller's bytes, the callee received exactly them, fexit sees the real "
      "return value, fmod_ret overrides it and skips the callee. `psabi` places arguments by "
      "the real ABI; `linux` by xtramp's models of the upstream kernel JITs. See "
      "docs/placement.md and `xtramp conform --help`.\n\n";
  md +=
      "## Summary\n\nCells: passed/ran; `u:N`: N cases the policy refuses (not run; e.g. the "
      "kernel refuses floats, struct returns and structs over 16 bytes).\n\n";
  md += "| group |";
  std::string sep = "|---|";
  for (Arch a : s.arches)
    for (Policy p : s.policies) {
      md += " " + arch_policy(a, p) + " |";
      sep += "---:|";
    }
  md += "\n" + sep + "\n";
  for (const std::string& g : s.groups) {
    md += "| " + g + " |";
    for (Arch a : s.arches)
      for (Policy p : s.policies) {
        const MatrixCell c = cell(s, g, a, p);
        md += " " + (c.fail ? "**" + cell_text(c) + "**" : cell_text(c)) + " |";
      }
    md += "\n";
  }

  md += "\n## Where `linux` fails, and why\n\n";
  md +=
      "Each count says how many of the failures a kernel can meet: kernel C is built without "
      "floating point (" +
      float_flags() +
      "), so only a function with no float, double or long double anywhere in "
      "its prototype can be traced in a kernel. Those are the failures of the kernel's own "
      "trampolines, which `xtramp kernel-check` measures on real kernels (docs/kernel.md); the "
      "rest (floating point) are failures only a user-space tracer that follows the kernel's "
      "placement would meet.\n\n";
  md += "| arch | linux failures | kernel C | floating point only |\n|---|---:|---:|---:|\n";
  for (Arch a : s.arches) {
    int fails = 0, kc = 0;
    for (const std::string& g : s.groups) {
      fails += cell(s, g, a, Policy::linux_jit).fail;
      kc += cell(s, g, a, Policy::linux_jit).fail_kernel_c;
    }
    md += "| " + std::string(arch_name(a)) + " | " + std::to_string(fails) + " | " +
          std::to_string(kc) + " | " + std::to_string(fails - kc) + " |\n";
  }
  md += "\n";
  bool any = false;
  for (Arch a : s.arches) {
    std::string groups;
    int fails = 0, kc = 0;
    for (const std::string& g : s.groups) {
      const MatrixCell c = cell(s, g, a, Policy::linux_jit);
      if (c.fail == 0) continue;
      groups += (groups.empty() ? "" : ", ") + g + " (" + std::to_string(c.fail) +
                (c.fail_kernel_c == c.fail ? ", kernel C"
                 : c.fail_kernel_c == 0    ? ", floating point"
                                           : ", " + std::to_string(c.fail_kernel_c) + " kernel C") +
                ")";
      fails += c.fail;
      kc += c.fail_kernel_c;
    }
    if (fails == 0) continue;
    any = true;
    md += "### " + std::string(arch_name(a)) + ": " + std::to_string(fails) + " failing (" +
          std::to_string(kc) + " kernel C, " + std::to_string(fails - kc) +
          " floating point only): " + groups + "\n\n";
    for (const JitDeparture& c : target(a).jit_departures) {
      std::string hit;
      for (std::string_view gv : c.groups) {
        const std::string g(gv);
        if (cell(s, g, a, Policy::linux_jit).fail) hit += (hit.empty() ? "" : ", ") + g;
      }
      if (!hit.empty()) md += "- " + std::string(c.rule) + " Groups: " + hit + ".\n";
    }
    md += "\n";
  }
  if (!any) md += "No `linux` failure in this run: the model or the test is wrong.\n";
  const std::vector<std::string> unexplained = unexplained_failures(s);
  if (!unexplained.empty()) {
    md +=
        "\n**Not explained** (a psabi failure is a bug in xtramp; a linux failure here is a "
        "finding nobody has analysed yet):\n\n";
    for (const std::string& u : unexplained) md += "- " + u + "\n";
  }

  md += "\n## Failures (first mismatch each, at most 5 per group and column)\n\n";
  std::map<std::string, int> shown;
  for (const Record& r : res.records) {
    if (r.status != "fail" || !r.pair.empty()) continue;
    const std::string key = s.group_of.at(r.function) + " " + arch_policy(r.arch, r.policy);
    if (shown[key]++ >= 5) continue;
    md += "- `" + r.function + "` " + arch_policy(r.arch, r.policy) + ": " + r.detail + "\n";
  }
  if (shown.empty()) md += "None.\n";

  md +=
      "\n## Why cases are unsupported\n\n| arch/policy | cases | reason (first example) "
      "|\n|---|---:|---|\n";
  std::map<std::pair<std::string, std::string>, std::pair<int, std::string>> reasons;
  for (const Record& r : res.records) {
    if (r.status != "unsupported" || !r.pair.empty()) continue;
    // Group the kernel's messages by their shape: drop the function's name.
    std::string why = r.detail;
    if (size_t at = why.find(r.function); at != std::string::npos)
      why.replace(at, r.function.size(), "F");
    auto& e = reasons[{arch_policy(r.arch, r.policy), why}];
    if (e.first++ == 0) e.second = r.function;
  }
  for (const auto& [k, v] : reasons)
    md += "| " + k.first + " | " + std::to_string(v.first) + " | " + k.second + " (`" + v.second +
          "`) |\n";

  md += pairs_markdown(res, info.pair_count == 0 ? ""
                                                 : "the first " + std::to_string(info.pair_count) +
                                                       " functions of each corpus file");

  if (!libs.empty()) {
    md +=
        "\n## Real libraries\n\nThe public API of Debian -dev packages: a C file that only "
        "includes the library's header, run as `xtramp conform --policy psabi --declared-in DIR "
        "FILE.c` (every function declared in the headers under DIR that the file includes; "
        "`xtramp matrix --library NAME:HEADER:DIR` runs them here). Cells: psabi passed / failed "
        "/ unsupported functions. A function whose types xtramp does not model (read from GCC's "
        "DWARF), a variadic one, a static inline one (defined in the header: nothing to trace) "
        "or one an arch's GCC rejects is unsupported on that arch with the reason; the others "
        "run.\n\n| library | header | --declared-in | functions |";
    std::string sep2 = "|---|---|---|---:|";
    const std::vector<Arch>& arches = libs.front().req.arches;
    for (Arch a : arches) {
      md += " " + std::string(arch_name(a)) + " pass/fail/unsup. |";
      sep2 += "---:|";
    }
    md += " seconds |\n" + sep2 + "---:|\n";
    std::vector<LibCounts> counts;
    for (const LibraryRun& l : libs) {
      counts.push_back(count_library(l));
      const LibCounts& c = counts.back();
      std::string header = "`<" + l.header + ">`";
      for (size_t at = 0; (at = header.find(',', at)) != std::string::npos; at += 6)
        header.replace(at, 1, ">`, `<");
      md += "| " + l.name + " | " + header + " | `" + l.declared_in + "` | " +
            std::to_string(c.functions) + " |";
      for (Arch a : arches) {
        const MatrixCell m = c.cells.count(a) ? c.cells.at(a) : MatrixCell{};
        const std::string t = std::to_string(m.pass) + " / " + std::to_string(m.fail) + " / " +
                              std::to_string(m.unsupported);
        md += " " + (m.fail ? "**" + t + "**" : t) + " |";
      }
      md += " " + seconds_text(l.seconds) + " |\n";
    }
    for (size_t i = 0; i < libs.size(); ++i) {
      md += "\n### " + libs[i].name + ": why functions are unsupported\n\n";
      if (counts[i].reasons.empty()) {
        md += "None.\n";
      } else {
        md += "| arch | functions | reason (first example) |\n|---|---:|---|\n";
        // Most frequent first within each arch.
        std::vector<std::pair<std::pair<Arch, std::string>, std::pair<int, std::string>>> rows(
            counts[i].reasons.begin(), counts[i].reasons.end());
        std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
          if (a.first.first != b.first.first) return a.first.first < b.first.first;
          return a.second.first > b.second.first;
        });
        for (const auto& [k, v] : rows) {
          std::string why = k.second;
          for (char& ch : why)
            if (ch == '|') ch = '/';
          md += "| " + std::string(arch_name(k.first)) + " | " + std::to_string(v.first) + " | " +
                why + " (`" + v.second + "`) |\n";
        }
      }
      bool fails = false;
      for (const Record& r : libs[i].res.records)
        if (r.status == "fail") {
          if (!fails) md += "\nFailures (a psabi failure is a bug in xtramp):\n\n";
          fails = true;
          md += "- `" + r.function + "` " + arch_policy(r.arch, r.policy) + ": " + r.detail + "\n";
        }
    }
  }

  md += "\n## Time per stage\n\n| stage | seconds |\n|---|---:|\n";
  for (const conform::StageTime& t : res.times) {
    std::snprintf(buf, sizeof buf, "%.2f", t.seconds);
    md += "| " + t.what + " | " + buf + " |\n";
  }
  return md;
}

}  // namespace xtramp::cli
