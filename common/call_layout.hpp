// CallLayout: where every byte of every argument (and the return value) lives
// at the call boundary, for one prototype on one architecture under one
// placement policy. Produced by a backend's ABI rules; consumed by the
// planner, the CLI and the conformance matrix (which names the bytes that
// moved and the location the layout claimed).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/arch.hpp"

namespace xtramp {

// Which placement rules: the real ABI, or a model of the upstream kernel JIT.
enum class Policy : uint8_t { psabi, linux_jit };

std::string_view policy_name(Policy p);  // "psabi", "linux"
std::optional<Policy> parse_policy(std::string_view s);

enum class LocKind : uint8_t {
  gpr,    // general-purpose register
  fpr,    // floating-point / SIMD / vector register
  stack,  // memory in the caller's outgoing argument area
};

std::string_view loc_kind_name(LocKind k);  // "gpr", "fpr", "stack"

// A value location, as asmjit's FuncValue: a register number in the arch's
// own hardware numbering, or a byte offset from the stack pointer at function
// entry (x86-64: first stack argument at +8; arm64: +0; s390x: +160).
struct Location {
  LocKind kind = LocKind::gpr;
  uint16_t reg = 0;    // gpr / fpr
  int32_t offset = 0;  // stack

  static Location gpr(uint16_t r) { return {LocKind::gpr, r, 0}; }
  static Location fpr(uint16_t r) { return {LocKind::fpr, r, 0}; }
  static Location stack(int32_t off) { return {LocKind::stack, 0, off}; }
  bool operator==(const Location&) const = default;
};

// How the caller left the bits of a register (or stack slot) beyond the value.
enum class Extension : uint8_t {
  none,  // unspecified (x86-64, AAPCS64: the callee narrows)
  sign,  // sign-extended to 64 bits (s390x signed integers)
  zero,  // zero-extended to 64 bits (s390x unsigned integers, pointers)
};

// `size` bytes of an argument, starting at byte `arg_offset` of its memory
// image, live in `loc`, starting at byte `loc_offset` of the location's memory
// image (the register as if stored to memory in the target's byte order; for
// stack parts, `offset` already points at the first byte, and loc_offset is 0).
// Example: an `int` in an s390x 8-byte stack slot at 160 is {stack 164, 0, 4};
// the same int in r2 is {gpr 2, arg_offset 0, size 4, loc_offset 4}.
struct ArgPart {
  Location loc;
  uint32_t arg_offset = 0;
  uint32_t size = 0;
  uint32_t loc_offset = 0;
};

struct ArgLayout {
  // Where the argument's bytes are. For a by-reference argument these are the
  // parts of the *pointer* (one 8-byte part); the bytes are behind it.
  std::vector<ArgPart> parts;
  bool by_ref = false;  // caller passed a pointer to a copy (AAPCS64 B.4, s390x, ...)
  Extension ext = Extension::none;
  uint32_t size = 0;       // the argument's own size (not the pointer's)
  uint32_t ctx_slot = 0;   // first 8-byte ctx slot holding the argument's bytes
  uint32_t ctx_slots = 0;  // ceil(size / 8)
};

struct RetLayout {
  enum class Kind : uint8_t { void_, regs, memory };
  Kind kind = Kind::void_;
  std::vector<ArgPart> parts;  // regs: where the value comes back
  // memory: the register carrying the caller's buffer address at entry
  // (arm64 x8; x86-64 rdi and s390x r2, which then shift the integer args).
  Location buffer;
  bool buffer_shifts_args = false;
  Extension ext = Extension::none;
  uint32_t size = 0;
};

struct CallLayout {
  Arch arch{};
  Policy policy = Policy::psabi;
  std::vector<ArgLayout> args;
  RetLayout ret;
  uint32_t stack_size = 0;  // bytes of the caller's argument area in use (from its start)
  uint32_t ctx_slots = 0;   // total ctx slots of the arguments (ctx[ctx_slots] = return value)
};

}  // namespace xtramp
