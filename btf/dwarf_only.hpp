// Types GCC's -gbtf writes as void but its DWARF describes: `_Float16` (a
// 2-byte DW_ATE_float) and GCC vector types (`vector_size(N)`, an array DIE
// with DW_AT_GNU_vector). As a parameter or a return value xtramp models them
// from DWARF (BtfFile::model, conform's case spelling).
#pragma once

#include <elfutils/libdw.h>

#include <cstdint>
#include <optional>
#include <string>

#include "common/func_model.hpp"

namespace xtramp::btf {

struct DwarfOnlyType {
  ValueKind kind = ValueKind::float_;  // float_ (_Float16) or vector_
  uint32_t size = 0, align = 0;
  // C for the type as used: the typedef's name when there is one, else
  // "_Float16" or e.g. "float __attribute__((vector_size(16)))".
  std::string spelling;
};

// `die` is the type DIE of a parameter or return value (typedefs and
// qualifiers included). nullopt for any other type, and for vectors of other
// than 8, 16 or 32 bytes or of non-scalar elements.
std::optional<DwarfOnlyType> dwarf_only_type(Dwarf_Die die);

}  // namespace xtramp::btf
