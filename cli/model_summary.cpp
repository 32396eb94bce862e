#include "cli/model_summary.hpp"

#include <algorithm>
#include <chrono>

#include "cli/function_report.hpp"
#include "common/error.hpp"

namespace xtramp::cli {
namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

void count_shapes(const FuncModel& m, ShapeCounts& c) {
  bool uncertain = !m.ret.t().align_certain;
  bool any_struct = false, over_16 = false, any_float = false, any_int128 = false;
  bool any_packed = false, any_bitfields = false, any_union = false;
  for (const ValueModel& a : m.args) {
    const TypeFacts& t = a.t();
    uncertain |= !t.align_certain;
    any_struct |= t.is_struct_arg();
    over_16 |= t.is_struct_arg() && t.size > 16;
    any_float |= is_floating(t.kind);
    any_int128 |= t.kind == ValueKind::int128;
    any_packed |= t.packed;
    any_bitfields |= t.has_bitfields;
    any_union |= t.has_union;
  }
  c.uncertain_align += uncertain;
  c.struct_arg += any_struct;
  c.struct_arg_over_16 += over_16;
  c.struct_ret += m.ret.t().is_struct_arg();
  c.float_arg += any_float;
  c.float_ret += is_floating(m.ret.t().kind);
  c.int128_arg += any_int128;
  c.packed_arg += any_packed;
  c.bitfield_arg += any_bitfields;
  c.union_arg += any_union;
  c.over_8_args += m.args.size() > 8;
  c.over_12_args += m.args.size() > 12;
  c.max_args = std::max(c.max_args, m.args.size());
}

// A failure that is not a rejection (e.g. malformed BTF around one function).
std::string error_message(const Error& e) {
  return "[" + std::string(errc_name(e.code())) + "] " + e.what();
}

}  // namespace

ModelSummary summarise(const btf::BtfFile& file, btf::Mode mode, double open_ms) {
  ModelSummary s;
  s.btf_path = file.path();
  s.target = file.target();
  s.has_dwarf = file.has_dwarf();
  s.type_count = file.type_count();
  s.mode = mode;
  s.open_ms = open_ms;

  const std::vector<uint32_t> ids = file.function_ids();
  s.functions = ids.size();
  std::vector<std::string> names;
  names.reserve(ids.size());
  for (uint32_t id : ids) names.push_back(file.function_name(id));

  RejectGroups extended, kernel;
  auto start = Clock::now();
  for (size_t i = 0; i < ids.size(); ++i) {
    try {
      FuncModel m = file.model_by_id(ids[i]);
      ++s.extended_accepted;
      count_shapes(m, s.shapes);
    } catch (const Error& e) {
      const bool rejection = e.code() == Errc::unsupported || e.code() == Errc::too_many_args;
      extended.add(rejection ? std::string(e.what()) : error_message(e), names[i]);
    }
  }
  s.model_ms = ms_since(start);

  start = Clock::now();
  for (size_t i = 0; i < ids.size(); ++i) {
    try {
      KernelView k = file.kernel_view(ids[i]);
      if (k.accepted) {
        ++s.kernel_accepted;
      } else {
        kernel.add(k.message, names[i]);
      }
    } catch (const Error& e) {
      kernel.add(error_message(e), names[i]);
    }
  }
  s.kernel_ms = ms_since(start);

  const bool compat = mode == btf::Mode::kernel_compat;
  s.accepted = compat ? s.kernel_accepted : s.extended_accepted;
  s.rejected = s.functions - s.accepted;
  s.groups = compat ? kernel.sorted() : extended.sorted();
  return s;
}

}  // namespace xtramp::cli
