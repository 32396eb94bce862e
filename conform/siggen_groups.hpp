// The signature groups. Each group is about one feature (and the ABI rules it
// drives); generate_signatures assigns signature i to group i % kGroupCount.
#pragma once

#include <cstddef>

#include "conform/siggen_builder.hpp"

namespace xtramp::conform::detail {

struct Group {
  const char* name;
  void (*build)(SigBuilder& b);  // adds parameters and sets the return type
};

inline constexpr size_t kGroupCount = 19;
extern const Group kGroups[kGroupCount];

}  // namespace xtramp::conform::detail
