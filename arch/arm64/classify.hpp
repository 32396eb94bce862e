// AAPCS64 argument classes: which of the Stage B/C rules (AAPCS64 §6.8.2)
// an argument or result of a given type goes through.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "common/func_model.hpp"

namespace xtramp::arm64 {

enum class ArgClass : uint8_t {
  none,       // void (results only)
  fp,         // half/single/double/quad scalar: C.1, else C.4-C.6
  hfa,        // homogeneous floating-point aggregate: B.3, C.2, else C.3/C.4/C.6
  integral,   // integer / pointer / enum <= 8 bytes: C.9, else C.16/C.17
  gpr_block,  // __int128 or composite <= 16 bytes: C.10-C.12, else C.13-C.15
  indirect,   // composite > 16 bytes, not an HFA: B.4 (pointer to a caller copy)
};

struct Hfa {
  uint32_t elem = 0;   // bytes of one member (2, 4, 8 or 16)
  uint32_t count = 0;  // 1..4 members = registers
};

struct Classified {
  ArgClass cls = ArgClass::none;
  Hfa hfa;                     // cls == hfa
  uint32_t natural_align = 1;  // AAPCS64 §5.6 natural alignment (member-level attributes only)
};

// AAPCS64 §5.9.5 "Homogeneous Aggregates", as GCC's aapcs_vfp_sub_candidate
// decides it: every flattened leaf is a floating-point type of one size (on
// arm64 all FP types of one size are one Fundamental Data Type; the half
// formats share one), the leaves tile the aggregate exactly (size == count *
// elem, union alternatives overlapping on the same slots), 1 <= count <= 4.
// Bit-fields are integers and so disqualify. nullopt: not an HFA.
// Throws Error(unsupported) when the members are unknown (opaque BTF
// aggregate of <= 64 bytes), naming `what` ("The function f arg2").
std::optional<Hfa> homogeneous_fp_aggregate(const TypeFacts& t, std::string_view what);

Classified classify(const TypeFacts& t, std::string_view what);

}  // namespace xtramp::arm64
