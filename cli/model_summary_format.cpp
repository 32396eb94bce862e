// Text and JSON renderings of ModelSummary.
#include <fmt/format.h>

#include "cli/function_report.hpp"
#include "cli/model_summary.hpp"
#include "cli/text_table.hpp"

namespace xtramp::cli {
namespace {

using json = nlohmann::ordered_json;

double percent(size_t part, size_t whole) {
  return whole == 0 ? 0.0 : 100.0 * static_cast<double>(part) / static_cast<double>(whole);
}

struct ShapeRow {
  const char* key;
  const char* label;
  size_t value;
};

std::vector<ShapeRow> shape_rows(const ShapeCounts& c) {
  return {
      {"uncertain_align", "an argument or return whose alignment is not certain",
       c.uncertain_align},
      {"struct_arg", "a struct or union argument", c.struct_arg},
      {"struct_arg_over_16", "a struct or union argument larger than 16 bytes",
       c.struct_arg_over_16},
      {"struct_ret", "a struct or union return value", c.struct_ret},
      {"float_arg", "a floating-point argument", c.float_arg},
      {"float_ret", "a floating-point return value", c.float_ret},
      {"int128_arg", "an __int128 argument", c.int128_arg},
      {"packed_arg", "a packed aggregate argument", c.packed_arg},
      {"bitfield_arg", "an argument with bit-fields", c.bitfield_arg},
      {"union_arg", "an argument that is or contains a union", c.union_arg},
      {"over_8_args", "more than 8 arguments", c.over_8_args},
      {"over_12_args", "more than 12 arguments", c.over_12_args},
  };
}

}  // namespace

std::string format_summary_text(const ModelSummary& s) {
  std::string out = fmt::format("BTF: {} ({}, {} types, {})\n", s.btf_path, arch_name(s.target),
                                s.type_count, s.has_dwarf ? "with DWARF" : "no DWARF");
  out += fmt::format("mode: {}\n", mode_name(s.mode));
  out += fmt::format("functions: {}\n", s.functions);
  out += fmt::format("accepted:  {} ({:.1f}%)\n", s.accepted, percent(s.accepted, s.functions));
  out += fmt::format("rejected:  {} ({:.1f}%)\n", s.rejected, percent(s.rejected, s.functions));
  if (!s.groups.empty()) {
    out += "rejections by reason:\n";
    TextTable t({TextTable::Align::right, TextTable::Align::left, TextTable::Align::left});
    for (const RejectGroup& g : s.groups) {
      t.add_row({std::to_string(g.count), g.pattern,
                 fmt::format("e.g. {}", fmt::join(g.examples, ", "))});
    }
    out += t.render("  ");
  }
  out += fmt::format("both modes: extended accepts {}, kernel-compat accepts {}\n",
                     s.extended_accepted, s.kernel_accepted);
  out += fmt::format("functions with ... (of the {} the extended model accepts):\n",
                     s.extended_accepted);
  TextTable shapes({TextTable::Align::right, TextTable::Align::left});
  for (const ShapeRow& r : shape_rows(s.shapes)) shapes.add_row({std::to_string(r.value), r.label});
  shapes.add_row({std::to_string(s.shapes.max_args), "arguments at most"});
  out += shapes.render("  ");
  out += fmt::format("time: open {:.1f} ms, extended model {:.1f} ms, kernel view {:.1f} ms\n",
                     s.open_ms, s.model_ms, s.kernel_ms);
  return out;
}

json summary_json(const ModelSummary& s) {
  json groups = json::array();
  for (const RejectGroup& g : s.groups) {
    groups.push_back(json{{"pattern", g.pattern}, {"count", g.count}, {"examples", g.examples}});
  }
  json shapes = json::object();
  for (const ShapeRow& r : shape_rows(s.shapes)) shapes[r.key] = r.value;
  shapes["max_args"] = s.shapes.max_args;
  return json{
      {"btf", s.btf_path},
      {"target", arch_name(s.target)},
      {"has_dwarf", s.has_dwarf},
      {"types", s.type_count},
      {"mode", mode_name(s.mode)},
      {"functions", s.functions},
      {"accepted", s.accepted},
      {"rejected", s.rejected},
      {"groups", std::move(groups)},
      {"extended_accepted", s.extended_accepted},
      {"kernel_accepted", s.kernel_accepted},
      {"shapes", std::move(shapes)},
      {"time_ms", json{{"open", s.open_ms}, {"model", s.model_ms}, {"kernel", s.kernel_ms}}}};
}

}  // namespace xtramp::cli
