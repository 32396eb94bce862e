// What generated code needs of the RCU read side (the scheme:
// runtime/rcu.hpp): the reader word's layout and where the pieces are. The
// emitters (arch/<a>/emit) read these facts; runtime/rcu.cpp fills them and
// the run-time layer hands them over (Emitter::StubSpec::facts,
// Emitter::exit_stub), so that nothing below runtime/ calls into it.
#pragma once

#include <cstdint>

namespace xtramp::rcu {

// The reader word (runtime/rcu.hpp): bit 0, the nesting depth, the sequence
// number.
inline constexpr uint64_t kUnregistered = 1;
inline constexpr uint64_t kNestOne = 2;
inline constexpr uint64_t kNestMask = 0xfffe;
inline constexpr unsigned kSeqShift = 16;

// For code of the host arch only. reader_addr: the address of the calling
// thread's pointer to its Reader (an initial-exec thread-local variable, so
// at a fixed offset from the thread pointer); gp_ctr: the global word an
// outermost entry copies; register_thunk: called (with every argument
// register live, from an entry stub) when the reader word has bit 0 set.
// reader_tp_offset is the emitter's: reader_addr minus the calling thread's
// thread pointer, as the host arch's code reads it (the facts are measured
// and used on one thread).
struct StubFacts {
  bool available = false;
  uint64_t reader_addr = 0;
  int64_t reader_tp_offset = 0;
  uint64_t gp_ctr = 0;
  uint64_t register_thunk = 0;
};

}  // namespace xtramp::rcu

extern "C" {
// Claims a Reader for the calling thread (runtime/rcu.cpp; C++ ABI function:
// the thunk below wraps it for generated code).
void xtramp_rcu_register_thread() noexcept;
// Called from an entry stub: preserves every argument register (and the
// return address register of the function the stub stands in for), calls
// xtramp_rcu_register_thread. The host arch's backend defines it
// (arch/<a>/rcu_thunk.cpp).
void xtramp_rcu_register_thunk();
}
