#include "common/abi/parts.hpp"

namespace xtramp::abi {

std::vector<ArgPart> split_into_regs(LocKind kind, std::span<const uint16_t> regs, uint32_t size,
                                     Endian endian) {
  std::vector<ArgPart> parts;
  for (size_t i = 0; i < regs.size() && 8 * i < size; ++i) {
    const uint32_t off = static_cast<uint32_t>(8 * i);
    const uint32_t n = size - off < 8 ? size - off : 8;
    const uint32_t loc_off = endian == Endian::big ? 8 - n : 0;
    parts.push_back(ArgPart{Location{kind, regs[i], 0}, off, n, loc_off});
  }
  return parts;
}

}  // namespace xtramp::abi
