// The trivial work every hooked-call measurement gives its programs (read
// all ctx slots, add them into a volatile), shared by xtramp-bench and
// xtramp-icount so that the time and the instruction counts measure the
// same program.
#pragma once

#include <cstdint>

#include "common/tramp/program.hpp"

namespace xtramp::bench {

inline volatile uint64_t g_sink;

inline uint64_t work_prog(const uint64_t* ctx, void*) {
  uint64_t s = 0;
  const uint64_t n = ctx[-1];
  for (uint64_t i = 0; i < n; ++i) s += ctx[i];
  g_sink = g_sink + s;
  return 0;
}

// What the compiler-built wrappers and the libffi handler call: through a
// pointer, as a trampoline calls its program.
inline Program::Fn volatile g_prog = work_prog;

}  // namespace xtramp::bench
