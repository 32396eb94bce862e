// Which declared functions have a parameter or return type xtramp does not
// model, read from the DWARF GCC wrote for them (BTF has no kind for complex
// numbers, _Float16, vectors or _BitInt: it spells them wrongly or as void),
// and the DWARF spelling of the _Float16 values BTF calls void.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace xtramp::conform {

// `object` is the probe object: for every function F in `functions`, a
// variable `xt_probe_F` of type pointer to F's type. Returns, per function
// that cannot be modelled, why ("argument 1 (v4f): a GCC vector type
// (vector_size(16)); xtramp does not model vector types"). Functions without
// DWARF are not in the result. Throws Error(malformed_btf) when the object
// has no DWARF at all.
std::map<std::string, std::string> unmodelled_types(const std::string& object,
                                                    const std::vector<std::string>& functions);

// Per function of `functions`, the C spelling of each parameter (by index) or
// return value (index = the parameter count) that GCC's BTF leaves as void but
// DWARF types as `_Float16` or a GCC vector (btf/dwarf_only.hpp; the typedef
// name when one is used): what the case library must write instead of void.
std::map<std::string, std::map<unsigned, std::string>> dwarf_only_spellings(
    const std::string& object, const std::vector<std::string>& functions);

}  // namespace xtramp::conform
