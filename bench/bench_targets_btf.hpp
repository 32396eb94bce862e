// The BTF of the hooked functions: bench_targets.c's object, whose path the
// build gives as XTRAMP_BENCH_TARGETS_OBJ (bench/bench_targets.cmake). Parsed
// once, on first use.
#pragma once

#include "btf/btf_file.hpp"

namespace xtramp::bench {

inline const btf::BtfFile& targets_btf() {
  static const btf::BtfFile f = [] {
    btf::OpenOptions o;
    o.path = XTRAMP_BENCH_TARGETS_OBJ;
    return btf::BtfFile::open(o);
  }();
  return f;
}

}  // namespace xtramp::bench
