// Internal: thrown by the type analyzer for a type no argument or return value
// can have; btf_file.cpp turns it into an Error naming function and argument.
#pragma once

#include <string>

namespace xtramp::btf {

struct UnsupportedType {
  std::string kind;    // BTF kind as the kernel spells it ("FWD", "FLOAT", ...)
  std::string detail;  // why, in words
};

}  // namespace xtramp::btf
