// FuncModel: the arch-neutral description of one function prototype, as the
// BTF frontend distils it. Backends decide placement from this alone.
//
// A prototype is a return value and a list of named values; every value points
// at shared, immutable TypeFacts (many functions use the same types, so the
// frontend computes the facts of a BTF type once).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/arch.hpp"

namespace xtramp {

// What a value is, at the level the ABIs care about.
enum class ValueKind : uint8_t {
  void_,        // return type only
  integer,      // char/short/int/long/long long/_Bool, signed or not, 1..8 bytes
  int128,       // __int128 / unsigned __int128
  pointer,      // any pointer (incl. function pointers)
  enum_,        // enum (4 or 8 bytes; ENUM64 included)
  float_,       // _Float16 (2), float (4), double (8)
  long_double,  // "long double": x87 80-bit in 16 bytes on x86-64, binary128 on arm64/s390x
  float128,     // _Float128 / __float128: IEEE binary128 on every target
  // _Complex float / double / long double: the real then the imaginary part,
  // each of the base type; `fields` lists the two parts (kind float_ or
  // long_double). In an aggregate's fields a complex member is its two parts.
  complex_,
  // A GCC vector type (`__attribute__((vector_size(N)))`, N = 8, 16, 32),
  // read from DWARF (GCC's BTF says void); never flattened: a whole value.
  vector_,
  struct_,
  union_,
};

std::string_view kind_name(ValueKind k);  // "int", "int128", "ptr", "enum", "float", ...

inline bool is_aggregate(ValueKind k) {
  return k == ValueKind::struct_ || k == ValueKind::union_;
}
inline bool is_floating(ValueKind k) {
  return k == ValueKind::float_ || k == ValueKind::long_double || k == ValueKind::float128 ||
         k == ValueKind::complex_;
}
// Values whose bytes `TypeFacts::fields` describes part by part.
inline bool has_fields(ValueKind k) {
  return is_aggregate(k) || k == ValueKind::complex_;
}

// Where the alignment figure came from.
enum class AlignSource : uint8_t {
  abi,           // a scalar: the target's ABI table decides, nothing is hidden
  btf_inferred,  // an aggregate: inferred from member types, offsets and size
  dwarf,         // an aggregate: DWARF (DW_AT_alignment, member offsets) refined it
};

std::string_view align_source_name(AlignSource s);  // "abi", "btf-inferred", "dwarf"

// One scalar leaf of an aggregate, after flattening nested structs, unions and
// arrays (array elements are listed one by one). Union alternatives overlap.
struct ScalarField {
  uint32_t offset = 0;  // byte offset of the storage unit inside the outermost aggregate
  uint32_t size = 0;    // bytes of the leaf type (the storage unit for bit-fields)
  ValueKind kind = ValueKind::integer;
  uint32_t align = 1;       // alignment of the leaf type on the target
  uint16_t bit_offset = 0;  // bit-fields only: bit position from the start of the aggregate
  uint16_t bit_size = 0;    // bit-fields only; 0 = not a bit-field
  // An unnamed bit-field BTF and DWARF omit, inferred from the layout (bits no
  // named member covers and no alignment explains: docs/model.md "Unnamed
  // bit-fields"): kind integer, bit_offset/bit_size the bits it occupies, or
  // bit_size 0 and size 0 for a zero-width one (`int : 0`, only ever assumed:
  // it occupies nothing). Its bits are indeterminate: never compared.
  bool unnamed = false;
  bool misaligned() const { return align > 1 && offset % align != 0; }
  bool zero_width() const { return unnamed && bit_size == 0; }
};

// Facts about one C type as used by value (an argument or a return value).
struct TypeFacts {
  ValueKind kind = ValueKind::void_;
  std::string c_type;    // spelled out, e.g. "struct bpf_testmod_struct_arg_2", "unsigned int"
  std::string btf_kind;  // BTF kind of the type after modifiers: "INT", "STRUCT", "FLOAT", ...
  uint32_t size = 0;     // sizeof
  bool is_signed = false;

  // _Alignof of the type's main variant: what x86-64 and s390x use to align
  // stack arguments (alignment attributes on a typedef are ignored there).
  uint32_t align = 1;
  // AAPCS64 "natural alignment": the largest member alignment, ignoring an
  // alignment attribute on the aggregate itself (equals `align` for scalars).
  uint32_t natural_align = 1;
  AlignSource align_source = AlignSource::abi;
  // False when neither BTF nor DWARF can exclude a hidden over-alignment or
  // packing that would move this value on some architecture; see docs/model.md.
  bool align_certain = true;

  // Size of the largest scalar reached through nested structs, unions and
  // arrays (the scalar itself for non-aggregates).
  uint32_t largest_member_size = 0;

  bool packed = false;  // detected packing (a misaligned member or size % align != 0)
  bool has_bitfields = false;
  bool has_union = false;       // is a union or contains one
  bool has_flex_array = false;  // ends in a flexible array member
  // A struct whose only member is (recursively, through single-member
  // structs, not arrays or unions) one scalar: s390x passes it like that scalar.
  bool single_member_chain = false;

  std::vector<ScalarField> fields;  // flattened leaves, in offset order (aggregates and complex)
  // False if flattening stopped (aggregate larger than 64 bytes) or the BTF
  // gives a sized aggregate no members (its contents are unknown).
  bool fields_complete = true;

  bool is_struct_arg() const { return is_aggregate(kind); }  // BTF_FMODEL_STRUCT_ARG
  bool is_signed_arg() const { return is_signed; }           // BTF_FMODEL_SIGNED_ARG
};

using TypeRef = std::shared_ptr<const TypeFacts>;

struct ValueModel {
  std::string name;  // parameter name ("" for the return value or unnamed parameters)
  TypeRef type;
  // Parameters of a function the ELF defines with DWARF: the DWARF register
  // number its DW_AT_location names at the function's entry (where the
  // compiler's own code received it), -1 when DWARF says nothing that plain.
  // What BTF and DWARF omit from a type can still show here (s390x:
  // `struct { float a; int : 0; }` arrives in r2, not f0).
  int entry_dwarf_reg = -1;
  const TypeFacts& t() const { return *type; }
};

// The kernel's own view of the prototype (struct btf_func_model plus the 2025
// RFC's arg_largest_member_size), or the message btf_distill_func_proto logs.
inline constexpr int kMaxBpfFuncArgs = 12;
inline constexpr uint8_t kFmodelStructArg = 1u << 0;  // BTF_FMODEL_STRUCT_ARG
inline constexpr uint8_t kFmodelSignedArg = 1u << 1;  // BTF_FMODEL_SIGNED_ARG

struct KernelView {
  bool accepted = false;
  std::string message;  // the kernel's log line (no trailing newline) when rejected
  uint8_t nr_args = 0;
  uint8_t ret_size = 0;
  uint8_t ret_flags = 0;
  std::array<uint8_t, kMaxBpfFuncArgs> arg_size{};
  std::array<uint8_t, kMaxBpfFuncArgs> arg_flags{};
  std::array<uint8_t, kMaxBpfFuncArgs> arg_largest_member_size{};
};

struct FuncModel {
  std::string name;
  uint32_t btf_id = 0;  // BTF id of the FUNC (0 when built by hand)
  Arch target{};        // the architecture the BTF describes
  ValueModel ret;       // kind void_ for void functions
  std::vector<ValueModel> args;
};

}  // namespace xtramp
