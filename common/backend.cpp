#include "common/backend.hpp"

namespace xtramp {

namespace {

std::string describe_part(const Backend& b, const ArgPart& p) {
  if (p.loc.kind == LocKind::stack)
    return "stack+" + std::to_string(p.loc.offset - b.stack_args_base());
  return b.reg_name(p.loc.kind, p.loc.reg);
}

}  // namespace

std::string describe_location(const Backend& b, const ArgLayout& a) {
  std::string s;
  for (size_t i = 0; i < a.parts.size(); ++i) {
    const std::string here = describe_part(b, a.parts[i]);
    // Consecutive stack parts of one value read better as one range.
    if (i > 0 && a.parts[i].loc.kind == LocKind::stack && a.parts[i - 1].loc.kind == LocKind::stack)
      continue;
    if (!s.empty()) s += ":";
    s += here;
  }
  return a.by_ref ? "*" + s + " (by ref)" : s;
}

}  // namespace xtramp
