// Shape builders: scalar pickers, palettes, exact-size structs and unions,
// nested structs.
#include "conform/siggen_shapes.hpp"

#include <algorithm>

#include "conform/siggen_members.hpp"

namespace xtramp::conform::detail {

TypeRef random_integer(Rng& r) {
  return r.pick(integer_types());
}

TypeRef random_float(Rng& r) {
  return r.pick(float_types());
}

TypeRef random_scalar_arg(SigBuilder& b) {
  Rng& r = b.rng();
  switch (r.below(10)) {
    case 0:
      return bool_type();
    case 1:
      return r.pick(pointer_types());
    case 2:
      return b.define_function_pointer();
    case 3:
      return b.define_enum(r.chance(1, 4));
    default:
      return random_integer(r);
  }
}

TypeRef random_scalar_return(SigBuilder& b) {
  Rng& r = b.rng();
  switch (r.below(9)) {
    case 0:
    case 1:
    case 2:
      return void_type();
    case 3:
      return bool_type();
    case 4:
      return r.pick(pointer_types());
    case 5:
      return float_types()[1];
    default:
      return random_integer(r);
  }
}

std::vector<TypeRef> plain_palette(bool with_floats) {
  std::vector<TypeRef> p = integer_types();
  p.push_back(pointer_types()[0]);
  p.push_back(pointer_types()[1]);
  p.push_back(enum_placeholder());
  for (int k = 0; with_floats && k < 3; k++) {
    p.insert(p.end(), float_types().begin(), float_types().end());
  }
  return p;
}

Aggregate fill_struct(SigBuilder& b, uint32_t n, const std::vector<TypeRef>& palette,
                      uint32_t align) {
  Rng& r = b.rng();
  if (align == 0) {
    std::vector<uint32_t> aligns;
    for (const TypeRef& t : palette) {
      if (t.size <= n && n % t.align == 0 &&
          std::find(aligns.begin(), aligns.end(), t.align) == aligns.end()) {
        aligns.push_back(t.align);
      }
    }
    // Mostly not 1: a 1-aligned struct holds only bytes.
    if (aligns.size() > 1 && r.chance(7, 8)) {
      aligns.erase(std::remove(aligns.begin(), aligns.end(), 1u), aligns.end());
    }
    align = aligns.empty() ? 1 : r.pick(aligns);
  }
  std::vector<TypeRef> anchors;
  for (const TypeRef& t : palette) {
    if (t.align == align && t.size <= n) anchors.push_back(t);
  }
  Aggregate agg;
  bool anchored = anchors.empty();
  const TypeRef anchor = anchored ? TypeRef{} : r.pick(anchors);
  // Whether the anchor (the member that gives the struct its alignment) still
  // fits after a member ending at `end`.
  auto room = [&](uint32_t end) { return anchored || round_up(end, align) + anchor.size <= n; };
  uint32_t cursor = 0;
  while (cursor < n) {
    if (anchored && cursor + align > n && r.chance(1, 3)) break;  // leave tail padding
    std::vector<TypeRef> cands;
    for (const TypeRef& t : palette) {
      const uint32_t off = round_up(cursor, t.align);
      if (t.align <= align && off + t.size <= n && room(off + t.size)) cands.push_back(t);
    }
    if (!anchored && (cands.empty() || r.chance(1, 3))) {
      agg.add(plain(materialize(b, anchor)));
      cursor = round_up(cursor, align) + anchor.size;
      anchored = true;
      continue;
    }
    if (cands.empty()) break;
    if (r.chance(1, 2)) {  // half of the time one of the widest candidates
      uint32_t widest = 1;
      for (const TypeRef& t : cands) widest = std::max(widest, t.align);
      std::erase_if(cands, [&](const TypeRef& t) { return t.align != widest; });
    }
    const TypeRef t = materialize(b, r.pick(cands));
    const uint32_t off = round_up(cursor, t.align);
    uint32_t count = 0;
    if (r.chance(1, t.size == 1 ? 2 : 4)) {  // an array: long byte arrays are common in C
      uint32_t k = t.size == 1 ? 16 : 4;
      while (k >= 2 && !(off + k * t.size <= n && room(off + k * t.size))) k--;
      if (k >= 2) count = r.range(2, k);
    }
    agg.add(plain(t, count));
    cursor = off + t.size * std::max(count, 1u);
  }
  if (!anchored) agg.add(plain(materialize(b, anchor)));
  return agg;
}

TypeRef struct_of_size(SigBuilder& b, uint32_t n, bool with_floats) {
  return b.define(fill_struct(b, n, plain_palette(with_floats)));
}

TypeRef union_of_size(SigBuilder& b, uint32_t n) {
  Rng& r = b.rng();
  std::vector<TypeRef> palette = plain_palette(true);
  palette.insert(palette.end(), int128_types().begin(), int128_types().end());
  palette.push_back(long_double_type());
  std::vector<uint32_t> aligns;
  for (const TypeRef& t : palette) {
    if (t.size <= n && n % t.align == 0 &&
        std::find(aligns.begin(), aligns.end(), t.align) == aligns.end()) {
      aligns.push_back(t.align);
    }
  }
  const uint32_t align = r.pick(aligns);  // never empty: char has alignment 1
  std::vector<TypeRef> anchors;
  for (const TypeRef& t : palette) {
    if (t.align == align && t.size <= n) anchors.push_back(t);
  }
  std::vector<Member> members = {plain(materialize(b, r.pick(anchors)))};
  // A byte array of n-align+1 .. n bytes makes the union exactly n bytes.
  if (members[0].type.size + align <= n || r.chance(1, 2)) {
    const uint32_t s = n - r.below(align);
    members.push_back(plain(integer_types()[2], s > 1 ? s : 0));
  }
  for (uint32_t k = r.below(3); k > 0; k--) {
    if (r.chance(1, 4)) {  // a struct member, aligned at most like the union
      uint32_t sa = 1u << r.below(4);
      while (sa > align) sa /= 2;
      const uint32_t m = sa * r.range(1, n / sa);
      members.push_back(plain(b.define(fill_struct(b, m, plain_palette(true), sa))));
      continue;
    }
    std::vector<TypeRef> cands;
    for (const TypeRef& t : palette) {
      if (t.align <= align && t.size <= n) cands.push_back(t);
    }
    const TypeRef t = materialize(b, r.pick(cands));
    const uint32_t max_count = n / t.size;
    members.push_back(plain(t, max_count >= 2 && r.chance(1, 3) ? r.range(2, max_count) : 0));
  }
  shuffle(r, members);
  Aggregate u(true);
  for (const Member& m : members) u.add(m);
  return b.define(u);
}

TypeRef nested_struct(SigBuilder& b) {
  Rng& r = b.rng();
  const uint32_t n = r.range(1, 12);
  TypeRef inner = struct_of_size(b, n, r.chance(1, 2));
  if (r.chance(1, 2)) {  // a middle level: the inner struct, maybe as an array
    Aggregate mid;
    if (r.chance(1, 2)) {
      const TypeRef lead = random_integer(r);
      mid.add(plain(lead, r.range(0, 3)));
    }
    try_add(mid, plain(inner, r.chance(1, 3) ? 2 : 0), 32);
    const TypeRef tail = random_integer(r);
    try_add(mid, plain(tail, r.chance(1, 2) ? r.range(2, 5) : 0), 32);
    inner = b.define(mid);
  }
  Aggregate a;
  const bool inner_first = r.chance(1, 2);
  if (inner_first) a.add(plain(inner));
  // Scalars first leave room for the inner struct (alignment <= 8) after them.
  const uint32_t limit = inner_first ? kMaxAggregate : kMaxAggregate - 7 - inner.size;
  for (uint32_t k = r.range(1, 3); k > 0 && limit > 8; k--) {
    const TypeRef t = r.chance(1, 4) ? random_float(r) : random_integer(r);
    try_add(a, plain(t, r.chance(1, 3) ? r.range(2, 6) : 0), limit);
  }
  if (!inner_first) try_add(a, plain(inner, r.chance(1, 4) ? 2 : 0));
  return b.define(a);
}

TypeRef union_or_wrapper(SigBuilder& b) {
  Rng& r = b.rng();
  if (r.chance(1, 2)) return union_of_size(b, r.range(1, 40));
  const TypeRef u = union_of_size(b, r.range(1, 24));
  Aggregate a;
  for (uint32_t k = r.below(3); k > 0; k--) try_add(a, plain(random_integer(r)));
  if (!try_add(a, plain(u))) a = Aggregate();
  if (a.member_count() == 0) a.add(plain(u));
  for (uint32_t k = r.below(3); k > 0; k--) {
    try_add(a, plain(r.chance(1, 3) ? random_float(r) : random_integer(r)));
  }
  return b.define(a);
}

}  // namespace xtramp::conform::detail
