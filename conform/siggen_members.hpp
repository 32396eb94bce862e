// Member-level helpers shared by the shape builders (siggen_shapes.cpp,
// siggen_special.cpp).
#pragma once

#include <algorithm>
#include <vector>

#include "conform/siggen_builder.hpp"

namespace xtramp::conform::detail {

inline uint32_t round_up(uint32_t v, uint32_t a) {
  return (v + a - 1) / a * a;
}

inline Member plain(const TypeRef& t, uint32_t count = 0) {
  Member m;
  m.type = t;
  m.count = count;
  return m;
}

// A palette entry of kind enumeration with no spelling stands for "a 4-byte
// enum": defined only when picked, so unused enums are never emitted.
inline TypeRef enum_placeholder() {
  return scalar("", 4, 4, Kind::enumeration);
}

inline TypeRef materialize(SigBuilder& b, const TypeRef& t) {
  if (t.kind == Kind::enumeration && t.spelling.empty()) return b.define_enum(false);
  return t;
}

inline const TypeRef& one_byte(Rng& r) {
  return integer_types()[r.below(3)];  // char, signed char, unsigned char
}

template <class T>
void shuffle(Rng& r, std::vector<T>& v) {
  for (size_t k = v.size(); k > 1; k--) std::swap(v[k - 1], v[r.below(static_cast<uint32_t>(k))]);
}

// Adds `m` if it keeps `a` within `limit`; without its array count as a
// second try.
inline bool try_add(Aggregate& a, Member m, uint32_t limit = kMaxAggregate) {
  if (a.fits(m, limit)) {
    a.add(m);
    return true;
  }
  if (m.count == 0) return false;
  m.count = 0;
  return try_add(a, m, limit);
}

}  // namespace xtramp::conform::detail
