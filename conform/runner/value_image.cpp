#include "conform/runner/value_image.hpp"

#include <algorithm>

#include "common/target.hpp"

namespace xtramp::conform {
namespace {

bool is_bool(const TypeFacts& t) {
  return t.kind == ValueKind::integer && t.size == 1 &&
         (t.c_type.find("_Bool") != std::string::npos || t.c_type == "bool");
}

// x86-64 long double: 64-bit significand with an explicit integer bit (byte
// 7, bit 7), 15-bit exponent in bytes 8-9, 6 bytes of padding.
constexpr uint32_t kX87Bytes = 10;

bool is_x87(ValueKind k, Arch arch) {
  return k == ValueKind::long_double && target(arch).long_double_x87;
}

void mark(std::vector<uint8_t>& mask, uint32_t from, uint32_t to) {
  for (uint32_t i = from; i < to && i < mask.size(); ++i) mask[i] = 0xff;
}

std::vector<uint8_t> value_mask(const TypeFacts& t, Arch arch) {
  std::vector<uint8_t> mask(t.size, 0);
  if (!has_fields(t.kind)) {
    mark(mask, 0, is_x87(t.kind, arch) ? kX87Bytes : t.size);
    return mask;
  }
  if (!t.fields_complete || t.fields.empty()) {
    mark(mask, 0, t.size);  // contents unknown: every byte counts
    return mask;
  }
  for (const ScalarField& f : t.fields) {
    if (f.unnamed) continue;  // an unnamed bit-field's bits are indeterminate
    const auto [from, to] = field_bytes(f);
    mark(mask, from, f.bit_size == 0 && is_x87(f.kind, arch) ? from + kX87Bytes : to);
  }
  return mask;
}

void fix_x87(std::vector<uint8_t>& b, uint32_t at) {
  if (at + kX87Bytes > b.size()) return;
  b[at + 7] |= 0x80;                                             // integer bit
  if (b[at + 8] == 0 && (b[at + 9] & 0x7f) == 0) b[at + 8] = 1;  // not a denormal
}

}  // namespace

std::pair<uint32_t, uint32_t> field_bytes(const ScalarField& f) {
  if (f.bit_size == 0) return {f.offset, f.offset + f.size};
  return {f.bit_offset / 8u, (f.bit_offset + f.bit_size + 7u) / 8u};
}

uint8_t graffiti_byte(uint32_t index, uint32_t byte) {
  return static_cast<uint8_t>(0x11u * (index + 1) + byte);
}

ValueImage make_image(const TypeFacts& t, Arch arch, uint32_t index) {
  ValueImage v;
  v.bytes.resize(t.size);
  for (uint32_t i = 0; i < t.size; ++i) v.bytes[i] = graffiti_byte(index, i);
  v.mask = value_mask(t, arch);
  if (is_bool(t)) {
    std::fill(v.bytes.begin(), v.bytes.end(), 0);
    v.bytes[arch_endian(arch) == Endian::big ? t.size - 1 : 0] = 1;
  }
  if (is_x87(t.kind, arch)) fix_x87(v.bytes, 0);
  if (has_fields(t.kind))  // aggregates, and a complex long double's two parts
    for (const ScalarField& f : t.fields)
      if (is_x87(f.kind, arch) && f.bit_size == 0) fix_x87(v.bytes, f.offset);
  return v;
}

ValueImage number_image(const TypeFacts& t, Arch arch, uint64_t result) {
  ValueImage v;
  v.bytes.resize(t.size);
  for (uint32_t i = 0; i < t.size && i < 8; ++i) {
    const uint8_t b = static_cast<uint8_t>(result >> (8 * i));  // i-th least significant byte
    v.bytes[arch_endian(arch) == Endian::big ? t.size - 1 - i : i] = b;
  }
  v.mask = value_mask(t, arch);
  // A result that is not 0 or 1 is no _Bool: a caller may keep its byte
  // (GCC) or only its bit 0 (clang); both agree on that bit.
  if (is_bool(t)) v.mask.assign(t.size, 0x01);
  return v;
}

long first_difference(const uint8_t* a, const uint8_t* b, const std::vector<uint8_t>& mask) {
  for (size_t i = 0; i < mask.size(); ++i)
    if (((a[i] ^ b[i]) & mask[i]) != 0) return static_cast<long>(i);
  return -1;
}

}  // namespace xtramp::conform
