// Which declared functions have a parameter or return type xtramp does not
// model, read from the DWARF GCC wrote for them (BTF has no kind for complex
// numbers, _Float16, vectors or _BitInt: it spells them wrongly or as void).
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

}  // namespace xtramp::conform
