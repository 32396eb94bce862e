#include "arch/arm64/classify.hpp"

#include <algorithm>
#include <set>
#include <string>

#include "common/error.hpp"

namespace xtramp::arm64 {

namespace {
constexpr uint32_t kMaxHfaMembers = 4;     // AAPCS64 §5.9.5: "at most four"
constexpr uint32_t kMaxHfaSize = 4 * 16;   // four quad-precision members
constexpr uint32_t kMaxRegComposite = 16;  // B.4
}  // namespace

std::optional<Hfa> homogeneous_fp_aggregate(const TypeFacts& t, std::string_view what) {
  if (!is_aggregate(t.kind) || t.size == 0 || t.size > kMaxHfaSize) return std::nullopt;
  if (!t.fields_complete)
    throw Error(Errc::unsupported,
                std::string(what) + " type " + t.c_type +
                    ": BTF lists no members, so whether it is a homogeneous floating-point "
                    "aggregate (AAPCS64 B.3/C.2) cannot be decided");
  // A zero-width bit-field adds no member (AAPCS64 §5.10.5 counts members
  // after layout; GCC aapcs_vfp_sub_candidate skips a zero-width bit-field in
  // C, https://github.com/gcc-mirror/gcc/blob/releases/gcc-12.2.0/gcc/config/aarch64/aarch64.cc,
  // with a -Wpsabi note since GCC 12). Any other unnamed bit-field is an
  // integer member: not an HFA (it also leaves the size != count * member).
  auto first = std::find_if(t.fields.begin(), t.fields.end(),
                            [](const ScalarField& f) { return !f.zero_width(); });
  if (first == t.fields.end()) return std::nullopt;
  const uint32_t elem = first->size;
  if (elem == 0 || t.size % elem != 0) return std::nullopt;
  std::set<uint32_t> offsets;
  for (const ScalarField& f : t.fields) {
    if (f.zero_width()) continue;
    if (!is_floating(f.kind) || f.bit_size != 0 || f.size != elem) return std::nullopt;
    if (f.offset % elem != 0 || f.offset + f.size > t.size) return std::nullopt;
    offsets.insert(f.offset);
  }
  const uint32_t count = t.size / elem;
  if (count > kMaxHfaMembers || offsets.size() != count) return std::nullopt;
  return Hfa{elem, count};
}

Classified classify(const TypeFacts& t, std::string_view what) {
  Classified c;
  c.natural_align = t.natural_align;
  switch (t.kind) {
    case ValueKind::void_:
      c.cls = ArgClass::none;
      break;
    case ValueKind::integer:
    case ValueKind::pointer:
    case ValueKind::enum_:
      c.cls = t.size <= 8 ? ArgClass::integral : ArgClass::gpr_block;
      break;
    case ValueKind::int128:
      c.cls = ArgClass::gpr_block;  // C.10/C.11: quad-word integer, natural alignment 16
      break;
    case ValueKind::float_:
    case ValueKind::long_double:
    case ValueKind::float128:
      c.cls = ArgClass::fp;
      break;
    case ValueKind::vector_:
      // §5.5 "Short Vectors": 8 or 16 bytes, in a v register (C.1) or an
      // 8/16-aligned slot (C.4); a 32-byte GCC vector is a composite of more
      // than 16 bytes: a copy by reference (B.4; GCC 12: `ldr s0,[x1,4]`).
      c.cls = t.size <= 16 ? ArgClass::fp : ArgClass::indirect;
      break;
    case ValueKind::complex_:
      // AAPCS64 §5.9.5 (Homogeneous Aggregates) counts a complex type as an
      // HFA of two members of its base type (GCC aarch64_vfp_is_call_or_return_candidate:
      // MODE_COMPLEX_FLOAT, count 2; GCC 12: s0/s1, d0/d1, q0/q1; docs/abi.md "Complex").
      c.cls = ArgClass::hfa;
      c.hfa = Hfa{t.size / 2, 2};
      break;
    case ValueKind::struct_:
    case ValueKind::union_:
      if (auto h = homogeneous_fp_aggregate(t, what)) {
        c.cls = ArgClass::hfa;  // B.3: used unmodified, even when > 16 bytes
        c.hfa = *h;
      } else if (t.size > kMaxRegComposite) {
        c.cls = ArgClass::indirect;  // B.4
      } else {
        c.cls = ArgClass::gpr_block;  // B.5: size rounded up to 8 when placed
      }
      break;
  }
  return c;
}

}  // namespace xtramp::arm64
