// How an emitter for the host architecture reaches this process's
// initial-exec thread-locals: the thread pointer as its code reads it, and
// which offsets from it its instructions can encode. Each emitter supplies
// both (arch/<a>/emit/emitter.cpp, with the ABI's TLS rules cited there); the
// facts derived from them are the same computation on every arch, here.
#pragma once

#include <cstdint>

#include "common/tramp/program.hpp"
#include "common/tramp/rcu_facts.hpp"

namespace xtramp {

struct HostTls {
  // Null: the emitter's arch is not the host's, and it has no TLS facts.
  uintptr_t (*thread_pointer)() noexcept = nullptr;
  bool (*offset_fits)(int64_t offset) noexcept = nullptr;

  // The inline program path's run block (program.hpp), unavailable when its
  // offset cannot be encoded.
  detail::InlineRun inline_run() const noexcept;
  // The RCU stub facts with reader_tp_offset filled in, unavailable when the
  // offset cannot be encoded (measured and used on one thread).
  rcu::StubFacts stub_facts(rcu::StubFacts f) const noexcept;
};

}  // namespace xtramp
