// arm64 register numbers and names. Locations use the hardware numbers:
// gpr 0..30 = x0..x30 (31 = sp in the contexts we use it), fpr 0..31 = v0..v31.
// Names: "x<n>" for GPRs and "v<n>" for SIMD/FP registers whatever the width
// the value occupies (an ArgPart's size says how much of the register is used,
// so "v0" stands for s0 / d0 / q0 alike).
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "common/call_layout.hpp"

namespace xtramp::arm64 {

inline constexpr uint16_t kNumGprs = 31;  // x0..x30
inline constexpr uint16_t kNumFprs = 32;  // v0..v31
inline constexpr uint16_t kSp = 31;

// AAPCS64 §6.4.1: x0-x7 and v0-v7 carry arguments and results; x8 the
// indirect-result address (not an argument register: x0 stays free).
inline constexpr std::array<uint16_t, 8> kArgGprs = {0, 1, 2, 3, 4, 5, 6, 7};
inline constexpr std::array<uint16_t, 8> kArgFprs = {0, 1, 2, 3, 4, 5, 6, 7};
inline constexpr uint16_t kIndirectResultReg = 8;  // x8 (XR)

// The first stack argument is at [sp] at function entry (AAPCS64 A.4: NSAA = SP).
inline constexpr int32_t kStackArgsBase = 0;

std::string reg_name(LocKind kind, uint16_t reg);

}  // namespace xtramp::arm64
