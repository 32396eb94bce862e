#include "btf/type_facts.hpp"

#include <dwarf.h>

#include <algorithm>
#include <string_view>

#include "btf/dwarf_align.hpp"
#include "btf/dwarf_only.hpp"
#include "btf/unsupported.hpp"
#include "common/error.hpp"

namespace xtramp::btf {

namespace {

constexpr const char* kKindStr[] = {
    "UNKNOWN", "INT",     "PTR",      "ARRAY",    "STRUCT",   "UNION",  "ENUM",
    "FWD",     "TYPEDEF", "VOLATILE", "CONST",    "RESTRICT", "FUNC",   "FUNC_PROTO",
    "VAR",     "DATASEC", "FLOAT",    "DECL_TAG", "TYPE_TAG", "ENUM64",
};

bool is_modifier(const struct btf_type* t) {
  switch (btf_kind(t)) {
    case BTF_KIND_TYPEDEF:
    case BTF_KIND_VOLATILE:
    case BTF_KIND_CONST:
    case BTF_KIND_RESTRICT:
    case BTF_KIND_TYPE_TAG:
      return true;
    default:
      return false;
  }
}

[[noreturn]] void malformed(const std::string& why) {
  throw Error(Errc::malformed_btf, "malformed BTF: " + why);
}

}  // namespace

const char* btf_kind_str(const struct btf_type* t) {
  unsigned k = btf_kind(t);
  return k < std::size(kKindStr) ? kKindStr[k] : "UNKNOWN";
}

const struct btf_type* TypeAnalyzer::resolve(uint32_t* id) const {
  for (int hops = 0; hops <= kMaxTypeDepth; ++hops) {
    const struct btf_type* t = btf__type_by_id(btf_, *id);
    if (t == nullptr) malformed("type id " + std::to_string(*id) + " does not exist");
    if (!is_modifier(t)) return t;
    *id = t->type;
  }
  malformed("modifier chain longer than " + std::to_string(kMaxTypeDepth) + " (a cycle?)");
}

TypeAnalyzer::ScalarInfo TypeAnalyzer::scalar(const struct btf_type* t) const {
  switch (btf_kind(t)) {
    case BTF_KIND_INT: {
      const bool is_signed = (btf_int_encoding(t) & BTF_INT_SIGNED) != 0;
      if (t->size == 16) return {ValueKind::int128, 16, int128_align(target_), is_signed};
      if (t->size == 1 || t->size == 2 || t->size == 4 || t->size == 8)
        return {ValueKind::integer, t->size, t->size, is_signed};
      throw UnsupportedType{"INT", "integer of " + std::to_string(t->size) + " bytes"};
    }
    case BTF_KIND_PTR:
      return {ValueKind::pointer, 8, 8, false};
    case BTF_KIND_ENUM:
    case BTF_KIND_ENUM64:
      if (t->size == 1 || t->size == 2 || t->size == 4 || t->size == 8)
        return {ValueKind::enum_, t->size, t->size, btf_kflag(t)};
      throw UnsupportedType{btf_kind_str(t), "enum of " + std::to_string(t->size) + " bytes"};
    case BTF_KIND_FLOAT: {
      const std::string_view name = btf__name_by_offset(btf_, t->name_off) ?: "";
      if (!is_complex_name(name)) return floating(name, t->size);
      const ScalarInfo part = complex_part(t);
      return {ValueKind::complex_, t->size, part.align, false};
    }
    default:
      break;
  }
  throw UnsupportedType{btf_kind_str(t), "not a scalar"};
}

TypeAnalyzer::ScalarInfo TypeAnalyzer::floating(std::string_view name, uint32_t size) const {
  if (size == 2 || size == 4 || size == 8) return {ValueKind::float_, size, size, false};
  if (size == 16 && name.find("128") != std::string_view::npos)
    return {ValueKind::float128, 16, long_double_align(target_), false};
  if (size == 16) return {ValueKind::long_double, 16, long_double_align(target_), false};
  throw UnsupportedType{"FLOAT", "floating type of " + std::to_string(size) + " bytes"};
}

// GCC's -gbtf has no complex kind: `_Complex T` is a FLOAT named "complex T"
// of twice T's size (its DWARF: DW_ATE_complex_float). C11 6.2.5p13: "Each
// complex type has the same representation and alignment requirements as an
// array type containing exactly two elements of the corresponding real type".
bool TypeAnalyzer::is_complex_name(std::string_view name) {
  return name.starts_with("complex ");
}

TypeAnalyzer::ScalarInfo TypeAnalyzer::complex_part(const struct btf_type* t) const {
  const std::string_view name = btf__name_by_offset(btf_, t->name_off) ?: "";
  const ScalarInfo part = floating(name.substr(8), t->size / 2);
  if ((part.kind == ValueKind::float_ && part.size >= 4) || part.kind == ValueKind::long_double)
    return part;
  throw UnsupportedType{
      "FLOAT", std::string(name) + ": xtramp models _Complex float, double and long double only"};
}

std::vector<ScalarField> TypeAnalyzer::complex_fields(const struct btf_type* t,
                                                      uint32_t offset) const {
  const ScalarInfo p = complex_part(t);
  return {ScalarField{offset, p.size, p.kind, p.align, 0, 0},
          ScalarField{offset + p.size, p.size, p.kind, p.align, 0, 0}};
}

// --- layout ---------------------------------------------------------------

TypeAnalyzer::Layout TypeAnalyzer::value_layout(uint32_t id, Dwarf_Die* die, int depth) {
  if (depth > kMaxTypeDepth) malformed("types nest deeper than " + std::to_string(kMaxTypeDepth));
  const struct btf_type* t = resolve(&id);
  std::optional<Dwarf_Die> sdie;
  uint32_t typedef_align = 0;
  if (die != nullptr) sdie = dw_strip(*die, &typedef_align);
  Dwarf_Die* d = sdie ? &*sdie : nullptr;

  if (btf_is_composite(t)) {
    Layout l = layout(id, d, depth + 1);
    l.typedef_align = typedef_align;
    return l;
  }
  if (btf_is_array(t)) {
    const struct btf_array* arr = btf_array(t);
    std::optional<Dwarf_Die> elem_die;
    if (d != nullptr) elem_die = dw_type(d);
    Layout l = value_layout(arr->type, elem_die ? &*elem_die : nullptr, depth + 1);
    const uint64_t size = uint64_t{l.size} * arr->nelems;
    if (size > UINT32_MAX)
      malformed("array of " + std::to_string(arr->nelems) + " elements is too large");
    l.size = static_cast<uint32_t>(size);
    l.single_chain = false;
    if (d != nullptr) l.explicit_align = std::max(l.explicit_align, dw_alignment(d));
    l.hidden_bits.clear();
    l.typedef_align = typedef_align;
    return l;
  }
  ScalarInfo s = scalar(t);
  Layout l;
  l.size = s.size;
  l.align = l.natural_align = s.align;
  // A complex is two members of its base type (C11 6.2.5p13), never "one scalar".
  const bool complex = s.kind == ValueKind::complex_;
  l.largest = complex ? s.size / 2 : s.size;
  l.single_chain = !complex;
  l.typedef_align = typedef_align;
  return l;
}

namespace {

uint64_t align_up(uint64_t v, uint64_t a) {
  return a <= 1 ? v : (v + a - 1) / a * a;
}

// The largest power of two dividing v (v > 0): the largest alignment an
// attribute the debug info does not show could have given an object at v.
uint64_t lowest_bit(uint64_t v) {
  return v & (~v + 1);
}

}  // namespace

const TypeAnalyzer::Layout& TypeAnalyzer::layout(uint32_t id, Dwarf_Die* die, int depth) {
  auto& cache = die != nullptr ? layouts_dwarf_ : layouts_btf_;
  if (auto it = cache.find(id); it != cache.end()) return it->second;
  if (!in_progress_.insert(id).second)
    malformed("type id " + std::to_string(id) + " contains itself");
  struct Done {
    std::unordered_set<uint32_t>& set;
    uint32_t id;
    ~Done() { set.erase(id); }
  } done{in_progress_, id};
  Layout l = compute_aggregate(btf__type_by_id(btf_, id), die, depth);
  return cache.emplace(id, l).first->second;
}

// The compiler's rule: an aggregate is as aligned as its most aligned member
// (AAPCS64 §5.6, psABI §3.1.2); members placed at offsets their type's
// alignment does not allow were packed, and count with alignment 1; a size
// that is not a multiple of the alignment means the whole aggregate is packed.
TypeAnalyzer::Layout TypeAnalyzer::compute_aggregate(const struct btf_type* t, Dwarf_Die* die,
                                                     int depth) {
  Layout out;
  out.size = t->size;
  out.has_union = btf_is_union(t);
  out.from_dwarf = die != nullptr;

  std::vector<Dwarf_Die> dmembers;
  if (die != nullptr) {
    const int tag = dwarf_tag(die);
    if (tag == DW_TAG_structure_type || tag == DW_TAG_union_type) dmembers = dw_members(die);
    if (dmembers.size() != btf_vlen(t)) {  // BTF and DWARF disagree: trust BTF only
      dmembers.clear();
      die = nullptr;
      out.from_dwarf = false;
    }
  }

  const struct btf_member* m = btf_members(t);
  const uint16_t n = btf_vlen(t);
  uint32_t member_align = 1, member_explicit = 0;
  bool misaligned_member = false;
  // Unnamed bit-fields (`int : 8;`, `int : 0;`) are in neither BTF nor DWARF
  // (GCC's dwarf2out drops nameless FIELD_DECLs, and -gbtf and pahole build on
  // that). A named member, or the end, that sits beyond where the bits before
  // it and its alignment put it shows one: those bits are hidden_bits. With
  // DWARF every alignment attribute is known; without it any alignment that
  // divides the offset could be hidden, and only a gap no alignment explains
  // counts. A zero-width bit-field that moves nothing, or one whose padding an
  // alignment could also explain, stays invisible (docs/model.md). In a
  // union only the tail can show one (`union { float f; long : 40; }`: 8
  // bytes where the float and the alignment explain 4).
  const bool gaps = btf_is_composite(t);
  uint64_t end_bits = 0;  // where the named members so far end
  // The bits are taken as one unnamed bit-field, which never crosses a 64-bit
  // unit: a gap that does holds padding up to the unit its bits start in
  // (`{ float a; unsigned long : 40; }`: bits 64-103, not 32-103).
  auto gap_before = [&](uint64_t at, uint64_t expected) {
    if (!gaps || at <= expected) return;
    const uint64_t unit = (at - 1) / 64 * 64;
    out.hidden_bits.emplace_back(std::max(end_bits, unit), at);
  };
  for (uint16_t i = 0; i < n; ++i, ++m) {
    Dwarf_Die* mdie = die != nullptr ? &dmembers[i] : nullptr;
    std::optional<Dwarf_Die> mtype;
    if (mdie != nullptr) mtype = dw_type(mdie);
    Layout ml = value_layout(m->type, mtype ? &*mtype : nullptr, depth + 1);

    uint32_t bit_off = btf_member_bit_offset(t, i);
    const uint32_t bf_size = btf_member_bitfield_size(t, i);
    // GCC's -gbtf (12 and 16) gives a member that follows a leading unnamed
    // bit-field the bit-field's offset (`struct { unsigned short : 7; double
    // m0; }`: m0 at 0 in BTF, at 8 in DWARF and in the layout). DWARF wins.
    Dwarf_Attribute loc;
    Dwarf_Word byte_off = 0;
    if (mdie != nullptr && bf_size == 0 &&
        dwarf_attr(mdie, DW_AT_data_member_location, &loc) != nullptr &&
        dwarf_formudata(&loc, &byte_off) == 0 && byte_off * 8 != bit_off &&
        byte_off * 8 + 8ull * ml.size <= 8ull * out.size)
      bit_off = static_cast<uint32_t>(byte_off * 8);
    out.member_bits.push_back(bit_off);
    const uint32_t own_explicit = mdie != nullptr ? dw_alignment(mdie) : 0;
    uint32_t a = ml.align;
    if (bf_size != 0) {
      out.bitfields = true;  // the declared type's alignment counts (PCC_BITFIELD_TYPE_MATTERS)
    } else if (own_explicit != 0) {
      a = std::max(a, own_explicit);
    } else if (a > 1 && bit_off % (8 * a) != 0) {
      a = 1;  // a packed member
      misaligned_member = true;
    }
    // A flexible array member has no size but still counts for alignment.
    uint32_t rid = m->type;
    if (const struct btf_type* rt = resolve(&rid); btf_is_array(rt) && btf_array(rt)->nelems == 0)
      out.flex = true;
    if (bf_size != 0) {
      // A bit-field that would straddle an aligned unit of its declared type
      // starts the next one (GCC, PCC_BITFIELD_TYPE_MATTERS); packed ones
      // straddle, and sit at end_bits, which is never flagged.
      const uint64_t unit = 8ull * ml.align;
      uint64_t expected = end_bits;
      if (unit != 0 && end_bits / unit != (end_bits + bf_size - 1) / unit)
        expected = align_up(end_bits, unit);
      gap_before(bit_off, expected);
      end_bits = std::max<uint64_t>(end_bits, uint64_t{bit_off} + bf_size);
    } else {
      const uint64_t can_align =
          mdie != nullptr ? std::max({ml.align, own_explicit, ml.explicit_align, ml.typedef_align})
                          : (bit_off % 8 == 0 && bit_off != 0 ? lowest_bit(bit_off / 8) : 1);
      gap_before(bit_off, align_up(end_bits, 8 * can_align));
      end_bits = std::max<uint64_t>(end_bits, uint64_t{bit_off} + 8ull * ml.size);
    }
    member_align = std::max(member_align, a);
    member_explicit = std::max({member_explicit, own_explicit, ml.explicit_align});
    out.largest = std::max(out.largest, ml.largest);
    out.bitfields |= ml.bitfields;
    out.has_union |= ml.has_union;
  }

  const uint32_t type_explicit = die != nullptr ? dw_alignment(die) : 0;
  // BTF can describe a sized aggregate without members (vmlinux does so for
  // the transparent union release_pages_arg): its contents are unknown.
  out.opaque = n == 0 && out.size > 0;
  // A struct whose DWARF also lists no member has only unnamed bit-fields
  // (`struct { int : 8; }`): every bit is one. Without DWARF its contents stay
  // unknown (vmlinux's memberless release_pages_arg is a union).
  if (btf_is_struct(t) && out.opaque && die != nullptr) {
    out.opaque = false;
    out.hidden_bits.emplace_back(0, 8ull * out.size);
  }
  out.packed = misaligned_member;
  if (type_explicit == 0 && out.size % member_align != 0) {
    out.packed = true;  // e.g. struct { long l; char c; } __attribute__((packed)): size 9
    member_align = 1;
  }
  // GCC writes DW_AT_alignment as the type's final alignment (TYPE_ALIGN_UNIT,
  // emitted when TYPE_USER_ALIGN): `__attribute__((packed, aligned(4)))` on a
  // struct holding an __int128 gives 4, below its members' 16. Then it is the
  // alignment, and the struct is packed.
  if (type_explicit != 0 && type_explicit < member_align) {
    out.packed = true;
    member_align = 1;
  }
  out.natural_align = member_align;
  out.align = type_explicit != 0 ? type_explicit : member_align;
  out.explicit_align = std::max(member_explicit, type_explicit);
  // The tail: beyond the last member, only padding up to the alignment.
  if (n > 0 && out.size > 0) {
    const uint64_t tail_align = die != nullptr ? out.align : lowest_bit(out.size);
    gap_before(8ull * out.size, align_up(end_bits, 8 * tail_align));
  }

  // s390x "structure equivalent to T": exactly one member, itself such a chain.
  if (btf_is_struct(t) && n == 1 && btf_member_bitfield_size(t, 0) == 0 &&
      out.hidden_bits.empty()) {
    uint32_t mid = btf_members(t)->type;
    const struct btf_type* mt = resolve(&mid);
    if (btf_is_struct(mt)) {
      out.single_chain = layout(mid, nullptr, depth + 1).single_chain;
    } else if (!btf_is_array(mt) && !btf_is_union(mt)) {
      out.single_chain = value_layout(mid, nullptr, depth + 1).single_chain;  // not a complex
    }
  }
  return out;
}

uint32_t TypeAnalyzer::largest_member_size(uint32_t id) {
  return value_layout(id, nullptr, 0).largest;
}

// --- flattening -----------------------------------------------------------

void TypeAnalyzer::flatten(uint32_t id, uint32_t base_bits, std::vector<ScalarField>& out,
                           bool* complete, bool dwarf, int depth) {
  if (depth > kMaxTypeDepth) malformed("types nest deeper than " + std::to_string(kMaxTypeDepth));
  if (out.size() >= kMaxFlattenFields) {
    *complete = false;
    return;
  }
  const struct btf_type* t = resolve(&id);
  if (btf_is_composite(t)) {
    // The layout's member offsets (DWARF's where BTF is wrong) and its
    // unnamed bit-fields.
    const Layout* l = nullptr;
    if (dwarf)
      if (auto it = layouts_dwarf_.find(id); it != layouts_dwarf_.end()) l = &it->second;
    if (l == nullptr) l = &layout(id, nullptr, depth + 1);
    const bool own_bits = l->member_bits.size() == btf_vlen(t);
    const struct btf_member* m = btf_members(t);
    for (uint16_t i = 0; i < btf_vlen(t); ++i, ++m) {
      const uint32_t bits =
          base_bits + (own_bits ? l->member_bits[i] : btf_member_bit_offset(t, i));
      const uint32_t bf = btf_member_bitfield_size(t, i);
      if (bf == 0) {
        flatten(m->type, bits, out, complete, dwarf, depth + 1);
        continue;
      }
      uint32_t mid = m->type;
      const struct btf_type* mt = resolve(&mid);
      ScalarInfo s = scalar(mt);
      // The bit-field's storage unit: the aligned unit of its declared type holding its first bit.
      const uint32_t unit_bits = s.size * 8;
      ScalarField f;
      f.offset = (bits / unit_bits) * s.size;
      f.size = s.size;
      f.kind = s.kind;
      f.align = s.align;
      f.bit_offset = static_cast<uint16_t>(bits);
      f.bit_size = static_cast<uint16_t>(bf);
      out.push_back(f);
    }
    for (const auto& [from, to] : l->hidden_bits) {
      ScalarField f;
      f.bit_offset = static_cast<uint16_t>(base_bits + from);
      f.bit_size = static_cast<uint16_t>(to - from);
      f.offset = f.bit_offset / 8;
      f.size = (f.bit_offset + f.bit_size + 7) / 8 - f.offset;
      f.kind = ValueKind::integer;
      f.unnamed = true;
      out.push_back(f);
    }
    return;
  }
  if (btf_is_array(t)) {
    const struct btf_array* arr = btf_array(t);
    uint32_t eid = arr->type;
    const uint32_t esize = value_layout(eid, nullptr, depth + 1).size;
    if (esize == 0) return;
    for (uint32_t i = 0; i < arr->nelems; ++i) {
      if (base_bits / 8 + uint64_t{i} * esize >= kMaxFlattenSize ||
          out.size() >= kMaxFlattenFields) {
        *complete = false;
        return;
      }
      flatten(eid, base_bits + i * esize * 8, out, complete, dwarf, depth + 1);
    }
    return;
  }
  ScalarInfo s = scalar(t);
  if (s.kind == ValueKind::complex_) {
    for (const ScalarField& part : complex_fields(t, base_bits / 8)) out.push_back(part);
    return;
  }
  out.push_back(ScalarField{base_bits / 8, s.size, s.kind, s.align, 0, 0});
}

// --- naming ---------------------------------------------------------------

std::string TypeAnalyzer::c_type_name(uint32_t id, int depth) const {
  if (depth > kMaxTypeDepth) return "...";
  // Memoized and capped: prototypes whose parameters are pointers to
  // prototypes fan out, and a spelled name could grow exponentially.
  if (auto it = names_.find(id); it != names_.end()) return it->second;
  std::string name = spell(id, depth);
  if (name.size() > kMaxTypeNameLength) name = name.substr(0, kMaxTypeNameLength) + "...";
  return names_.emplace(id, std::move(name)).first->second;
}

std::string TypeAnalyzer::spell(uint32_t id, int depth) const {
  if (id == 0) return "void";
  const struct btf_type* t = btf__type_by_id(btf_, id);
  if (t == nullptr) return "?";
  const char* raw = btf__name_by_offset(btf_, t->name_off);
  const std::string name = raw != nullptr ? raw : "";
  auto tagged = [&](const char* tag) {
    return std::string(tag) + " " + (name.empty() ? "(anon)" : name);
  };
  switch (btf_kind(t)) {
    case BTF_KIND_INT:
    case BTF_KIND_FLOAT:
    case BTF_KIND_TYPEDEF:
      return name;
    case BTF_KIND_STRUCT:
      return tagged("struct");
    case BTF_KIND_UNION:
      return tagged("union");
    case BTF_KIND_ENUM:
    case BTF_KIND_ENUM64:
      return tagged("enum");
    case BTF_KIND_FWD:
      return tagged(btf_kflag(t) ? "union" : "struct");
    case BTF_KIND_CONST:
      return "const " + c_type_name(t->type, depth + 1);
    case BTF_KIND_VOLATILE:
      return "volatile " + c_type_name(t->type, depth + 1);
    case BTF_KIND_RESTRICT:
      return c_type_name(t->type, depth + 1) + " restrict";
    case BTF_KIND_TYPE_TAG:
      return c_type_name(t->type, depth + 1);
    case BTF_KIND_PTR: {
      const struct btf_type* pt = btf__type_by_id(btf_, t->type);
      if (pt != nullptr && btf_is_func_proto(pt)) {
        std::string s = c_type_name(pt->type, depth + 1) + " (*)(";
        const struct btf_param* p = btf_params(pt);
        for (uint16_t i = 0; i < btf_vlen(pt) && s.size() <= kMaxTypeNameLength; ++i, ++p) {
          if (i) s += ", ";
          s += p->type == 0 ? "..." : c_type_name(p->type, depth + 1);
        }
        return s + ")";
      }
      std::string inner = c_type_name(t->type, depth + 1);
      return inner + (inner.ends_with('*') ? "*" : " *");
    }
    case BTF_KIND_ARRAY:
      return c_type_name(btf_array(t)->type, depth + 1) + "[" +
             std::to_string(btf_array(t)->nelems) + "]";
    case BTF_KIND_FUNC_PROTO:
      return c_type_name(t->type, depth + 1) + " (...)";
    default:
      return btf_kind_str(t);
  }
}

// --- facts ----------------------------------------------------------------

TypeRef TypeAnalyzer::dwarf_only_facts(Dwarf_Die* die) {
  if (die == nullptr) return nullptr;
  const std::optional<DwarfOnlyType> d = dwarf_only_type(*die);
  if (!d) return nullptr;
  auto f = std::make_shared<TypeFacts>();
  f->kind = d->kind;
  f->btf_kind = "UNKNOWN";  // what the kernel would see: GCC's BTF has void there
  f->c_type = d->spelling;
  f->size = d->size;
  f->align = f->natural_align = d->align;
  f->largest_member_size = d->size;
  return f;
}

// An enum is signed when its underlying type is: BTF says so with the kind
// flag (newer encoders), GCC 12 does not, so a negative enumerator decides
// (GCC's rule: int if any value is negative); DWARF's encoding wins.
bool TypeAnalyzer::enum_is_signed(const struct btf_type* t, Dwarf_Die* die) const {
  if (die != nullptr) {
    if (auto d = dw_strip(*die, nullptr)) {
      Dwarf_Die base = *d;
      if (auto under = dw_type(&base)) base = *under;
      Dwarf_Attribute attr;
      Dwarf_Word enc = 0;
      if (dwarf_attr(&base, DW_AT_encoding, &attr) != nullptr && dwarf_formudata(&attr, &enc) == 0)
        return enc == DW_ATE_signed || enc == DW_ATE_signed_char;
    }
  }
  if (btf_kflag(t)) return true;
  const uint16_t n = btf_vlen(t);
  if (btf_is_enum(t)) {
    const struct btf_enum* e = btf_enum(t);
    for (uint16_t i = 0; i < n; ++i)
      if (e[i].val < 0) return true;
  } else {
    const struct btf_enum64* e = btf_enum64(t);
    for (uint16_t i = 0; i < n; ++i)
      if (static_cast<int32_t>(e[i].val_hi32) < 0) return true;
  }
  return false;
}

TypeRef TypeAnalyzer::facts(uint32_t id, Dwarf_Die* die) {
  // BTF-only facts (every vmlinux lookup) sit in a vector indexed by type id.
  if (die == nullptr) {
    if (facts_btf_.empty()) facts_btf_.resize(btf__type_cnt(btf_));
    if (id < facts_btf_.size() && facts_btf_[id]) return facts_btf_[id];
  } else if (auto it = facts_dwarf_.find(id); it != facts_dwarf_.end()) {
    return it->second;
  }

  uint32_t rid = id;
  const struct btf_type* t = resolve(&rid);
  auto f = std::make_shared<TypeFacts>();
  f->btf_kind = btf_kind_str(t);
  f->c_type = c_type_name(id);

  if (rid == 0) throw UnsupportedType{"UNKNOWN", "void"};
  if (btf_is_composite(t)) {
    std::optional<Dwarf_Die> sdie;
    if (die != nullptr) sdie = dw_strip(*die, nullptr);  // typedef alignment: ignored for values
    const Layout& l = layout(rid, sdie ? &*sdie : nullptr, 0);
    f->kind = btf_is_union(t) ? ValueKind::union_ : ValueKind::struct_;
    f->size = l.size;
    f->align = l.align;
    f->natural_align = l.natural_align;
    f->largest_member_size = l.largest;
    f->packed = l.packed;
    f->has_bitfields = l.bitfields;
    f->has_union = l.has_union;
    f->has_flex_array = l.flex;
    f->single_member_chain = btf_is_struct(t) && l.single_chain;
    f->align_source = l.from_dwarf ? AlignSource::dwarf : AlignSource::btf_inferred;
    // Placement only changes when alignment crosses 16 (x86-64 stack slots,
    // AAPCS64 C.10/C.14), so only that is worth doubting. See docs/model.md.
    // An alignment of 16 or more needs a size that is a multiple of 16, and
    // neither BTF nor DWARF shows `packed` (when offsets stay natural) or an
    // unnamed zero-width bit-field (`__int128 :0`), which can lower or raise
    // it silently. Only an explicit DW_AT_alignment >= 16 settles it.
    const bool size_allows_16 = l.size != 0 && l.size % 16 == 0;
    const bool explicit_16 = l.from_dwarf && l.explicit_align >= 16 && l.explicit_align >= l.align;
    f->align_certain = !l.opaque && (!size_allows_16 || explicit_16);
    if (l.opaque) {
      f->fields_complete = false;
    } else if (l.size <= kMaxFlattenSize) {
      flatten(rid, 0, f->fields, &f->fields_complete, sdie.has_value() && l.from_dwarf, 0);
      std::stable_sort(
          f->fields.begin(), f->fields.end(),
          [](const ScalarField& a, const ScalarField& b) { return a.offset < b.offset; });
    } else {
      f->fields_complete = false;
    }
  } else if (btf_is_fwd(t)) {
    throw UnsupportedType{"FWD", "incomplete type '" + f->c_type + "'"};
  } else if (btf_is_array(t) || btf_is_func_proto(t)) {
    throw UnsupportedType{btf_kind_str(t), "'" + f->c_type + "' cannot be passed by value"};
  } else {
    ScalarInfo s = scalar(t);
    f->kind = s.kind;
    f->size = s.size;
    f->align = f->natural_align = s.align;
    f->is_signed = s.kind == ValueKind::enum_ ? enum_is_signed(t, die) : s.is_signed;
    f->largest_member_size = s.size;
    f->align_source = AlignSource::abi;
    if (s.kind == ValueKind::complex_) {
      f->fields = complex_fields(t, 0);
      f->largest_member_size = f->fields[0].size;
    }
  }
  if (die != nullptr) return facts_dwarf_.emplace(id, std::move(f)).first->second;
  if (id >= facts_btf_.size()) facts_btf_.resize(id + 1);
  return facts_btf_[id] = std::move(f);
}

}  // namespace xtramp::btf
