// The arch-neutral ctx slot map (DESIGN.md "The ctx ABI"): argument i's bytes
// occupy ceil(size / 8) consecutive 8-byte slots, in argument order. By-reference
// arguments are copied in by value, so they count their own size, not the
// pointer's. ctx[total] then holds the return value.
#pragma once

#include <cstdint>

#include "common/call_layout.hpp"

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

}  // namespace xtramp::abi
