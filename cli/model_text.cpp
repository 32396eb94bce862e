#include "cli/model_text.hpp"

#include <fmt/format.h>

#include <string_view>
#include <vector>

#include "cli/text_table.hpp"

namespace xtramp::cli {
namespace {

using Align = TextTable::Align;

std::string flags_cell(const TypeFacts& t) {
  std::vector<std::string_view> flags;
  if (t.is_struct_arg()) flags.push_back("struct");
  if (t.is_signed_arg()) flags.push_back("signed");
  if (t.packed) flags.push_back("packed");
  if (t.has_bitfields) flags.push_back("bitfields");
  if (t.has_union) flags.push_back("union");
  if (t.has_flex_array) flags.push_back("flex");
  if (!t.fields_complete) flags.push_back("fields-truncated");
  return flags.empty() ? "-" : fmt::format("{}", fmt::join(flags, ","));
}

std::string align_cell(const TypeFacts& t) {
  return fmt::format("{} {}{}", t.align, align_source_name(t.align_source),
                     t.align_certain ? "" : "?");
}

void add_value_row(TextTable& table, std::string index, const ValueModel& v) {
  const TypeFacts& t = v.t();
  table.add_row({std::move(index), v.name.empty() ? "-" : v.name, t.c_type,
                 std::string(kind_name(t.kind)), std::to_string(t.size), align_cell(t),
                 std::to_string(t.natural_align), std::to_string(t.largest_member_size),
                 flags_cell(t)});
}

void add_field_rows(TextTable& table, const TypeFacts& t) {
  for (const ScalarField& f : t.fields) {
    std::string note = f.bit_size ? fmt::format("bits {}:{}", f.bit_offset, f.bit_size) : "";
    if (f.misaligned()) note += note.empty() ? "misaligned" : " misaligned";
    if (f.unnamed) note += note.empty() ? "unnamed bit-field" : " unnamed bit-field";
    table.add_row({"", fmt::format("  @{}", f.offset), "", std::string(kind_name(f.kind)),
                   std::to_string(f.size), std::to_string(f.align), "", "",
                   note.empty() ? "" : note});
  }
}

template <typename T>
std::string list(const T& values, uint8_t n, const char* spec) {
  std::vector<std::string> items;
  for (uint8_t i = 0; i < n; ++i) items.push_back(fmt::format(fmt::runtime(spec), values[i]));
  return fmt::format("[{}]", fmt::join(items, ", "));
}

std::string kernel_text(const KernelView& k) {
  if (!k.accepted) return fmt::format("  kernel: rejected: {}\n", k.message);
  return fmt::format(
      "  kernel: accepted\n"
      "    nr_args={} ret_size={} ret_flags={:#x}\n"
      "    arg_size={}\n"
      "    arg_flags={}\n"
      "    arg_largest_member_size={}\n",
      k.nr_args, k.ret_size, k.ret_flags, list(k.arg_size, k.nr_args, "{}"),
      list(k.arg_flags, k.nr_args, "{:#x}"), list(k.arg_largest_member_size, k.nr_args, "{}"));
}

bool any_uncertain(const FuncModel& m) {
  if (!m.ret.t().align_certain) return true;
  for (const ValueModel& a : m.args) {
    if (!a.t().align_certain) return true;
  }
  return false;
}

}  // namespace

std::string format_function_text(const FunctionReport& r, const TextOptions& opts) {
  std::string out = fmt::format("{}  [btf id {}, {}, {} mode]\n", r.name, r.btf_id,
                                arch_name(opts.target), mode_name(opts.mode));
  if (opts.mode == btf::Mode::kernel_compat && !r.kernel.accepted) {
    return out + fmt::format("  rejected by the kernel: {}\n", r.kernel.message);
  }
  if (!r.model) {
    out += fmt::format("  rejected: {}\n", r.model_error);
    return out + kernel_text(r.kernel);
  }

  const FuncModel& m = *r.model;
  TextTable table({Align::left, Align::left, Align::left, Align::left, Align::right, Align::left,
                   Align::right, Align::right, Align::left});
  table.add_row({"#", "name", "type", "kind", "size", "align", "natural", "largest", "flags"});
  for (size_t i = 0; i < m.args.size(); ++i) {
    add_value_row(table, std::to_string(i), m.args[i]);
    if (opts.show_fields) add_field_rows(table, m.args[i].t());
  }
  add_value_row(table, "ret", m.ret);
  if (opts.show_fields) add_field_rows(table, m.ret.t());
  out += table.render("  ");
  if (any_uncertain(m)) {
    out +=
        "  ? = alignment not certain: BTF alone cannot exclude a hidden over-alignment or "
        "packing\n";
  }
  return out + kernel_text(r.kernel);
}

}  // namespace xtramp::cli
