#include "btf/dwarf_only.hpp"

#include <dwarf.h>

#include "btf/dwarf_align.hpp"

namespace xtramp::btf {
namespace {

Dwarf_Word udata(Dwarf_Die* die, unsigned at) {
  Dwarf_Attribute attr;
  Dwarf_Word v = 0;
  if (dwarf_attr_integrate(die, at, &attr) == nullptr || dwarf_formudata(&attr, &v) != 0) return 0;
  return v;
}

}  // namespace

std::optional<DwarfOnlyType> dwarf_only_type(Dwarf_Die die) {
  const char* at_use = dwarf_tag(&die) == DW_TAG_typedef ? dwarf_diename(&die) : nullptr;
  auto base = dw_strip(die, nullptr);
  if (!base) return std::nullopt;
  DwarfOnlyType t;
  if (dwarf_tag(&*base) == DW_TAG_base_type) {
    if (udata(&*base, DW_AT_encoding) != DW_ATE_float || udata(&*base, DW_AT_byte_size) != 2)
      return std::nullopt;
    t.kind = ValueKind::float_;
    t.size = t.align = 2;
    t.spelling = "_Float16";
  } else if (dwarf_tag(&*base) == DW_TAG_array_type) {
    Dwarf_Attribute a;
    Dwarf_Word size = 0;
    if (dwarf_attr(&*base, DW_AT_GNU_vector, &a) == nullptr ||
        dwarf_aggregate_size(&*base, &size) != 0 || (size != 8 && size != 16 && size != 32))
      return std::nullopt;
    auto elem = dw_type(&*base);
    if (!elem) return std::nullopt;
    auto eb = dw_strip(*elem, nullptr);
    const char* ename = eb ? dwarf_diename(&*eb) : nullptr;
    if (!eb || dwarf_tag(&*eb) != DW_TAG_base_type || ename == nullptr) return std::nullopt;
    t.kind = ValueKind::vector_;
    t.size = t.align = static_cast<uint32_t>(size);  // GCC: a vector is aligned to its size
    t.spelling = std::string(ename) + " __attribute__((vector_size(" + std::to_string(size) + ")))";
  } else {
    return std::nullopt;
  }
  if (at_use != nullptr) t.spelling = at_use;
  return t;
}

}  // namespace xtramp::btf
