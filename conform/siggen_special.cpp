// The feature shapes: HFAs, mixed int/float, bit-fields, packed,
// over-aligned, __int128 and long double structs.
#include <algorithm>

#include "conform/siggen_members.hpp"
#include "conform/siggen_shapes.hpp"

namespace xtramp::conform::detail {

TypeRef hfa_struct(SigBuilder& b, bool near) {
  Rng& r = b.rng();
  const TypeRef base = random_float(r);
  const TypeRef other = float_types()[base.size == 4 ? 1 : 0];
  Aggregate a;
  if (!near) {  // an HFA: 1-4 members of one floating type after layout
    const uint32_t n = r.range(1, 4);
    switch (r.below(3)) {
      case 0:  // separate members
        for (uint32_t k = 0; k < n; k++) a.add(plain(base));
        break;
      case 1:  // one array, or an array plus members
      {
        const uint32_t arr = r.range(1, n);
        a.add(plain(base, arr));
        for (uint32_t k = arr; k < n; k++) a.add(plain(base));
        break;
      }
      default:  // nested single-type structs (sometimes two levels)
      {
        const uint32_t inner_n = r.range(1, n);
        Aggregate in;
        for (uint32_t k = 0; k < inner_n; k++) in.add(plain(base));
        TypeRef inner = b.define(in);
        if (r.chance(1, 3)) {
          Aggregate wrap;
          wrap.add(plain(inner));
          inner = b.define(wrap);
        }
        const bool inner_first = r.chance(1, 2);
        if (inner_first) a.add(plain(inner));
        if (n > inner_n) a.add(plain(base, n - inner_n > 1 ? n - inner_n : 0));
        if (!inner_first) a.add(plain(inner));
        break;
      }
    }
    return b.define(a);
  }
  switch (r.below(5)) {  // near-HFAs: not homogeneous, or more than 4 members
    case 0:              // 5 members: 20 or 40 bytes
      if (r.chance(1, 2)) {
        a.add(plain(base, 5));
      } else {
        for (int k = 0; k < 5; k++) a.add(plain(base));
      }
      break;
    case 1:  // float and double
      a.add(plain(base));
      a.add(plain(other, r.chance(1, 3) ? 2 : 0));
      if (r.chance(1, 2)) a.add(plain(base));
      break;
    case 2:  // an integer among floating members
      a.add(plain(base, r.range(1, 3)));
      a.add(plain(random_integer(r)));
      break;
    case 3:  // a zero-width bit-field between floats (arm64: GCC 12.1 ABI change)
    {
      a.add(plain(base));
      Member z = plain(integer_types()[5]);
      z.bits = 0;
      z.named = false;
      a.add(z);
      a.add(plain(base, r.chance(1, 2) ? 2 : 0));
      break;
    }
    default:  // a nested struct of the other floating type
    {
      Aggregate in;
      in.add(plain(other));
      a.add(plain(base, r.range(1, 2)));
      a.add(plain(b.define(in)));
      break;
    }
  }
  return b.define(a);
}

TypeRef mixed_struct(SigBuilder& b) {
  Rng& r = b.rng();
  Aggregate a;
  bool has_int = false, has_float = false;
  const uint32_t n = r.range(2, 6);
  for (uint32_t k = 0; k < n; k++) {
    bool want_float = r.chance(1, 2);
    if (k + 1 == n && !has_float) want_float = true;
    if (k + 1 == n && !has_int) want_float = false;
    const TypeRef t = want_float ? random_float(r) : random_integer(r);
    // 32 leaves room for a final member of either kind below.
    if (try_add(a, plain(t, r.chance(1, 5) ? r.range(2, 3) : 0), 32)) {
      (want_float ? has_float : has_int) = true;
    }
  }
  if (!has_float) a.add(plain(float_types()[0]));
  if (!has_int) a.add(plain(integer_types()[5]));
  return b.define(a);
}

TypeRef bitfield_struct(SigBuilder& b) {
  Rng& r = b.rng();
  Aggregate a;
  const bool only_bitfields = r.chance(1, 2);
  const uint32_t n = r.range(1, 8);
  for (uint32_t k = 0; k < n; k++) {
    if (!only_bitfields && r.chance(1, 3)) {
      const TypeRef t = random_integer(r);
      try_add(a, plain(t, r.chance(1, 4) ? r.range(2, 3) : 0));
      continue;
    }
    Member m = plain(random_integer(r));
    const uint32_t bits = m.type.size * 8;
    const uint32_t roll = r.below(8);
    if (k > 0 && roll == 0) {  // `T : 0;` starts the next bit-field at a new T unit
      m.bits = 0;
      m.named = false;
    } else if (k > 0 && roll == 1) {  // unnamed padding bits
      m.bits = static_cast<int>(r.range(1, bits - 1));
      m.named = false;
    } else {  // mostly narrow fields, so that several share one unit
      m.bits = static_cast<int>(r.range(1, r.chance(1, 2) ? std::min(bits, 9u) : bits));
    }
    try_add(a, m);
  }
  if (a.empty_of_named()) {
    Member m = plain(integer_types()[6]);
    m.bits = static_cast<int>(r.range(1, 32));
    a.add(m);
  }
  return b.define(a);
}

TypeRef unnamed_bitfield_aggregate(SigBuilder& b) {
  Rng& r = b.rng();
  // The neighbour: what the single-member (s390x), HFA (AAPCS64) and SSE
  // (x86-64) rules look at. An aggregate is {float}, {double}, {float, float}
  // or {int}.
  auto neighbour = [&](uint32_t kind) -> TypeRef {
    switch (kind) {
      case 0:
        return float_types()[0];
      case 1:
        return float_types()[1];
      case 2:
        return random_integer(r);
      default: {
        Aggregate in;
        const uint32_t shape = r.below(4);
        if (shape == 3) {
          in.add(plain(integer_types()[5]));
        } else {
          in.add(plain(float_types()[shape == 1 ? 1 : 0]));
          if (shape == 2) in.add(plain(float_types()[0]));
        }
        return b.define(in);
      }
    }
  };
  const uint32_t kind = r.below(4);
  const TypeRef n1 = neighbour(kind);
  // The second neighbour, for `between`, is mostly of the same kind (an HFA
  // or SSE pair the bit-field splits).
  const TypeRef n2 = r.chance(2, 3) ? neighbour(kind) : neighbour(r.below(4));
  constexpr uint32_t kBase[] = {2, 4, 5, 6, 7, 8};  // unsigned char ... unsigned long
  Member u = plain(integer_types()[kBase[r.below(6)]]);
  u.named = false;
  const uint32_t bits = u.type.size * 8;
  u.bits = r.chance(1, 2) ? 0 : static_cast<int>(r.range(1, bits));
  // A union in one case of three: GCC classifies a union's members by their
  // types, so there a zero-width bit-field counts too (docs/abi.md).
  Aggregate a(r.chance(1, 3));
  switch (r.below(4)) {
    case 0:  // first
      a.add(u);
      a.add(plain(n1));
      break;
    case 1:  // between
      a.add(plain(n1));
      a.add(u);
      a.add(plain(n2));
      break;
    case 2:  // last
      a.add(plain(n1));
      a.add(u);
      break;
    default: {  // alone: a struct of only the bit-field, as a member next to n1
      // Not zero-width: an empty struct is no C and has no argument slot.
      if (u.bits == 0) u.bits = static_cast<int>(r.range(1, bits));
      Aggregate in;
      in.add(u);
      const TypeRef only = b.define(in);
      if (r.chance(1, 2)) {
        a.add(plain(n1));
        a.add(plain(only));
      } else {
        a.add(plain(only));
        a.add(plain(n1));
      }
      break;
    }
  }
  return b.define(a);
}

TypeRef packed_struct(SigBuilder& b, uint32_t n) {
  Rng& r = b.rng();
  std::vector<TypeRef> palette = plain_palette(true);
  palette.insert(palette.end(), int128_types().begin(), int128_types().end());
  palette.push_back(long_double_type());
  Aggregate a;
  a.set_packed();
  uint32_t cursor = 0;
  if (r.chance(7, 10)) {  // a leading byte misaligns every wider member after it
    a.add(plain(one_byte(r)));
    cursor = 1;
  }
  while (cursor < n) {
    if (n - cursor >= 2 && r.chance(1, 8)) {  // a plain (unpacked) struct inside
      const TypeRef in = struct_of_size(b, r.range(1, std::min(n - cursor, 16u)), true);
      a.add(plain(in));
      cursor += in.size;
      continue;
    }
    std::vector<TypeRef> cands;
    for (const TypeRef& t : palette) {
      if (t.size <= n - cursor && !t.user_aligned) cands.push_back(t);
    }
    const TypeRef t = materialize(b, r.pick(cands));
    const uint32_t max_count = (n - cursor) / t.size;
    const uint32_t count = max_count >= 2 && r.chance(1, 5) ? r.range(2, max_count) : 0;
    a.add(plain(t, count));
    cursor += t.size * std::max(count, 1u);
  }
  if (r.chance(1, 4)) {  // packed, aligned(N): members unaligned, the struct N-aligned
    const uint32_t al = 2u << r.below(3);
    if (round_up(n, al) <= kMaxAggregate) a.set_align_attr(al);
  }
  return b.define(a);
}

TypeRef overaligned_struct(SigBuilder& b) {
  Rng& r = b.rng();
  static const uint32_t kAligns[] = {8, 16, 32};
  const uint32_t al = kAligns[r.below(3)];
  switch (r.below(5)) {
    case 0:  // aligned(N) on the struct: sizeof rounds up to N
    {
      Aggregate a = fill_struct(b, r.range(1, al == 8 ? 40 : 32), plain_palette(true));
      a.set_align_attr(al);
      return b.define(a);
    }
    case 1:  // aligned(N) on one member, others before and after
    {
      Aggregate a;
      for (uint32_t k = r.below(3); k > 0; k--) try_add(a, plain(random_integer(r)));
      Member m = plain(r.chance(1, 3) ? random_float(r) : random_integer(r));
      m.align_attr = al;
      if (!try_add(a, m)) {
        Aggregate fresh;  // the leading members pushed it past 40 bytes
        fresh.add(m);
        a = fresh;
      }
      for (uint32_t k = r.below(3); k > 0; k--) try_add(a, plain(random_integer(r)));
      return b.define(a);
    }
    case 2:  // a struct containing an over-aligned struct
    {
      Aggregate in;
      in.add(plain(random_integer(r)));
      in.set_align_attr(al == 32 ? 16 : al);
      const TypeRef inner = b.define(in);
      Aggregate a;
      if (r.chance(1, 2)) a.add(plain(one_byte(r)));
      a.add(plain(inner));
      try_add(a, plain(random_integer(r)));
      return b.define(a);
    }
    case 3:  // one aligned floating member (s390x: an FPR at 8 bytes, by reference at 16)
    {
      Aggregate a;
      Member m = plain(random_float(r));
      m.align_attr = al == 32 ? 16 : al;
      a.add(m);
      return b.define(a);
    }
    default:  // {T a aligned(16); T b} vs aligned(16) {T a, b}: arm64 pairs only the first
    {
      const TypeRef t = r.chance(1, 3) ? float_types()[1] : integer_types()[7];
      Aggregate a;
      Member first = plain(t);
      if (r.chance(1, 2)) {
        first.align_attr = 16;
      } else {
        a.set_align_attr(16);
      }
      a.add(first);
      a.add(plain(t));
      return b.define(a);
    }
  }
}

TypeRef int128_struct(SigBuilder& b) {
  std::vector<TypeRef> palette = int128_types();
  const std::vector<TypeRef>& ints = integer_types();
  palette.insert(palette.end(), ints.begin(), ints.end());
  return b.define(fill_struct(b, b.rng().chance(1, 2) ? 16 : 32, palette, 16));
}

TypeRef long_double_struct(SigBuilder& b) {
  std::vector<TypeRef> palette = {long_double_type(), long_double_type()};
  const std::vector<TypeRef>& ints = integer_types();
  palette.insert(palette.end(), ints.begin(), ints.end());
  palette.insert(palette.end(), float_types().begin(), float_types().end());
  return b.define(fill_struct(b, b.rng().chance(1, 2) ? 16 : 32, palette, 16));
}

TypeRef complex_struct(SigBuilder& b) {
  Rng& r = b.rng();
  if (r.chance(1, 2)) {  // float-only: complex float/double and their base type
    const uint32_t k = r.below(2);
    const TypeRef c = complex_types()[k];
    const std::vector<TypeRef> palette = {c, c, float_types()[k]};
    return b.define(fill_struct(b, c.size * r.range(1, k == 0 ? 4 : 2), palette, c.align));
  }
  std::vector<TypeRef> palette = complex_types();
  palette.insert(palette.end(), float_types().begin(), float_types().end());
  palette.push_back(random_integer(r));
  Aggregate a = fill_struct(b, r.range(8, kMaxAggregate), palette);
  // fill_struct may anchor on a plain float: make sure a complex is inside.
  if (a.fits(plain(complex_types()[0]))) a.add(plain(complex_types()[0]));
  return b.define(a);
}

}  // namespace xtramp::conform::detail
