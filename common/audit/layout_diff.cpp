#include "common/audit/layout_diff.hpp"

namespace xtramp::audit {

ByteHome home_of_byte(const std::vector<ArgPart>& parts, uint32_t byte) {
  for (const ArgPart& p : parts) {
    if (byte < p.arg_offset || byte >= p.arg_offset + p.size) continue;
    const uint32_t in_part = byte - p.arg_offset;
    switch (p.loc.kind) {
      case LocKind::gpr:
        return {ByteHome::Kind::gpr, p.loc.reg, static_cast<int32_t>(p.loc_offset + in_part)};
      case LocKind::fpr:
        return {ByteHome::Kind::fpr, p.loc.reg, static_cast<int32_t>(p.loc_offset + in_part)};
      case LocKind::stack:
        return {ByteHome::Kind::stack, 0, p.loc.offset + static_cast<int32_t>(in_part)};
    }
  }
  return {};
}

namespace {

std::optional<LayoutDifference> compare_bytes(int arg, const std::vector<ArgPart>& a,
                                              const std::vector<ArgPart>& b, uint32_t size) {
  for (uint32_t i = 0; i < size; ++i) {
    const ByteHome ha = home_of_byte(a, i), hb = home_of_byte(b, i);
    if (ha != hb) return LayoutDifference{arg, LayoutDifference::What::byte, i, ha, hb};
  }
  return std::nullopt;
}

std::optional<LayoutDifference> compare_ret(const RetLayout& a, const RetLayout& b) {
  using What = LayoutDifference::What;
  constexpr int kRet = LayoutDifference::kReturn;
  if (a.kind != b.kind) {
    LayoutDifference d{kRet, What::ret_kind, 0, {}, {}};
    d.a_ret = a.kind;
    d.b_ret = b.kind;
    return d;
  }
  switch (a.kind) {
    case RetLayout::Kind::void_:
      return std::nullopt;
    case RetLayout::Kind::memory:
      if (a.buffer == b.buffer) return std::nullopt;
      return LayoutDifference{kRet, What::ret_buffer, 0, {}, {}};
    case RetLayout::Kind::regs:
      return compare_bytes(kRet, a.parts, b.parts, a.size > b.size ? a.size : b.size);
  }
  return std::nullopt;
}

}  // namespace

std::optional<LayoutDifference> first_difference(const CallLayout& a, const CallLayout& b) {
  using What = LayoutDifference::What;
  if (a.args.size() != b.args.size()) return LayoutDifference{0, What::arg_count, 0, {}, {}};
  for (size_t i = 0; i < a.args.size(); ++i) {
    const ArgLayout &x = a.args[i], &y = b.args[i];
    const int arg = static_cast<int>(i);
    if (x.by_ref != y.by_ref) {
      LayoutDifference d{arg, What::by_ref, 0, {}, {}};
      d.a_by_ref = x.by_ref;
      return d;
    }
    // By reference: the parts are the pointer's 8 bytes.
    const uint32_t n = x.by_ref ? 8 : (x.size > y.size ? x.size : y.size);
    if (auto d = compare_bytes(arg, x.parts, y.parts, n)) return d;
  }
  return compare_ret(a.ret, b.ret);
}

std::string describe_home(const Backend& backend, const ByteHome& h) {
  switch (h.kind) {
    case ByteHome::Kind::none:
      return "(nowhere)";
    case ByteHome::Kind::gpr:
    case ByteHome::Kind::fpr: {
      const LocKind k = h.kind == ByteHome::Kind::gpr ? LocKind::gpr : LocKind::fpr;
      return backend.reg_name(k, h.reg) + " byte " + std::to_string(h.pos);
    }
    case ByteHome::Kind::stack:
      return "stack+" + std::to_string(h.pos - backend.stack_args_base());
  }
  return "?";
}

namespace {

const char* ret_kind_words(RetLayout::Kind k) {
  switch (k) {
    case RetLayout::Kind::void_:
      return "no value";
    case RetLayout::Kind::regs:
      return "in registers";
    case RetLayout::Kind::memory:
      return "in memory";
  }
  return "?";
}

}  // namespace

std::string describe(const Backend& backend, const LayoutDifference& d, const std::string& a_name,
                     const std::string& b_name) {
  using What = LayoutDifference::What;
  const std::string who =
      d.arg == LayoutDifference::kReturn ? "ret" : "arg" + std::to_string(d.arg);
  switch (d.what) {
    case What::byte:
      return who + " byte " + std::to_string(d.byte) + ": " + a_name + " " +
             describe_home(backend, d.a) + ", " + b_name + " " + describe_home(backend, d.b);
    case What::by_ref:
      return who + ": " + a_name + (d.a_by_ref ? " by reference, " : " by value, ") + b_name +
             (d.a_by_ref ? " by value" : " by reference");
    case What::ret_kind:
      return "ret: " + a_name + " " + ret_kind_words(d.a_ret) + ", " + b_name + " " +
             ret_kind_words(d.b_ret);
    case What::ret_buffer:
      return "ret: the result buffer pointer arrives in different registers";
    case What::arg_count:
      return "the layouts have different argument counts";
  }
  return "?";
}

}  // namespace xtramp::audit
