#include "cli/audit_report.hpp"

#include <algorithm>
#include <chrono>

#include <fmt/format.h>

#include "cli/reject_groups.hpp"
#include "cli/text_table.hpp"
#include "common/audit/function_audit.hpp"
#include "common/backend.hpp"
#include "common/error.hpp"

namespace xtramp::cli {
namespace {

using audit::ByteHome;
using audit::LayoutDifference;
using nlohmann::ordered_json;
using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

void add(AuditCategory& c, const std::string& cause, const std::string& function,
         const std::string& detail, size_t max_examples) {
  ++c.count;
  AuditGroup& g = c.causes[cause];
  ++g.count;
  if (g.examples.size() < max_examples) g.examples.push_back({function, detail});
}

std::string type_words(const TypeFacts& t) {
  std::string s = fmt::format("{} {}B align {}", kind_name(t.kind), t.size, t.align);
  if (!t.align_certain) s += "?";
  return s;
}

const char* home_class(const ByteHome& h) {
  switch (h.kind) {
    case ByteHome::Kind::none:
      return "nowhere";
    case ByteHome::Kind::gpr:
      return "gpr";
    case ByteHome::Kind::fpr:
      return "fpr";
    case ByteHome::Kind::stack:
      return "stack";
  }
  return "?";
}

// A cause groups functions a placement difference hits for the same reason:
// the value's kind, size and alignment, and the kind of location each side uses.
std::string cause_of(const FuncModel& m, const LayoutDifference& d, const char* a_name,
                     const char* b_name) {
  using What = LayoutDifference::What;
  const bool ret = d.arg == LayoutDifference::kReturn;
  const TypeFacts& t = ret ? m.ret.t() : m.args[static_cast<size_t>(d.arg)].t();
  const std::string who = (ret ? "return " : "argument ") + type_words(t);
  switch (d.what) {
    case What::byte: {
      const bool same_class = d.a.kind == d.b.kind;
      return fmt::format(
          "{}: {} {}, {} {}{}", who, a_name, home_class(d.a), b_name, home_class(d.b),
          same_class
              ? (d.a.kind == ByteHome::Kind::stack ? " (another offset)" : " (another register)")
              : "");
    }
    case What::by_ref:
      return fmt::format("{}: {} {}, {} {}", who, a_name, d.a_by_ref ? "by reference" : "by value",
                         b_name, d.a_by_ref ? "by value" : "by reference");
    case What::ret_kind:
      return who + ": returned differently (registers vs memory)";
    case What::ret_buffer:
      return who + ": result buffer in another register";
    case What::arg_count:
      return "argument count differs";
  }
  return "?";
}

void audit_arch(ArchTally& tally, const btf::BtfFile& file, const std::vector<uint32_t>& ids,
                const std::vector<KernelView>& kernel, size_t max_examples) {
  const Backend& b = backend(tally.arch);
  const auto start = Clock::now();
  for (size_t i = 0; i < ids.size(); ++i) {
    FuncModel m;
    try {
      m = file.model_by_id(ids[i]);
    } catch (const Error& e) {
      if (e.code() != Errc::unsupported && e.code() != Errc::too_many_args) throw;
      continue;  // the extended model rejects it (varargs, void argument)
    }
    ++tally.modelled;
    const audit::ArchAudit a = audit::audit_function(b, m, kernel[i]);
    tally.layouts += 1 + (a.psabi_placed && kernel[i].accepted ? 1 : 0);
    for (const ValueModel& v : m.args) tally.layouts += v.t().align_certain ? 0 : 1;
    if (!a.psabi_placed) {
      add(tally.psabi_unplaceable, rejection_pattern(a.psabi_error, m.name), m.name, a.psabi_error,
          max_examples);
      continue;
    }
    ++tally.psabi_placed;
    switch (a.linux_verdict) {
      case audit::LinuxVerdict::not_applicable:
        ++tally.linux_not_applicable;
        break;
      case audit::LinuxVerdict::refused:
        add(tally.linux_refused, rejection_pattern(a.linux_error, m.name), m.name, a.linux_error,
            max_examples);
        break;
      case audit::LinuxVerdict::same:
        ++tally.linux_same;
        break;
      case audit::LinuxVerdict::misplaced:
        add(tally.linux_misplaced, cause_of(m, *a.linux_diff, "psabi", "linux"), m.name,
            audit::describe(b, *a.linux_diff, "psabi", "linux"), max_examples);
        break;
    }
    if (a.alignment_diff) {
      const std::string tried = fmt::format("if aligned {}", a.alignment_tried);
      add(tally.alignment_dependent, cause_of(m, *a.alignment_diff, "as inferred", tried.c_str()),
          m.name, audit::describe(b, *a.alignment_diff, "as inferred", tried), max_examples);
    }
    if (a.kernel_refuses_extended_places)
      add(tally.kernel_refuses, rejection_pattern(kernel[i].message, m.name), m.name,
          kernel[i].message, max_examples);
  }
  tally.ms = ms_since(start);
}

std::vector<std::pair<std::string, const AuditGroup*>> by_count(const AuditCategory& c) {
  std::vector<std::pair<std::string, const AuditGroup*>> v;
  for (const auto& [cause, g] : c.causes) v.emplace_back(cause, &g);
  std::stable_sort(v.begin(), v.end(),
                   [](const auto& x, const auto& y) { return x.second->count > y.second->count; });
  return v;
}

std::string category_text(const char* title, const AuditCategory& c) {
  std::string out = fmt::format("  {}: {} functions\n", title, c.count);
  for (const auto& [cause, g] : by_count(c)) {
    out += fmt::format("    {:>6}  {}\n", g->count, cause);
    for (const AuditExample& e : g->examples)
      out += fmt::format("            e.g. {}: {}\n", e.function, e.detail);
  }
  return out;
}

ordered_json category_json(const AuditCategory& c) {
  ordered_json j;
  j["count"] = c.count;
  ordered_json causes = ordered_json::array();
  for (const auto& [cause, g] : by_count(c)) {
    ordered_json cj;
    cj["cause"] = cause;
    cj["count"] = g->count;
    ordered_json ex = ordered_json::array();
    for (const AuditExample& e : g->examples)
      ex.push_back({{"function", e.function}, {"detail", e.detail}});
    cj["examples"] = std::move(ex);
    causes.push_back(std::move(cj));
  }
  j["causes"] = std::move(causes);
  return j;
}

}  // namespace

AuditReport run_audit(ArchBtf& files, const std::vector<Arch>& arches, size_t examples) {
  const auto start = Clock::now();
  AuditReport r;
  const btf::BtfFile& first = files.for_arch(arches.front());
  r.btf_path = first.path();
  r.btf_target = files.native_target();
  const std::vector<uint32_t> ids = first.function_ids();
  r.functions = ids.size();
  // The kernel's verdict depends on the BTF alone, not on the placement arch.
  std::vector<KernelView> kernel;
  kernel.reserve(ids.size());
  for (uint32_t id : ids) {
    kernel.push_back(first.kernel_view(id));
    r.kernel_accepted += kernel.back().accepted ? 1 : 0;
  }
  for (Arch a : arches) {
    ArchTally& t = r.arches.emplace_back();
    t.arch = a;
    audit_arch(t, files.for_arch(a), ids, kernel, examples);
  }
  r.ms = ms_since(start);
  return r;
}

std::string audit_text(const AuditReport& r) {
  std::string out =
      fmt::format("audit of {} ({} BTF): {} functions, the kernel accepts {}\n\n", r.btf_path,
                  arch_name(r.btf_target), r.functions, r.kernel_accepted);
  std::vector<TextTable::Align> cols(1 + r.arches.size(), TextTable::Align::right);
  cols[0] = TextTable::Align::left;
  TextTable table(cols);
  std::vector<std::string> head{""};
  for (const ArchTally& t : r.arches) head.emplace_back(arch_name(t.arch));
  table.add_row(head);
  auto row = [&](const std::string& label, auto get) {
    std::vector<std::string> cells{label};
    for (const ArchTally& t : r.arches) cells.push_back(std::to_string(get(t)));
    table.add_row(std::move(cells));
  };
  row("extended model accepts", [](const ArchTally& t) { return t.modelled; });
  row("placed under psabi", [](const ArchTally& t) { return t.psabi_placed; });
  row("psabi cannot place", [](const ArchTally& t) { return t.psabi_unplaceable.count; });
  row("(a) linux misplaces", [](const ArchTally& t) { return t.linux_misplaced.count; });
  row("    linux places as psabi", [](const ArchTally& t) { return t.linux_same; });
  row("    linux JIT refuses", [](const ArchTally& t) { return t.linux_refused.count; });
  row("    kernel refuses (linux n/a)", [](const ArchTally& t) { return t.linux_not_applicable; });
  row("(b) depends on uncertain alignment",
      [](const ArchTally& t) { return t.alignment_dependent.count; });
  row("(c) kernel refuses, extended places",
      [](const ArchTally& t) { return t.kernel_refuses.count; });
  out += table.render("");
  for (const ArchTally& t : r.arches) {
    out += fmt::format("\n{} ({} layouts in {:.0f} ms)\n", arch_name(t.arch), t.layouts, t.ms);
    out += category_text("(a) linux misplaces", t.linux_misplaced);
    out += category_text("(b) depends on uncertain alignment", t.alignment_dependent);
    out += category_text("(c) kernel refuses, extended places", t.kernel_refuses);
    if (t.linux_refused.count) out += category_text("linux JIT refuses", t.linux_refused);
    if (t.psabi_unplaceable.count) out += category_text("psabi cannot place", t.psabi_unplaceable);
  }
  out += fmt::format("\ntotal {:.0f} ms\n", r.ms);
  return out;
}

ordered_json audit_json(const AuditReport& r) {
  ordered_json j;
  j["btf"] = r.btf_path;
  j["btf_target"] = arch_name(r.btf_target);
  j["functions"] = r.functions;
  j["kernel_accepted"] = r.kernel_accepted;
  ordered_json arches = ordered_json::array();
  for (const ArchTally& t : r.arches) {
    ordered_json a;
    a["arch"] = arch_name(t.arch);
    a["modelled"] = t.modelled;
    a["psabi_placed"] = t.psabi_placed;
    a["psabi_unplaceable"] = category_json(t.psabi_unplaceable);
    a["linux_misplaced"] = category_json(t.linux_misplaced);
    a["linux_same"] = t.linux_same;
    a["linux_refused"] = category_json(t.linux_refused);
    a["linux_not_applicable"] = t.linux_not_applicable;
    a["alignment_dependent"] = category_json(t.alignment_dependent);
    a["kernel_refuses_extended_places"] = category_json(t.kernel_refuses);
    a["layouts"] = t.layouts;
    a["ms"] = t.ms;
    arches.push_back(std::move(a));
  }
  j["arches"] = std::move(arches);
  j["ms"] = r.ms;
  return j;
}

}  // namespace xtramp::cli
