// TypeAnalyzer: computes TypeFacts for BTF types (layout, alignment and how
// sure we are of it, flattened leaves, a C spelling), memoized per type id.
//
// BTF carries sizes and member offsets but no alignment attributes. The
// alignment of an aggregate is therefore inferred from its members (the way
// the compiler computes it) and, when the ELF has DWARF, refined by the
// DW_AT_alignment GCC emits for `aligned` types and members. See docs/model.md.
#pragma once

#include <bpf/btf.h>
#include <elfutils/libdw.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "common/arch.hpp"
#include "common/func_model.hpp"

namespace xtramp::btf {

// Bounds that keep hostile BTF (cycles, absurd nesting) from looping or
// overflowing the stack. Real kernel types nest far less deeply.
inline constexpr int kMaxTypeDepth = 32;
inline constexpr uint32_t kMaxFlattenSize =
    64;  // bytes; larger aggregates are MEMORY/by-ref everywhere
inline constexpr size_t kMaxFlattenFields = 128;
inline constexpr size_t kMaxTypeNameLength = 512;  // spelled C types are cut beyond this

// "INT", "STRUCT", ... exactly as the kernel's btf_type_str() spells kinds.
const char* btf_kind_str(const struct btf_type* t);

class TypeAnalyzer {
 public:
  TypeAnalyzer(const struct btf* btf, Arch target) : btf_(btf), target_(target) {}

  // Skips typedef/const/volatile/restrict/type_tag. Throws Error(malformed_btf)
  // on a cycle or a dangling id. *id is updated to the resolved type's id.
  const struct btf_type* resolve(uint32_t* id) const;

  // Facts for a value of type `id` (a parameter or return type, modifiers
  // included). `die`, when given, is the matching DWARF type DIE. Throws
  // UnsupportedType for types no value can have (void, FWD, FUNC_PROTO...)
  // and Error(malformed_btf) for broken BTF.
  TypeRef facts(uint32_t id, Dwarf_Die* die);

  // Size of the largest scalar reachable from `id` (used by the kernel view too).
  uint32_t largest_member_size(uint32_t id);

  std::string c_type_name(uint32_t id, int depth = 0) const;

  // Facts for a parameter or return value that GCC's -gbtf leaves as void
  // (type id 0) but its DWARF describes: `_Float16` or a GCC vector type
  // (btf/dwarf_only.hpp). nullptr when `die` is no such type.
  static TypeRef dwarf_only_facts(Dwarf_Die* die);

 private:
  struct Layout {
    uint32_t size = 0;
    uint32_t align = 1;           // _Alignof (main variant)
    uint32_t natural_align = 1;   // AAPCS64 natural alignment
    uint32_t explicit_align = 0;  // largest alignment guaranteed by DW_AT_alignment along the way
    uint32_t largest = 0;
    bool packed = false, bitfields = false, has_union = false, flex = false;
    bool opaque = false;        // size > 0 but no members described (nothing can be inferred)
    bool single_chain = false;  // single-member struct chain down to one scalar
    bool from_dwarf = false;
    // Bit ranges [first, second) relative to the struct or union that no
    // named member covers and no alignment explains: unnamed bit-fields must
    // be there (BTF and DWARF omit them). See docs/model.md.
    std::vector<std::pair<uint32_t, uint32_t>> hidden_bits;
    uint32_t typedef_align = 0;  // DW_AT_alignment on typedefs of the value's type (members)
    // Structs and unions: each member's bit offset, DWARF's where BTF disagrees
    // (GCC's -gbtf misplaces a member after a leading unnamed bit-field).
    std::vector<uint32_t> member_bits;
  };
  struct ScalarInfo {
    ValueKind kind;
    uint32_t size, align;
    bool is_signed;
  };

  ScalarInfo scalar(const struct btf_type* t) const;
  ScalarInfo floating(std::string_view name, uint32_t size) const;  // a real FLOAT
  static bool is_complex_name(std::string_view name);
  // A complex FLOAT's base type, and its real and imaginary parts at `offset`.
  ScalarInfo complex_part(const struct btf_type* t) const;
  std::vector<ScalarField> complex_fields(const struct btf_type* t, uint32_t offset) const;
  bool enum_is_signed(const struct btf_type* t,
                      Dwarf_Die* die) const;  // throws UnsupportedType for non-scalars
  const Layout& layout(uint32_t resolved_id, Dwarf_Die* die, int depth);
  Layout compute_aggregate(const struct btf_type* t, Dwarf_Die* die, int depth);
  // Layout of any resolved type (scalar, array or aggregate).
  Layout value_layout(uint32_t resolved_id, Dwarf_Die* die, int depth);
  std::string spell(uint32_t id, int depth) const;  // c_type_name without the memo
  // `dwarf`: take each struct's unnamed bit-fields from the layout DWARF refined.
  void flatten(uint32_t id, uint32_t base_bits, std::vector<ScalarField>& out, bool* complete,
               bool dwarf, int depth);

  const struct btf* btf_;
  Arch target_;
  // Aggregates only; in_progress detects cycles in hostile BTF.
  std::unordered_map<uint32_t, Layout> layouts_btf_, layouts_dwarf_;
  std::unordered_set<uint32_t> in_progress_;
  std::vector<TypeRef> facts_btf_;  // by type id
  std::unordered_map<uint32_t, TypeRef> facts_dwarf_;
  mutable std::unordered_map<uint32_t, std::string> names_;
};

}  // namespace xtramp::btf
