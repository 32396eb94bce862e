// x86-64 register numbers (the hardware encoding, as in ModRM/REX) and names.
#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace xtramp::x86_64 {

// General-purpose registers: hardware numbers.
inline constexpr uint16_t kRax = 0, kRcx = 1, kRdx = 2, kRbx = 3, kRsp = 4, kRbp = 5, kRsi = 6,
                          kRdi = 7, kR8 = 8, kR9 = 9;

// psABI §3.2.3 "the next available register of the sequence %rdi, %rsi, %rdx, %rcx, %r8 and %r9".
inline constexpr std::array<uint16_t, 6> kArgGprs = {kRdi, kRsi, kRdx, kRcx, kR8, kR9};
// "the registers are taken in the order from %xmm0 to %xmm7" (fpr n = xmm n).
inline constexpr std::array<uint16_t, 8> kArgXmms = {0, 1, 2, 3, 4, 5, 6, 7};
// psABI §3.2.3 returning: "%rax, %rdx" / "%xmm0, %xmm1".
inline constexpr std::array<uint16_t, 2> kRetGprs = {kRax, kRdx};
inline constexpr std::array<uint16_t, 2> kRetXmms = {0, 1};

// The x87 top of stack %st0, used only for X87-class return values (long
// double). It is represented as an fpr with number 32, outside xmm0-31, so it
// cannot be confused with an SSE register. Its memory image is the 80-bit
// value as `fstp tbyte` stores it, in a 16-byte slot (6 padding bytes).
inline constexpr uint16_t kSt0 = 32;

// What a call pushes: the return address, at [rsp] at function entry.
inline constexpr uint32_t kReturnAddressSize = 8;
// First stack argument at function entry, above the return address.
inline constexpr int32_t kStackArgsBase = kReturnAddressSize;

inline std::string gpr_name(uint16_t r) {
  static constexpr const char* names[16] = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                                            "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15"};
  return r < 16 ? names[r] : "r?" + std::to_string(r);
}

inline std::string fpr_name(uint16_t r) {
  if (r == kSt0) return "st0";
  return "xmm" + std::to_string(r);
}

}  // namespace xtramp::x86_64
