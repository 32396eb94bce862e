#include "conform/siggen_groups.hpp"

#include "conform/siggen_shapes.hpp"

namespace xtramp::conform::detail {

namespace {

// 0..max integer or floating scalars (as the filler between aggregates).
void fillers(SigBuilder& b, uint32_t max, bool floats) {
  Rng& r = b.rng();
  for (uint32_t k = r.below(max + 1); k > 0; k--) {
    b.param(floats && r.chance(1, 3) ? random_float(r) : random_integer(r));
  }
}

void leading_ints(SigBuilder& b, uint32_t n) {
  Rng& r = b.rng();
  for (uint32_t k = 0; k < n; k++) {
    b.param(r.chance(1, 5) ? pointer_types()[0] : random_integer(r));
  }
}

// Integers of every width and signedness, _Bool, pointers, function pointers,
// enums (4 and 8 bytes), 0-10 of them: sign/zero extension (s390x: caller
// extends to 64 bits; arm64: callee narrows; x86-64: upper bits undefined
// except _Bool) and GPR exhaustion after 5 (s390x), 6 (x86-64), 8 (arm64).
void scalars(SigBuilder& b) {
  Rng& r = b.rng();
  for (uint32_t k = r.below(11); k > 0; k--) {
    if (r.chance(1, 12)) {
      b.param(pointer_to(struct_of_size(b, r.range(1, 40), true)));
    } else {
      b.param(random_scalar_arg(b));
    }
  }
  b.set_return(random_scalar_return(b));
}

// __int128 / unsigned __int128 and structs holding them after 0-7 integers:
// x86-64 needs two free GPRs (else memory, 16-aligned); arm64 starts it at an
// even register (C.10) and never splits it; s390x passes it by reference.
void int128(SigBuilder& b) {
  Rng& r = b.rng();
  leading_ints(b, r.below(8));
  for (uint32_t k = r.range(1, 4); k > 0; k--) {
    b.param(r.chance(1, 2) ? r.pick(int128_types()) : int128_struct(b));
    fillers(b, 1, false);
  }
  const uint32_t ret = r.below(3);
  b.set_return(ret == 0 ? r.pick(int128_types()) : ret == 1 ? void_type() : integer_types()[7]);
}

// float/double mixed with integers, 1-14 of them: FPR/SSE exhaustion after
// 4 (s390x f0-f6), 8 (x86-64 xmm0-7, arm64 v0-7), separate GPR counters,
// float in the upper half of an FPR on s390x.
void floats(SigBuilder& b) {
  Rng& r = b.rng();
  for (uint32_t k = r.range(1, 14); k > 0; k--) {
    b.param(r.chance(7, 10) ? random_float(r) : random_integer(r));
  }
  const TypeRef kRet[] = {void_type(), float_types()[0], float_types()[1], integer_types()[5],
                          integer_types()[7]};
  b.set_return(kRet[r.below(5)]);
}

// long double arguments and members: x86-64 X87 class (always memory,
// 16-aligned), arm64 quad in a v register (and HFAs of quads), s390x by
// reference; returned in st0 / q0 / a hidden buffer.
void long_double(SigBuilder& b) {
  Rng& r = b.rng();
  const uint32_t n = r.range(1, 8);
  const uint32_t forced = r.below(n);
  for (uint32_t k = 0; k < n; k++) {
    const uint32_t roll = k == forced ? r.below(6) : r.below(10);
    if (roll < 4) {
      b.param(long_double_type());
    } else if (roll < 6) {
      b.param(long_double_struct(b));
    } else if (roll < 8) {
      b.param(random_float(r));
    } else {
      b.param(random_integer(r));
    }
  }
  const uint32_t ret = r.below(3);
  b.set_return(ret == 0 ? long_double_type() : ret == 1 ? void_type() : float_types()[1]);
}

// Structs of every size 1-16: x86-64 per-eightbyte INTEGER/SSE classes in up
// to two registers; arm64 in 1-2 GPRs (size rounded to 8) unless an HFA;
// s390x in a GPR for 1/2/4/8 bytes (an FPR for a lone float/double member),
// by reference otherwise.
void small_structs(SigBuilder& b) {
  Rng& r = b.rng();
  const bool with_floats = r.chance(1, 2);
  for (uint32_t k = r.range(1, 4); k > 0; k--) {
    fillers(b, 2, true);
    b.param(struct_of_size(b, r.range(1, 16), with_floats));
  }
  fillers(b, 2, true);
  b.set_return(random_scalar_return(b));
}

// Structs of 17-40 bytes: x86-64 MEMORY (copied onto the stack by value);
// arm64 and s390x replace them by a pointer to a caller-made copy.
void big_structs(SigBuilder& b) {
  Rng& r = b.rng();
  for (uint32_t k = r.range(1, 3); k > 0; k--) {
    fillers(b, 2, true);
    const uint32_t n = r.range(17, 40);
    b.param(struct_of_size(b, n, r.chance(1, 2)));
  }
  fillers(b, 2, true);
  b.set_return(random_scalar_return(b));
}

// Unions of 1-40 bytes and structs containing them: x86-64 merges the
// classes of all members per eightbyte (long double inside: memory); arm64
// treats them as composites (an HFA only if every member is of one floating
// type); s390x unions are never float-like (a GPR for 1/2/4/8 bytes).
void unions(SigBuilder& b) {
  Rng& r = b.rng();
  for (uint32_t k = r.range(1, 3); k > 0; k--) {
    fillers(b, 2, true);
    b.param(union_or_wrapper(b));
  }
  fillers(b, 1, true);
  b.set_return(random_scalar_return(b));
}

// Structs of structs, arrays inside structs: classification looks through
// nesting (x86-64 eightbytes, arm64 HFA detection, s390x single-member
// float-like chains).
void nested(SigBuilder& b) {
  Rng& r = b.rng();
  for (uint32_t k = r.range(1, 2); k > 0; k--) {
    fillers(b, 2, true);
    b.param(nested_struct(b));
  }
  fillers(b, 2, true);
  b.set_return(random_scalar_return(b));
}

// aligned(8/16/32) on members and structs, after 0-6 integers: 16-aligned
// stack slots (x86-64 psABI, arm64 C.14), arm64 even-pair only for a 16-aligned
// member (natural alignment; the struct's own attribute does not count),
// s390x: a single aligned float member still goes in an FPR.
void overaligned(SigBuilder& b) {
  Rng& r = b.rng();
  leading_ints(b, r.below(7));
  for (uint32_t k = r.range(1, 3); k > 0; k--) {
    b.param(overaligned_struct(b));
    fillers(b, 1, true);
  }
  b.set_return(random_scalar_return(b));
}

// __attribute__((packed)) structs with misaligned wide members (x86-64:
// unaligned fields force MEMORY; arm64: packed composites are 1-aligned;
// pahole drops functions with packed structs passed on the stack), alone or
// inside a plain struct, after 0-8 integers.
void packed(SigBuilder& b) {
  Rng& r = b.rng();
  leading_ints(b, r.below(9));
  for (uint32_t k = r.range(1, 3); k > 0; k--) {
    const TypeRef p = packed_struct(b, r.range(1, 32));
    if (r.chance(1, 4) && p.size <= 30) {  // a packed struct as a member
      Aggregate outer;
      Member lead, mid, tail;
      lead.type = integer_types()[r.below(3)];
      mid.type = p;
      tail.type = integer_types()[r.range(3, 8)];
      outer.add(lead);
      outer.add(mid);
      if (outer.fits(tail)) outer.add(tail);
      b.param(b.define(outer));
    } else {
      b.param(p);
    }
    fillers(b, 1, true);
  }
  b.set_return(random_scalar_return(b));
}

// Bit-fields of char/short/int/long/long long widths, zero-width `T : 0`
// and unnamed padding fields: bit-fields classify as INTEGER on x86-64 (GCC
// 12 ignores zero-width ones), count with their base type's alignment on
// arm64, and are laid out from the most significant bit on s390x.
void bitfields(SigBuilder& b) {
  Rng& r = b.rng();
  leading_ints(b, r.below(7));
  for (uint32_t k = r.range(1, 3); k > 0; k--) {
    b.param(bitfield_struct(b));
    fillers(b, 1, true);
  }
  b.set_return(random_scalar_return(b));
}

// Zero-width and unnamed bit-fields first, between, last or alone next to
// float, double, integer and aggregate members, in structs and unions, after
// 0-4 floating and integer arguments: in a struct x86-64 ignores zero-width
// ones and classifies other unnamed ones INTEGER, AArch64 HFAs skip
// zero-width ones only, and on s390x either kind is a member, so the struct
// is no longer float-like; in a union both kinds are integer members on
// x86-64 and AArch64. docs/abi.md "Bit-fields".
void unnamed_bitfields(SigBuilder& b) {
  Rng& r = b.rng();
  fillers(b, 4, true);
  for (uint32_t k = r.range(1, 3); k > 0; k--) {
    b.param(unnamed_bitfield_aggregate(b));
    fillers(b, 1, true);
  }
  b.set_return(random_scalar_return(b));
}

// Homogeneous float aggregates (1-4 float or double, via members, arrays or
// nested structs) and near-HFAs, after 0-8 floating arguments: arm64 C.2/C.3
// (all members in v registers or all on the stack, NSRN then 8), x86-64 SSE
// eightbytes (two floats share one xmm), s390x float-like single members.
void hfa(SigBuilder& b) {
  Rng& r = b.rng();
  for (uint32_t k = r.below(9); k > 0; k--) b.param(random_float(r));
  for (uint32_t k = r.range(1, 3); k > 0; k--) {
    b.param(hfa_struct(b, r.chance(1, 3)));
    if (r.chance(1, 2)) b.param(random_float(r));
  }
  fillers(b, 2, true);
  const TypeRef kRet[] = {void_type(), float_types()[0], float_types()[1]};
  b.set_return(kRet[r.below(3)]);
}

// Structs mixing integer and floating members: x86-64 eightbytes of class
// INTEGER and SSE in one struct (rdi + xmm0), arm64 not an HFA (GPRs),
// s390x by value only for 1/2/4/8 bytes.
void mixed(SigBuilder& b) {
  Rng& r = b.rng();
  for (uint32_t k = r.range(1, 3); k > 0; k--) {
    fillers(b, 2, true);
    b.param(mixed_struct(b));
  }
  fillers(b, 2, true);
  b.set_return(random_scalar_return(b));
}

// Functions returning structs/unions of 1-40 bytes (HFAs, mixed, packed,
// bit-fields, __int128, long double inside): x86-64 rax/rdx/xmm0/xmm1 or a
// hidden pointer in rdi that shifts every argument; arm64 x0/x1, v0-v3 or
// x8 (not an argument register); s390x always a hidden buffer in r2.
void struct_ret(SigBuilder& b) {
  Rng& r = b.rng();
  TypeRef ret;
  switch (r.below(10)) {
    case 0:
    case 1:
      ret = struct_of_size(b, r.range(1, 16), true);
      break;
    case 2:
      ret = struct_of_size(b, r.range(17, 40), true);
      break;
    case 3:
      ret = union_of_size(b, r.range(1, 40));
      break;
    case 4:
      ret = hfa_struct(b, r.chance(1, 3));
      break;
    case 5:
      ret = mixed_struct(b);
      break;
    case 6:
      ret = packed_struct(b, r.range(1, 40));
      break;
    case 7:
      ret = int128_struct(b);
      break;
    case 8:
      ret = long_double_struct(b);
      break;
    default:
      ret = bitfield_struct(b);
      break;
  }
  for (uint32_t k = r.below(7); k > 0; k--) {
    if (r.chance(1, 4)) {
      b.param(struct_of_size(b, r.range(1, 24), true));
    } else {
      b.param(r.chance(1, 3) ? random_float(r) : random_integer(r));
    }
  }
  b.set_return(ret);
}

// A struct that needs two registers (or, on s390x, one 8-byte struct / a
// by-reference pointer) right where the argument registers run out: k leading
// integers with k around 5 (s390x r2-r6), 6 (x86-64), 8 (arm64), and/or m
// leading floats around 4 (s390x) and 8 (x86-64/arm64), then trailing
// arguments that x86-64 may still put in registers but arm64 (C.13) may not.
void reg_exhaustion(SigBuilder& b) {
  Rng& r = b.rng();
  static const uint32_t kGpr[] = {5, 6, 8};
  static const uint32_t kFpr[] = {4, 8};
  const uint32_t mode = r.below(3);  // 0: integers, 1: floats, 2: both
  // (One PRNG call per statement: the order of evaluation of operands and
  // arguments is unspecified, and the output must not depend on the compiler.)
  uint32_t k = mode != 1 ? kGpr[r.below(3)] - 2 : 0;
  k += r.below(mode != 1 ? 4 : 3);
  uint32_t m = mode != 0 ? kFpr[r.below(2)] - 2 : 0;
  m += r.below(mode != 0 ? 4 : 2);
  // Interleave the leading integers and floats: the counters are separate.
  for (uint32_t i = 0, f = 0; i < k || f < m;) {
    if (f < m && (i == k || r.chance(1, 2))) {
      b.param(random_float(r));
      f++;
    } else {
      b.param(r.chance(1, 6) ? pointer_types()[0] : integer_types()[7 + r.below(4)]);
      i++;
    }
  }
  switch (r.below(8)) {
    case 0:
      b.param(r.pick(int128_types()));
      break;
    case 1:
      b.param(int128_struct(b));
      break;
    case 2:  // 9-16 bytes of integers: two GPRs
      b.param(struct_of_size(b, r.range(9, 16), false));
      break;
    case 3:  // two eightbytes, integer and/or floating
    case 4: {
      Aggregate a;
      Member x, y;
      x.type = r.chance(1, 2) ? float_types()[1] : integer_types()[7];
      y.type = r.chance(1, 2) ? float_types()[1] : integer_types()[7];
      a.add(x);
      a.add(y);
      b.param(b.define(a));
      break;
    }
    case 5:  // an HFA of 2-4 members
      b.param(hfa_struct(b, false));
      break;
    case 6:  // 8 bytes: one register everywhere, the last s390x GPR
      b.param(struct_of_size(b, 8, r.chance(1, 2)));
      break;
    default:  // any small struct
      b.param(struct_of_size(b, r.range(1, 16), true));
      break;
  }
  fillers(b, 3, true);
  b.set_return(random_scalar_return(b));
}

// 12-20 arguments of mixed types (kernel limit MAX_BPF_FUNC_ARGS is 12):
// long stack argument areas with every kind of slot.
void many_args(SigBuilder& b) {
  Rng& r = b.rng();
  for (uint32_t k = r.range(12, 20); k > 0; k--) {
    const uint32_t roll = r.below(20);
    if (roll < 8) {
      b.param(random_integer(r));
    } else if (roll < 13) {
      b.param(random_float(r));
    } else if (roll < 15) {
      b.param(random_scalar_arg(b));
    } else if (roll < 18) {
      b.param(struct_of_size(b, r.range(1, 16), true));
    } else if (roll == 18) {
      b.param(struct_of_size(b, r.range(17, 40), true));
    } else {
      b.param(r.chance(1, 2) ? long_double_type() : r.pick(int128_types()));
    }
  }
  b.set_return(random_scalar_return(b));
}

// _Complex float / double / long double alone and in structs, after 0-7
// floats or integers: x86-64 classifies them as struct { T re, im; } (complex
// long double: MEMORY), arm64 as an HFA of two (v registers until they run
// out, C.3), s390x passes every complex by reference; returned in xmm0(:xmm1),
// v0:v1 or the buffer at r2. (No complex long double return: x86-64 gives it
// back in %st0:%st1, which psabi refuses; aggregates are struct_ret's.)
void complex(SigBuilder& b) {
  Rng& r = b.rng();
  for (uint32_t k = r.below(8); k > 0; k--)
    b.param(r.chance(3, 4) ? random_float(r) : random_integer(r));
  for (uint32_t k = r.range(1, 4); k > 0; k--) {
    b.param(r.chance(2, 3) ? r.pick(complex_types()) : complex_struct(b));
    fillers(b, 1, true);
  }
  const uint32_t ret = r.below(3);
  b.set_return(ret == 0 ? complex_types()[r.below(2)] : ret == 1 ? void_type() : float_types()[1]);
}

// GCC vector types of 8, 16 and 32 bytes (typedefs) among floats and
// integers: x86-64 one xmm register (SSE / SSE+SSEUP), 32 bytes in memory
// without AVX; arm64 a v register, 32 bytes by reference; s390x (no vector
// facility) always by reference; returned in xmm0 / v0 or a buffer.
void vectors(SigBuilder& b) {
  Rng& r = b.rng();
  for (uint32_t k = r.below(7); k > 0; k--)
    b.param(r.chance(1, 2) ? random_float(r) : random_integer(r));
  for (uint32_t k = r.range(1, 5); k > 0; k--) {
    b.param(b.define_vector());
    fillers(b, 1, true);
  }
  const uint32_t ret = r.below(3);
  b.set_return(ret == 0 ? b.define_vector() : ret == 1 ? void_type() : float_types()[1]);
}

}  // namespace

const Group kGroups[kGroupCount] = {
    {"scalars", scalars},
    {"int128", int128},
    {"floats", floats},
    {"long_double", long_double},
    {"small_structs", small_structs},
    {"big_structs", big_structs},
    {"unions", unions},
    {"nested", nested},
    {"overaligned", overaligned},
    {"packed", packed},
    {"bitfields", bitfields},
    {"unnamed_bitfields", unnamed_bitfields},
    {"hfa", hfa},
    {"mixed", mixed},
    {"struct_ret", struct_ret},
    {"reg_exhaustion", reg_exhaustion},
    {"many_args", many_args},
    {"complex", complex},
    {"vectors", vectors},
};

}  // namespace xtramp::conform::detail
