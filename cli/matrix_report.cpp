#include "cli/matrix_report.hpp"

#include <sys/utsname.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>

#include "cli/text_table.hpp"

namespace xtramp::cli {

using conform::Record;

namespace {

std::string column(Arch a, Policy p) {
  return std::string(arch_name(a)) + "/" + std::string(policy_name(p));
}

std::string cell_text(const MatrixCell& c) {
  std::string s = std::to_string(c.pass) + "/" + std::to_string(c.ran());
  if (c.unsupported) s += " u:" + std::to_string(c.unsupported);
  return s;
}

// Why the kernel JIT's placement (the `linux` policy) misplaces a group on an
// arch, with the ABI rule behind it. Every (arch, group) that fails under
// `linux` must be explained here; anything else is reported as unexplained.
struct Explanation {
  Arch arch;
  const char* group;
  const char* text;
};

constexpr Explanation kExplanations[] = {
    {Arch::x86_64, "rfc",
     "SysV x86-64 psABI 3.2.3: `__int128`, and a struct containing one, is 16-byte aligned in "
     "memory, so the caller puts the stack-passed struct after `short e` at the next 16-byte "
     "boundary (stack+32). The kernel's x86 JIT (save_args) copies stack arguments as "
     "contiguous 8-byte slots and reads stack+24: the RFC's `t11:f` failure."},
    {Arch::arm64, "rfc",
     "AAPCS64 C.14: the NSAA is rounded up to the natural alignment of the argument (16 for a "
     "struct holding `__int128`), so the struct after `short e` is at stack+16. The arm64 JIT "
     "(calc_arg_aux) uses 8-byte slots with no alignment and reads stack+8."},
    {Arch::s390x, "odd_structs",
     "s390x ELF ABI (simple_arg): only structs of 1, 2, 4 or 8 bytes travel in a register; a "
     "struct of 3, 5, 6 or 7 bytes is replaced by a pointer to a caller-made copy. The s390x JIT "
     "treats every argument of at most 8 bytes as a value in its register, so the ctx slot gets "
     "the pointer instead of the bytes."},
};

const char* explanation(Arch a, const std::string& group) {
  for (const Explanation& e : kExplanations)
    if (e.arch == a && group == e.group) return e.text;
  return nullptr;
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

}  // namespace

MatrixSummary summarize(const conform::ConformRequest& req, const conform::ConformResult& res,
                        const std::vector<std::string>& group_of_file,
                        const std::vector<std::string>& group_order) {
  MatrixSummary s;
  s.arches = req.arches;
  s.policies = req.policies;
  s.groups = group_order;
  for (const Record& r : res.records) {
    std::string g = r.file < group_of_file.size() ? group_of_file[r.file] : "";
    if (g.empty()) {
      // gen_<group>_<i>
      const size_t a = r.function.find('_'), b = r.function.rfind('_');
      g = a != b ? "generated/" + r.function.substr(a + 1, b - a - 1) : "other";
    }
    s.group_of[r.function] = g;
    MatrixCell& c = s.cells[g][{r.arch, r.policy}];
    (r.status == "pass" ? c.pass : r.status == "fail" ? c.fail : c.unsupported)++;
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
    for (Policy p : s.policies) head.push_back(column(a, p));
  t.add_row(head);
  std::map<std::pair<Arch, Policy>, MatrixCell> total;
  for (const std::string& g : s.groups) {
    std::vector<std::string> row{g};
    for (Arch a : s.arches)
      for (Policy p : s.policies) {
        const MatrixCell c = s.cells.at(g).count({a, p}) ? s.cells.at(g).at({a, p}) : MatrixCell{};
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
        auto it = s.cells.at(g).find({a, p});
        if (it == s.cells.at(g).end() || it->second.fail == 0) continue;
        if (p == Policy::psabi || !explanation(a, g)) out.push_back(g + " on " + column(a, p));
      }
  return out;
}

std::string matrix_markdown(const MatrixSummary& s, const conform::ConformResult& res,
                            const MatrixDocInfo& info) {
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
      "(x86-64 natively, arm64 and s390x under qemu-user): a GCC-compiled caller passes "
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
      md += " " + column(a, p) + " |";
      sep += "---:|";
    }
  md += "\n" + sep + "\n";
  for (const std::string& g : s.groups) {
    md += "| " + g + " |";
    for (Arch a : s.arches)
      for (Policy p : s.policies) {
        auto it = s.cells.at(g).find({a, p});
        const MatrixCell c = it == s.cells.at(g).end() ? MatrixCell{} : it->second;
        std::string cell = cell_text(c);
        if (c.fail) cell = "**" + cell + "**";
        md += " " + cell + " |";
      }
    md += "\n";
  }

  md += "\n## Where `linux` fails, and why\n\n";
  bool any = false;
  for (const Explanation& e : kExplanations) {
    auto g = s.cells.find(e.group);
    if (g == s.cells.end()) continue;
    auto c = g->second.find({e.arch, Policy::linux_jit});
    if (c == g->second.end() || c->second.fail == 0) continue;
    any = true;
    md += "- **" + std::string(e.group) + " on " + std::string(arch_name(e.arch)) + "** (" +
          std::to_string(c->second.fail) + " failing): " + e.text + "\n";
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
    if (r.status != "fail") continue;
    const std::string key = s.group_of.at(r.function) + " " + column(r.arch, r.policy);
    if (shown[key]++ >= 5) continue;
    md += "- `" + r.function + "` " + column(r.arch, r.policy) + ": " + r.detail + "\n";
  }
  if (shown.empty()) md += "None.\n";

  md +=
      "\n## Why cases are unsupported\n\n| arch/policy | cases | reason (first example) "
      "|\n|---|---:|---|\n";
  std::map<std::pair<std::string, std::string>, std::pair<int, std::string>> reasons;
  for (const Record& r : res.records) {
    if (r.status != "unsupported") continue;
    // Group the kernel's messages by their shape: drop the function's name.
    std::string why = r.detail;
    if (size_t at = why.find(r.function); at != std::string::npos)
      why.replace(at, r.function.size(), "F");
    auto& e = reasons[{column(r.arch, r.policy), why}];
    if (e.first++ == 0) e.second = r.function;
  }
  for (const auto& [k, v] : reasons)
    md += "| " + k.first + " | " + std::to_string(v.first) + " | " + k.second + " (`" + v.second +
          "`) |\n";

  md += "\n## Time per stage\n\n| stage | seconds |\n|---|---:|\n";
  for (const conform::StageTime& t : res.times) {
    std::snprintf(buf, sizeof buf, "%.2f", t.seconds);
    md += "| " + t.what + " | " + buf + " |\n";
  }
  return md;
}

}  // namespace xtramp::cli
