// The emission primitives a backend implements. The planner (plan.hpp) decides
// everything; an Emitter only turns one Step into instructions, with the
// prologue and epilogue around them. emit_plan() walks a plan through it.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "common/tramp/plan.hpp"
#include "common/tramp/rcu_facts.hpp"

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

  // The RCU read side of an Attachment's calls (runtime/rcu.hpp), for
  // code of the host arch only (Error(unsupported) elsewhere, or when
  // `facts` is not available). Both are installed once and never freed.
  // `facts`: rcu::stub_facts() (runtime/rcu.hpp), taken on the calling
  // thread.
  //
  // entry_stub: what the slot / the patched entry reaches. Enters the
  // thread's read-side section (registering the thread on its first call),
  // then jumps to the address in the 8-byte word at `target_ptr` (the current
  // trampoline, or the stub's own passthrough), with every argument register
  // and the stack as the stub found them (s390x entry patch: r0 = `resume`,
  // the body). The passthrough, at `passthrough` bytes into the code, leaves
  // the section and goes to `resume`: the original (replace), the body
  // (entry patch; x86-64: by returning to the site's return address). A
  // fentry-only entry-patch trampoline exits through it.
  struct StubSpec {
    AttachMode mode = AttachMode::replace;
    uint64_t target_ptr = 0;
    uint64_t resume = 0;
    rcu::StubFacts facts;
  };
  struct StubCode {
    std::vector<uint8_t> code;
    uint32_t passthrough = 0;
  };
  virtual StubCode entry_stub(const StubSpec& spec);
  // exit_stub: leaves the section and returns to the caller (the return
  // address register / the stack as a return would use them); the
  // trampolines that return to their caller go there instead of returning.
  virtual std::vector<uint8_t> exit_stub(const rcu::StubFacts& facts);
};

// The code of one trampoline: begin, every step, finish.
std::vector<uint8_t> emit_plan(Emitter& e, const TrampolinePlan& plan);

}  // namespace xtramp
