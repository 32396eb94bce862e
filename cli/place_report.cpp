#include "cli/place_report.hpp"

#include <fmt/format.h>

#include "cli/text_table.hpp"
#include "common/error.hpp"

namespace xtramp::cli {
namespace {

using Align = TextTable::Align;
using nlohmann::ordered_json;

std::string_view ext_name(Extension e) {
  switch (e) {
    case Extension::none:
      return "none";
    case Extension::sign:
      return "sign";
    case Extension::zero:
      return "zero";
  }
  return "?";
}

std::string align_cell(const TypeFacts& t) {
  return fmt::format("{}{}", t.align, t.align_certain ? "" : "?");
}

std::string ctx_cell(const ArgLayout& a) {
  if (a.ctx_slots <= 1) return std::to_string(a.ctx_slot);
  return fmt::format("{}-{}", a.ctx_slot, a.ctx_slot + a.ctx_slots - 1);
}

ordered_json part_json(const Backend& b, const ArgPart& part, size_t arg, bool by_ref) {
  ordered_json j;
  j["arg"] = arg;
  j["kind"] = loc_kind_name(part.loc.kind);
  if (part.loc.kind == LocKind::stack) {
    j["offset"] = part.loc.offset - b.stack_args_base();
    j["sp_offset"] = part.loc.offset;
  } else {
    j["reg"] = b.reg_name(part.loc.kind, part.loc.reg);
  }
  j["size"] = part.size;
  j["arg_offset"] = part.arg_offset;
  j["loc_offset"] = part.loc_offset;
  j["by_ref"] = by_ref;
  return j;
}

ordered_json ret_json(const Backend& b, const RetLayout& r, const TypeFacts& t) {
  ordered_json j;
  j["type"] = t.c_type;
  j["size"] = r.size;
  switch (r.kind) {
    case RetLayout::Kind::void_:
      j["kind"] = "void";
      break;
    case RetLayout::Kind::regs:
      j["kind"] = "regs";
      break;
    case RetLayout::Kind::memory:
      j["kind"] = "memory";
      j["buffer"] = b.reg_name(r.buffer.kind, r.buffer.reg);
      j["buffer_shifts_args"] = r.buffer_shifts_args;
      break;
  }
  j["location"] = describe_return(b, r);
  j["ext"] = ext_name(r.ext);
  ordered_json parts = ordered_json::array();
  for (const ArgPart& p : r.parts) {
    ordered_json pj = part_json(b, p, 0, false);
    pj.erase("arg");
    pj.erase("by_ref");
    parts.push_back(std::move(pj));
  }
  j["parts"] = std::move(parts);
  return j;
}

}  // namespace

Placement place_function(const Backend& backend, Policy policy, std::optional<FuncModel> model,
                         const std::string& model_error) {
  Placement p;
  p.arch = backend.arch();
  p.policy = policy;
  p.model = std::move(model);
  if (!p.model) {
    p.error = model_error;
    return p;
  }
  try {
    p.layout = backend.place(*p.model, policy);
  } catch (const Error& e) {
    if (e.code() != Errc::unsupported && e.code() != Errc::too_many_args) throw;
    p.error = e.what();
  }
  return p;
}

std::string placement_text(const std::string& function, const Placement& p) {
  std::string out = fmt::format("{}  {}  {}\n", function, arch_name(p.arch), policy_name(p.policy));
  if (!p.layout) return out + "  unsupported: " + p.error + "\n";
  const Backend& b = backend(p.arch);
  const FuncModel& m = *p.model;
  const CallLayout& L = *p.layout;
  TextTable table({Align::right, Align::left, Align::left, Align::right, Align::right, Align::left,
                   Align::left});
  table.add_row({"arg", "name", "type", "size", "align", "location", "ctx"});
  for (size_t i = 0; i < L.args.size(); ++i) {
    const TypeFacts& t = m.args[i].t();
    const ArgLayout& a = L.args[i];
    table.add_row({std::to_string(i), m.args[i].name.empty() ? "-" : m.args[i].name, t.c_type,
                   std::to_string(t.size), align_cell(t), describe_location(b, a), ctx_cell(a)});
  }
  const TypeFacts& rt = m.ret.t();
  table.add_row({"ret", "-", rt.c_type, std::to_string(rt.size),
                 rt.kind == ValueKind::void_ ? "-" : align_cell(rt), describe_return(b, L.ret),
                 L.ret.kind == RetLayout::Kind::void_ ? "-" : std::to_string(L.ctx_slots)});
  out += table.render("  ");
  out += fmt::format("  stack arguments: {} bytes; ctx slots: {} (+1 for the return value)\n",
                     L.stack_size, L.ctx_slots);
  return out;
}

ordered_json placement_json(const Placement& p) {
  ordered_json j;
  j["arch"] = arch_name(p.arch);
  j["policy"] = policy_name(p.policy);
  if (!p.layout) {
    j["status"] = "unsupported";
    j["error"] = p.error;
    return j;
  }
  j["status"] = "placed";
  const Backend& b = backend(p.arch);
  const FuncModel& m = *p.model;
  const CallLayout& L = *p.layout;
  ordered_json args = ordered_json::array();
  for (size_t i = 0; i < L.args.size(); ++i) {
    const TypeFacts& t = m.args[i].t();
    const ArgLayout& a = L.args[i];
    ordered_json aj;
    aj["arg"] = i;
    aj["name"] = m.args[i].name;
    aj["type"] = t.c_type;
    aj["size"] = a.size;
    aj["align"] = t.align;
    aj["align_certain"] = t.align_certain;
    aj["by_ref"] = a.by_ref;
    aj["ext"] = ext_name(a.ext);
    aj["location"] = describe_location(b, a);
    aj["ctx_slot"] = a.ctx_slot;
    aj["ctx_slots"] = a.ctx_slots;
    ordered_json parts = ordered_json::array();
    for (const ArgPart& part : a.parts) parts.push_back(part_json(b, part, i, a.by_ref));
    aj["parts"] = std::move(parts);
    args.push_back(std::move(aj));
  }
  j["args"] = std::move(args);
  j["ret"] = ret_json(b, L.ret, m.ret.t());
  j["stack_size"] = L.stack_size;
  j["ctx_slots"] = L.ctx_slots;
  return j;
}

}  // namespace xtramp::cli
