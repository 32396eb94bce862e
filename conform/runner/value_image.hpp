// The bytes a round trip passes for one value ("graffiti": every byte encodes
// the value's index and the byte's index, so a byte that moved names where it
// came from), and which of its bits the ABI actually carries.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "common/arch.hpp"
#include "common/func_model.hpp"

namespace xtramp::conform {

struct ValueImage {
  std::vector<uint8_t> bytes;  // the value's memory image, as the caller passes it
  // Per byte, the bits that are part of the value. 0 for padding: struct
  // holes, bits beside bit-fields, the x87 long double's 6 tail bytes. The
  // ABIs do not promise to carry padding, so the round trip ignores it.
  std::vector<uint8_t> mask;
};

// Byte `byte` of value `index` (arguments 0.., the return value after them).
uint8_t graffiti_byte(uint32_t index, uint32_t byte);

// The bytes [first, second) of an aggregate that hold `f`: its storage, or
// for a bit-field the bytes its bits touch (in memory order on both byte
// orders: BTF counts bit offsets from the first byte's first bit).
std::pair<uint32_t, uint32_t> field_bytes(const ScalarField& f);

// Graffiti for a value of type `t` on `arch`, adjusted where arbitrary bits
// are not a value of the type: _Bool is 0 or 1; an x87 long double gets its
// explicit integer bit and a non-zero exponent (else the x87 loads it as a
// different number).
ValueImage make_image(const TypeFacts& t, Arch arch, uint32_t index);

// The image of `result` (a program's 64-bit result) as a value of type `t`:
// its low-order t.size bytes, as a number in the target's byte order (of a
// _Bool only bit 0 counts: callers differ on the other bits).
ValueImage number_image(const TypeFacts& t, Arch arch, uint64_t result);

// The first byte i where (a[i] ^ b[i]) & mask[i] != 0, or -1.
long first_difference(const uint8_t* a, const uint8_t* b, const std::vector<uint8_t>& mask);

}  // namespace xtramp::conform
