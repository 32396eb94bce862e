// Whether a value of a BTF type carries floating point: what separates the
// prototypes kernel C can declare from those only user code can. Kernel C
// is built without floating point (x86-64 -mno-sse -mno-80387, arm64
// -mgeneral-regs-only, s390x -msoft-float), so a float, double or long
// double anywhere in a value passed or returned does not build there.
#pragma once

#include <bpf/btf.h>

#include <cstdint>

namespace xtramp::btf {

// A FLOAT reached through modifiers, typedefs, arrays and the members of
// structs and unions. A pointer is an address whatever it points to: false.
bool holds_floating_point(const struct btf* b, uint32_t type_id);

// The return type or a parameter of FUNC or FUNC_PROTO `id` holds one.
bool prototype_holds_floating_point(const struct btf* b, uint32_t id);

}  // namespace xtramp::btf
