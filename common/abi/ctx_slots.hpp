// The arch-neutral ctx slot map (docs/linux-jits.md "The ctx layout"): argument i's bytes
// occupy ceil(size / 8) consecutive 8-byte slots, in argument order. By-reference
// arguments are copied in by value, so they count their own size, not the
// pointer's. ctx[total] then holds the return value.
#pragma once

#include <cstdint>

#include "common/call_layout.hpp"
#include "common/func_model.hpp"

namespace xtramp::abi {

inline void assign_ctx_slots(CallLayout& layout) {
  uint32_t next = 0;
  for (ArgLayout& a : layout.args) {
    a.ctx_slot = next;
    a.ctx_slots = (a.size + 7) / 8;
    next += a.ctx_slots;
  }
  layout.ctx_slots = next;
}

// Where in its slot(s) a value's bytes start: integers, enums, pointers and
// floats are numbers (the u64 a BPF program reads; a float's bits), so on big-endian targets a
// value shorter than 8 bytes sits at the slot's low-order end. Everything else is its memory image
// from the slot's first byte.
inline uint32_t ctx_value_offset(const TypeFacts& t, Arch arch) {
  const bool number = t.kind == ValueKind::integer || t.kind == ValueKind::enum_ ||
                      t.kind == ValueKind::pointer || t.kind == ValueKind::float_;
  return number && t.size < 8 && arch_endian(arch) == Endian::big ? 8 - t.size : 0;
}

}  // namespace xtramp::abi
