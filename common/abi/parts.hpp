// Helpers shared by the ABI rules to describe values split over locations.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "common/arch.hpp"
#include "common/call_layout.hpp"

namespace xtramp::abi {

// A value of `size` bytes loaded into consecutive 8-byte registers of one
// class "as if by LDR from a double-word-aligned address" (AAPCS64 C.12,
// psABI eightbytes): chunk i holds bytes [8i, 8i+8). A short last chunk sits
// at the low-order end of its register: memory offset 0 on little-endian
// targets, 8 - n on big-endian ones.
std::vector<ArgPart> split_into_regs(LocKind kind, std::span<const uint16_t> regs, uint32_t size,
                                     Endian endian);

// A value in one stack slot region starting at `offset`.
inline ArgPart stack_part(int32_t offset, uint32_t size, uint32_t arg_offset = 0) {
  return ArgPart{Location::stack(offset), arg_offset, size, 0};
}

}  // namespace xtramp::abi
