#include "arch/arm64/regs.hpp"

namespace xtramp::arm64 {

std::string reg_name(LocKind kind, uint16_t reg) {
  switch (kind) {
    case LocKind::gpr:
      if (reg < kNumGprs) return "x" + std::to_string(reg);
      if (reg == kSp) return "sp";
      break;
    case LocKind::fpr:
      if (reg < kNumFprs) return "v" + std::to_string(reg);
      break;
    case LocKind::stack:
      return "stack";
  }
  return "?" + std::string(loc_kind_name(kind)) + std::to_string(reg);
}

}  // namespace xtramp::arm64
