// The BTF of the round-trip targets: targets.c's own object (built with
// -gbtf), opened once per test binary.
#pragma once

#include "btf/btf_file.hpp"

namespace xtramp::test {

inline const btf::BtfFile& targets_btf() {
  static const btf::BtfFile f = [] {
    btf::OpenOptions o;
    o.path = XTRAMP_TRAMP_TARGETS_OBJ;
    return btf::BtfFile::open(o);
  }();
  return f;
}

}  // namespace xtramp::test
