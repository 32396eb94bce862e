#include "arch/x86_64/classify.hpp"

#include <algorithm>

namespace xtramp::x86_64 {

std::string_view cls_name(Cls c) {
  switch (c) {
    case Cls::no_class:
      return "NO_CLASS";
    case Cls::integer:
      return "INTEGER";
    case Cls::sse:
      return "SSE";
    case Cls::sseup:
      return "SSEUP";
    case Cls::x87:
      return "X87";
    case Cls::x87up:
      return "X87UP";
    case Cls::memory:
      return "MEMORY";
  }
  return "?";
}

uint32_t Classification::needed(Cls c) const {
  return static_cast<uint32_t>(std::count(eightbytes.begin(), eightbytes.end(), c));
}

namespace {

// psABI §3.2.3 "Classification", aggregate rule 4 (a)-(f) (GCC merge_classes).
Cls merge(Cls a, Cls b) {
  if (a == b) return a;                                             // (a)
  if (a == Cls::no_class) return b;                                 // (b)
  if (b == Cls::no_class) return a;                                 // (b)
  if (a == Cls::memory || b == Cls::memory) return Cls::memory;     // (c)
  if (a == Cls::integer || b == Cls::integer) return Cls::integer;  // (d)
  if (a == Cls::x87 || a == Cls::x87up || b == Cls::x87 || b == Cls::x87up)
    return Cls::memory;  // (e)
  return Cls::sse;       // (f)
}

// psABI §3.2.3 "Classification", scalar types. Returns the classes of the
// eightbytes the scalar covers, starting with the eightbyte it begins in.
std::vector<Cls> scalar_classes(ValueKind k, uint32_t size) {
  switch (k) {
    case ValueKind::integer:
    case ValueKind::pointer:
    case ValueKind::enum_:
      return {Cls::integer};  // "_Bool, char, short, int, long, long long, and pointers"
    case ValueKind::int128:
      // "__int128 ... is treated as if it were implemented as struct { long low, high; }"
      return {Cls::integer, Cls::integer};
    case ValueKind::float_:
      return {Cls::sse};  // "float, double, _Decimal32, _Decimal64" (and _Float16)
    case ValueKind::float128:
      return {Cls::sse, Cls::sseup};  // "__float128, _Decimal128 ... SSE, SSEUP"
    case ValueKind::vector_:
      // "__m64 ... SSE"; "__float128, _Decimal128 and __m128 are split into two
      // halves ... SSE ... SSEUP". A 32-byte vector is SSE, SSEUP x3 only with
      // AVX: GCC 12's default x86-64 passes and returns it in memory ("AVX
      // vector argument without AVX enabled changes the ABI", -Wpsabi).
      if (size == 8) return {Cls::sse};
      if (size == 16) return {Cls::sse, Cls::sseup};
      break;
    case ValueKind::long_double:
      // "The 64-bit mantissa ... belongs to class X87, the 16-bit exponent plus
      // 6 bytes of padding belongs to class X87UP."
      return {Cls::x87, Cls::x87up};
    default:
      break;
  }
  return std::vector<Cls>((size + 7) / 8, Cls::memory);
}

}  // namespace

Classification classify(const TypeFacts& t, bool in_return) {
  Classification c;
  std::vector<Cls>& cls = c.eightbytes;

  if (!has_fields(t.kind)) {
    cls = scalar_classes(t.kind, t.size);
  } else {
    // A complex: "Arguments of complex T where T is one of the types float or
    // double are treated as if they are implemented as: struct complexT { T
    // real; T imag; };" (its `fields`). "A variable of type complex long double
    // is classified as type COMPLEX_X87": 32 bytes, MEMORY by rule 1 as an
    // argument; place_psabi's return refuses it (%st0 and %st1).

    // Rule 1: "If the size of an object is larger than eight eightbytes ... MEMORY";
    // cleanup (c): more than two eightbytes is MEMORY unless SSE,SSEUP,... (an
    // __m256/__m512-like vector, which the frontend does not model).
    if (t.size > 16) {
      c.status = Classification::Status::memory;
      return c;
    }
    if (!t.fields_complete) {
      c.status = Classification::Status::unknown_members;
      return c;
    }
    // Rule 3: "each eightbyte is classified separately ... initialized to NO_CLASS".
    // A zero-sized aggregate has no eightbyte (GCC: NO_CLASS, nothing passed).
    cls.assign((t.size + 7) / 8, Cls::no_class);
    for (const ScalarField& f : t.fields) {
      // GCC 12 classify_argument ignores zero-width bit-fields in C (GCC 11
      // made the eightbyte they sit in INTEGER: the -Wpsabi note "the ABI of
      // passing C structures with zero-width bit-fields has changed in GCC
      // 12.1"), https://github.com/gcc-mirror/gcc/blob/releases/gcc-12.2.0/gcc/config/i386/i386.cc
      if (f.zero_width()) continue;
      if (f.bit_size != 0) {
        // GCC classify_argument: "Bitfields are always classified as integer",
        // every eightbyte the bits touch: unnamed ones (ScalarField::unnamed)
        // too, so `struct { float a; int : 8; }` is INTEGER (rdi), not SSE.
        const uint32_t first = f.bit_offset / 64;
        const uint32_t last = (f.bit_offset + f.bit_size - 1u) / 64;
        for (uint32_t i = first; i <= last && i < cls.size(); ++i)
          cls[i] = merge(cls[i], Cls::integer);
        continue;
      }
      // Rule 1: "... or it contains unaligned fields, it has class MEMORY".
      if (f.misaligned()) {
        c.status = Classification::Status::memory;
        return c;
      }
      // Rule 4: each field classified recursively, merged into its eightbyte(s).
      const std::vector<Cls> sub = scalar_classes(f.kind, f.size);
      const uint32_t pos = f.offset / 8;
      for (uint32_t i = 0; i < sub.size() && pos + i < cls.size(); ++i)
        cls[pos + i] = merge(cls[pos + i], sub[i]);
    }
  }

  // Rule 5, post merger cleanup.
  for (size_t i = 0; i < cls.size(); ++i) {
    // (a) "If one of the classes is MEMORY, the whole argument is passed in memory."
    if (cls[i] == Cls::memory) {
      c.status = Classification::Status::memory;
      break;
    }
    // (b) "If X87UP is not preceded by X87, the whole argument is passed in memory."
    if (cls[i] == Cls::x87up && (i == 0 || cls[i - 1] != Cls::x87)) {
      c.status = Classification::Status::memory;
      break;
    }
    // (d) "If SSEUP is not preceded by SSE or SSEUP, it is converted to SSE."
    if (cls[i] == Cls::sseup && (i == 0 || (cls[i - 1] != Cls::sse && cls[i - 1] != Cls::sseup)))
      cls[i] = Cls::sse;
  }
  // Passing rule 5: "If the class is X87, X87UP or COMPLEX_X87, it is passed
  // in memory" (arguments only; GCC examine_argument with !in_return).
  if (c.status == Classification::Status::ok && !in_return &&
      std::any_of(cls.begin(), cls.end(), [](Cls x) { return x == Cls::x87 || x == Cls::x87up; }))
    c.status = Classification::Status::memory;
  if (c.status != Classification::Status::ok) cls.clear();
  return c;
}

}  // namespace xtramp::x86_64
