// s390x register numbers (hardware numbering) and the argument area.
// [S390ABI] §"Parameter Passing": "General registers r2 to r5 (volatile);
// General register r6 (nonvolatile); Floating-point registers f0, f2, f4 and
// f6 (volatile)". "If needed, more arguments are passed in the parameter area,
// which starts 160 bytes above the stack pointer" in 8-byte slots.
#pragma once

#include <array>
#include <cstdint>

namespace xtramp::s390x {

inline constexpr uint16_t kR2 = 2;  // first argument, return value, return buffer address
inline constexpr uint16_t kF0 = 0;  // first FP argument, FP return value

inline constexpr std::array<uint16_t, 5> kArgGprs = {2, 3, 4, 5, 6};  // gr = 2..6
inline constexpr std::array<uint16_t, 4> kArgFprs = {0, 2, 4, 6};     // fr = 0, 2, 4, 6

// The register save area a caller provides at its stack pointer, which the
// callee may use ([S390ABI] "Register save area", 160 bytes); the parameter
// area follows it.
inline constexpr uint32_t kRegSaveArea = 160;
inline constexpr int32_t kStackArgsBase = kRegSaveArea;  // starg at entry: 160(%r15)
inline constexpr uint32_t kSlot = 8;                     // every parameter slot is 8 bytes

}  // namespace xtramp::s390x
