#include "common/call_layout.hpp"

namespace xtramp {

std::string_view policy_name(Policy p) {
  return p == Policy::psabi ? "psabi" : "linux";
}

std::optional<Policy> parse_policy(std::string_view s) {
  if (s == "psabi") return Policy::psabi;
  if (s == "linux") return Policy::linux_jit;
  return std::nullopt;
}

std::string_view loc_kind_name(LocKind k) {
  switch (k) {
    case LocKind::gpr:
      return "gpr";
    case LocKind::fpr:
      return "fpr";
    case LocKind::stack:
      return "stack";
  }
  return "?";
}

}  // namespace xtramp
