#include "arch/s390x/classify.hpp"

#include <string>

#include "common/error.hpp"

namespace xtramp::s390x {

namespace {

bool is_1_2_4_8(uint32_t size) {
  return size == 1 || size == 2 || size == 4 || size == 8;
}

}  // namespace

bool is_double_or_float(const TypeFacts& t) {
  // "A _Float16. A float or _Decimal32. A double or _Decimal64."
  if (t.kind == ValueKind::float_) return true;
  // "A structure equivalent to one of the above ... exactly one member, which is
  // either of type T itself or a structure equivalent to type T." Unions and
  // arrays never qualify (GCC s390_single_field_struct_p walks RECORD_TYPEs only).
  if (t.kind != ValueKind::struct_ || !t.single_member_chain) return false;
  // A bit-field is a member, named or not, zero-width or not: s390x ELF ABI
  // "Parameter Passing" counts members, and GCC's s390_function_arg_float
  // (https://github.com/gcc-mirror/gcc/blob/releases/gcc-12.2.0/gcc/config/s390/s390.cc)
  // counts every C FIELD_DECL of the record: only C++'s stripped zero-width
  // bit-fields (DECL_FIELD_CXX_ZERO_WIDTH_BIT_FIELD) are skipped. GCC 12 passes
  // `struct { float a; int : 0; }` and `struct { float a; int : 8; }` in r2.
  // So an unnamed bit-field the model infers (ScalarField::unnamed, even a
  // zero-width one) is a second field here; one it cannot see is not
  // (docs/abi.md "Bit-fields").
  if (t.fields.size() != 1 || t.fields[0].kind != ValueKind::float_) return false;
  // GCC s390_function_arg_float: size <= 8, no strict size check.
  return t.size <= 8;
}

ArgClass classify_arg(const TypeFacts& t, std::string_view func, size_t arg) {
  switch (t.kind) {
    case ValueKind::integer:
    case ValueKind::enum_:
    case ValueKind::pointer:
      // simple_arg: integer types no more than 64 bits wide, enums, pointers.
      if (t.size >= 1 && t.size <= 8) return ArgClass::gpr;
      break;
    case ValueKind::float_:
      return ArgClass::fpr;       // double_or_float
    case ValueKind::int128:       // "any integer type with more than 64 bits"
    case ValueKind::long_double:  // "a long double"
    case ValueKind::float128:     // binary128 like long double (GCC: TFmode, by reference)
    // GCC s390_pass_by_reference: "if (TREE_CODE (type) == COMPLEX_TYPE ...)
    // return true": every _Complex goes by reference (GCC 12 -O2: `le %f0,4(%r3)`
    // reads a complex float's imaginary part through r3; docs/abi.md "Complex").
    case ValueKind::complex_:
    // GCC 12's default -march (z196) has no vector facility: s390_pass_by_reference
    // passes every vector type by reference (`le %f0,4(%r3)` for an 8-byte one).
    case ValueKind::vector_:
      return ArgClass::by_ref;
    case ValueKind::struct_:
    case ValueKind::union_:
      // GCC s390_pass_by_reference: "only structures of size 1, 2, 4, or 8
      // bytes are passed by value, all other structures ... by reference";
      // checked before the FPR/GPR choice, so an over-aligned float struct of
      // 16 bytes goes by reference (clang systemz-abi.c agg_float_a16).
      if (!is_1_2_4_8(t.size)) return ArgClass::by_ref;
      // double_or_float before simple_arg: "A struct or a union of 1, 2, 4,
      // or 8 bytes that is not a double_or_float".
      return is_double_or_float(t) ? ArgClass::fpr : ArgClass::gpr;
    case ValueKind::void_:
      break;
  }
  throw Error(Errc::unsupported, "The function " + std::string(func) + " arg" +
                                     std::to_string(arg) + " type " + t.c_type + " (" +
                                     std::string(kind_name(t.kind)) + ", " +
                                     std::to_string(t.size) + " bytes) cannot be passed on s390x");
}

Extension extension_of(const TypeFacts& t) {
  switch (t.kind) {
    case ValueKind::integer:
    case ValueKind::enum_:
      return t.is_signed ? Extension::sign : Extension::zero;
    case ValueKind::pointer:
      return Extension::zero;
    default:
      // Structs/unions of 1, 2, 4 bytes: "padding bytes with unspecified
      // contents on the left"; floats are left-aligned in the FPR.
      return Extension::none;
  }
}

}  // namespace xtramp::s390x
