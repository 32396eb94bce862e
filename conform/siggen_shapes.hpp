// Aggregate shapes the groups are made of. Each returns the defined type (its
// definition, and those of any inner types, are emitted into the builder
// first); all of them stay within kMaxAggregate bytes on every architecture.
#pragma once

#include <cstdint>
#include <vector>

#include "conform/siggen_builder.hpp"

namespace xtramp::conform::detail {

// Scalar pickers. random_integer: every width 1/2/4/8, signed and unsigned.
TypeRef random_integer(Rng& r);
TypeRef random_float(Rng& r);  // float or double
// An integer, _Bool, data or function pointer, or enum (defined on demand).
TypeRef random_scalar_arg(SigBuilder& b);
// void (1 in 3) or an integer / pointer / double.
TypeRef random_scalar_return(SigBuilder& b);

// Member palettes: integers, float/double and pointers (+ a 4-byte enum).
std::vector<TypeRef> plain_palette(bool with_floats);

// A struct of exactly `n` bytes when the palette has a 1-byte type and no
// type whose alignment differs between architectures (otherwise at most n):
// members in random order with random padding holes, some of them arrays,
// one member of the struct's alignment `align` (0: random) anywhere.
Aggregate fill_struct(SigBuilder& b, uint32_t n, const std::vector<TypeRef>& palette,
                      uint32_t align = 0);
TypeRef struct_of_size(SigBuilder& b, uint32_t n, bool with_floats);
// A union of `n` bytes (a byte array sets the size, other members of
// every kind share it, sometimes a struct member).
TypeRef union_of_size(SigBuilder& b, uint32_t n);

// Homogeneous float aggregates: 1-4 float or double members, as members,
// arrays or nested single-type structs; `near` gives a non-HFA look-alike
// (5 members, float+double, an int among floats, a zero-width bit-field).
TypeRef hfa_struct(SigBuilder& b, bool near);
// int and float members in one struct (x86-64: per-eightbyte classes).
TypeRef mixed_struct(SigBuilder& b);
// Bit-fields of char/short/int/long/long long widths, zero-width and unnamed
// ones; bit-field-only or mixed with plain members.
TypeRef bitfield_struct(SigBuilder& b);
// A struct or union with one unnamed bit-field (zero-width `T : 0;` or
// `T : n;`) first, between, last or alone, next to float, double, integer or
// aggregate members (docs/abi.md "Bit-fields").
TypeRef unnamed_bitfield_aggregate(SigBuilder& b);
// __attribute__((packed)) (sometimes packed+aligned(2/4/8)) with misaligned
// wide members, `n` bytes before the trailing alignment.
TypeRef packed_struct(SigBuilder& b, uint32_t n);
// aligned(8/16/32) on the struct or on a member, or a struct containing one.
TypeRef overaligned_struct(SigBuilder& b);
// A struct of structs (depth 2-3) with arrays of scalars and of structs.
TypeRef nested_struct(SigBuilder& b);
// 16 or 32 bytes, 16-aligned on x86-64/arm64: __int128 or long double inside.
TypeRef int128_struct(SigBuilder& b);
TypeRef long_double_struct(SigBuilder& b);
// 8-40 bytes with _Complex members: complex members and their base type only
// (an HFA on arm64), or with floats and integers.
TypeRef complex_struct(SigBuilder& b);
// A struct containing a union, or a union.
TypeRef union_or_wrapper(SigBuilder& b);

}  // namespace xtramp::conform::detail
