// The emission primitives a backend implements. The planner (plan.hpp) decides
// everything; an Emitter only turns one Step into instructions, with the
// prologue and epilogue around them. emit_plan() walks a plan through it.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "common/tramp/plan.hpp"

namespace xtramp {

class Emitter {
 public:
  virtual ~Emitter() = default;

  virtual EmitterTraits traits(AttachMode mode) const = 0;

  // Starts a new trampoline: the prologue for `plan` (frame_size bytes below
  // the entry SP, arch area at arch_off).
  virtual void begin(const TrampolinePlan& plan) = 0;
  virtual void step(const TrampolinePlan& plan, const Step& s) = 0;
  // Epilogue and return to the caller; resolves labels. Returns the code,
  // position-independent except for the absolute addresses the steps name.
  virtual std::vector<uint8_t> finish(const TrampolinePlan& plan) = 0;
};

// The code of one trampoline: begin, every step, finish.
std::vector<uint8_t> emit_plan(Emitter& e, const TrampolinePlan& plan);

}  // namespace xtramp
