// System V x86-64 psABI §3.2.3 classification: one class per eightbyte.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "common/func_model.hpp"

namespace xtramp::x86_64 {

// psABI §3.2.3 classes (COMPLEX_X87 is not modelled: the frontend has no complex types).
enum class Cls : uint8_t { no_class, integer, sse, sseup, x87, x87up, memory };

std::string_view cls_name(Cls c);

struct Classification {
  enum class Status : uint8_t {
    ok,               // `eightbytes` holds one class per eightbyte (none is MEMORY)
    memory,           // the whole value is passed/returned in memory
    unknown_members,  // an aggregate <= 16 bytes whose members BTF does not give
  };
  Status status = Status::ok;
  std::vector<Cls> eightbytes;

  bool in_memory() const { return status == Status::memory; }
  // Registers the value needs (psABI: SSEUP rides in the preceding SSE register,
  // NO_CLASS eightbytes are padding and need none).
  uint32_t needed(Cls c) const;
};

// Classifies a value of type `t` for passing (`in_return` false: X87 classes
// go to memory, GCC examine_argument) or returning (X87 comes back in %st0).
Classification classify(const TypeFacts& t, bool in_return);

}  // namespace xtramp::x86_64
