// Byte-wise comparison of two layouts of one prototype on one architecture:
// where does each byte of each argument (and of the return value) live? Two
// layouts that split a value into different parts but put every byte in the
// same place are equal. Used by `xtramp audit` (psabi vs linux) and to name
// the byte a wrong layout misplaces.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/backend.hpp"
#include "common/call_layout.hpp"

namespace xtramp::audit {

// Where one byte lives: a byte of a register's memory image, or a stack byte
// (offset from the stack pointer at entry); `none` if no part covers it.
struct ByteHome {
  enum class Kind : uint8_t { none, gpr, fpr, stack };
  Kind kind = Kind::none;
  uint16_t reg = 0;
  int32_t pos = 0;  // register: byte of its memory image; stack: offset
  bool operator==(const ByteHome&) const = default;
};

// The first place two layouts disagree.
struct LayoutDifference {
  static constexpr int kReturn = -1;
  int arg = kReturn;  // argument index, or kReturn
  enum class What : uint8_t {
    byte,        // byte `byte` of the value lives elsewhere
    by_ref,      // one passes a pointer to a copy, the other the value
    ret_kind,    // registers vs memory (or void)
    ret_buffer,  // the register carrying the result buffer
    arg_count,   // different numbers of arguments (a bug, never an ABI rule)
  };
  What what = What::byte;
  uint32_t byte = 0;
  ByteHome a, b;          // what.byte: the homes in the first and in the second layout
  bool a_by_ref = false;  // what.by_ref
  RetLayout::Kind a_ret = RetLayout::Kind::void_, b_ret = a_ret;  // what.ret_kind
};

ByteHome home_of_byte(const std::vector<ArgPart>& parts, uint32_t byte);

std::optional<LayoutDifference> first_difference(const CallLayout& a, const CallLayout& b);

// "arg5 byte 0: stack+40 vs stack+32", "ret byte 8: rdx vs (not saved)",
// "arg0: by reference vs by value". `a_name`/`b_name` label the two layouts
// where the difference is not about one byte (e.g. "psabi", "linux").
std::string describe(const Backend& backend, const LayoutDifference& d, const std::string& a_name,
                     const std::string& b_name);

std::string describe_home(const Backend& backend, const ByteHome& h);

}  // namespace xtramp::audit
