#include "common/func_model.hpp"

namespace xtramp {

std::string_view kind_name(ValueKind k) {
  switch (k) {
    case ValueKind::void_:
      return "void";
    case ValueKind::integer:
      return "int";
    case ValueKind::int128:
      return "int128";
    case ValueKind::pointer:
      return "ptr";
    case ValueKind::enum_:
      return "enum";
    case ValueKind::float_:
      return "float";
    case ValueKind::long_double:
      return "long_double";
    case ValueKind::float128:
      return "float128";
    case ValueKind::complex_:
      return "complex";
    case ValueKind::vector_:
      return "vector";
    case ValueKind::struct_:
      return "struct";
    case ValueKind::union_:
      return "union";
  }
  return "?";
}

std::string_view align_source_name(AlignSource s) {
  switch (s) {
    case AlignSource::abi:
      return "abi";
    case AlignSource::btf_inferred:
      return "btf-inferred";
    case AlignSource::dwarf:
      return "dwarf";
  }
  return "?";
}

}  // namespace xtramp
