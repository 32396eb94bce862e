#include "cli/pair_report.hpp"

#include <algorithm>
#include <map>
#include <tuple>
#include <utility>
#include <vector>

#include "cli/text_table.hpp"

namespace xtramp::cli {
namespace {

using conform::Record;

struct PairCell {
  int pass = 0, fail = 0, finding = 0, unsupported = 0;
};

struct PairCounts {
  std::vector<std::string> pairs;  // in order of appearance
  std::vector<Arch> arches;
  std::map<std::pair<std::string, Arch>, PairCell> cells;
  // (pair, arch, reason) -> count, first function; the unsupported ones
  std::map<std::tuple<std::string, Arch, std::string>, std::pair<int, std::string>> reasons;
};

PairCounts count_pairs(const conform::ConformResult& res) {
  PairCounts c;
  for (const Record& r : res.records) {
    if (r.pair.empty()) continue;
    if (std::find(c.pairs.begin(), c.pairs.end(), r.pair) == c.pairs.end())
      c.pairs.push_back(r.pair);
    if (std::find(c.arches.begin(), c.arches.end(), r.arch) == c.arches.end())
      c.arches.push_back(r.arch);
    PairCell& cell = c.cells[{r.pair, r.arch}];
    if (r.status == "pass") {
      ++cell.pass;
    } else if (r.status == "fail") {
      ++cell.fail;
    } else if (r.status == "finding") {
      ++cell.finding;
    } else {
      ++cell.unsupported;
      auto& e = c.reasons[{r.pair, r.arch, r.detail}];
      if (e.first++ == 0) e.second = r.function;
    }
  }
  return c;
}

std::string cell_text(const PairCell& c) {
  return std::to_string(c.pass) + " / " + std::to_string(c.fail) + " / " +
         std::to_string(c.finding) + " / " + std::to_string(c.unsupported);
}

std::string where(const Record& r) {
  return r.function + " " + std::string(arch_name(r.arch)) + " " + r.pair;
}

}  // namespace

std::string conform_pairs_text(const conform::ConformResult& res) {
  const PairCounts c = count_pairs(res);
  if (c.pairs.empty()) return "";
  TextTable t(std::vector<TextTable::Align>(1 + c.arches.size(), TextTable::Align::left));
  std::vector<std::string> head{"caller:callee (psabi)"};
  for (Arch a : c.arches) head.push_back(std::string(arch_name(a)) + " pass/fail/finding/unsup.");
  t.add_row(head);
  for (const std::string& p : c.pairs) {
    std::vector<std::string> row{p};
    for (Arch a : c.arches)
      row.push_back(cell_text(c.cells.count({p, a}) ? c.cells.at({p, a}) : PairCell{}));
    t.add_row(row);
  }
  std::string out = t.render("");
  for (const Record& r : res.records)
    if (!r.pair.empty() && (r.status == "fail" || r.status == "finding"))
      out += (r.status == "fail" ? "FAIL " : "FINDING ") + where(r) + ": " + r.detail + "\n";
  for (const auto& [k, v] : c.reasons)
    out += "unsupported (" + std::to_string(v.first) + ") " + std::get<0>(k) + " " +
           std::string(arch_name(std::get<1>(k))) + ": " + std::get<2>(k) + " (" + v.second + ")\n";
  return out;
}

std::string pairs_markdown(const conform::ConformResult& res, const std::string& scope) {
  const PairCounts c = count_pairs(res);
  if (c.pairs.empty()) return "";
  std::string md =
      "\n## Compiler pairs\n\nThe same functions with the caller compiled by one compiler and "
      "the callee by another (caller:callee; gcc12 is the arch's GCC 12, gcc16 the GCC 16 of "
      "the Debian unstable build root, clang14 `clang-14 --target=<triple>`), linked by GCC 12, "
      "an xtramp trampoline between them built from GCC 12's debug info of the same functions "
      "(psabi). A *finding* is a direct call (no trampoline) on which the two compilers already "
      "disagree: a difference between the compilers, with the bytes, neither a pass nor a "
      "failure of xtramp. A compiler missing here makes its pairs unsupported. Cells: pass / "
      "fail / finding / unsupported" +
      (scope.empty() ? std::string(".") : "; the pairs ran " + scope + ".") +
      "\n\n| caller:callee |";
  std::string sep = "|---|";
  for (Arch a : c.arches) {
    md += " " + std::string(arch_name(a)) + " |";
    sep += "---:|";
  }
  md += "\n" + sep + "\n";
  for (const std::string& p : c.pairs) {
    md += "| " + p + " |";
    for (Arch a : c.arches) {
      const PairCell cell = c.cells.count({p, a}) ? c.cells.at({p, a}) : PairCell{};
      md += " " + (cell.fail ? "**" + cell_text(cell) + "**" : cell_text(cell)) + " |";
    }
    md += "\n";
  }
  for (const char* status : {"finding", "fail"}) {
    const bool f = std::string(status) == "finding";
    md += f ? "\n### Findings (at most 5 per pair and arch)\n\n"
            : "\n### Failures (a psabi failure is a bug in xtramp)\n\n";
    std::map<std::pair<std::string, Arch>, int> shown;
    for (const Record& r : res.records) {
      if (r.pair.empty() || r.status != status) continue;
      if (shown[{r.pair, r.arch}]++ >= 5) continue;
      md += "- `" + r.function + "` " + std::string(arch_name(r.arch)) + " " + r.pair + ": " +
            r.detail + "\n";
    }
    if (shown.empty()) md += "None.\n";
  }
  md += "\n### Why pair cases are unsupported\n\n";
  if (c.reasons.empty())
    md += "None.\n";
  else
    md += "| caller:callee | arch | cases | reason (first example) |\n|---|---|---:|---|\n";
  for (const auto& [k, v] : c.reasons) {
    std::string why = std::get<2>(k);
    for (char& ch : why)
      if (ch == '|') ch = '/';
    md += "| " + std::get<0>(k) + " | " + std::string(arch_name(std::get<1>(k))) + " | " +
          std::to_string(v.first) + " | " + why + " (`" + v.second + "`) |\n";
  }
  return md;
}

}  // namespace xtramp::cli
