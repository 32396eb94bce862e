#include "common/error.hpp"
#include "common/tramp/emitter.hpp"

namespace xtramp {

std::vector<uint8_t> emit_plan(Emitter& e, const TrampolinePlan& plan) {
  e.begin(plan);
  for (const Step& s : plan.steps) e.step(plan, s);
  return e.finish(plan);
}

Emitter::StubCode Emitter::entry_stub(const StubSpec&) {
  throw Error(Errc::unsupported, "this emitter has no RCU entry stub");
}

std::vector<uint8_t> Emitter::exit_stub(const rcu::StubFacts&) {
  throw Error(Errc::unsupported, "this emitter has no RCU exit stub");
}

}  // namespace xtramp
