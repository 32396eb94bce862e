#include "common/tramp/emitter.hpp"

namespace xtramp {

std::vector<uint8_t> emit_plan(Emitter& e, const TrampolinePlan& plan) {
  e.begin(plan);
  for (const Step& s : plan.steps) e.step(plan, s);
  return e.finish(plan);
}

}  // namespace xtramp
