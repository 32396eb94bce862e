// Building trampolines: model + layout + plan + emit, for any architecture on
// any host (generate), and installing a host-architecture trampoline in
// executable memory in replace mode (Trampoline).
//
// Replace mode: the trampoline is a function with exactly the traced
// function's ABI. Calling it runs the programs around a call of the original;
// it goes where a caller would look the function up (a function-pointer
// table, a GOT slot).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "common/backend.hpp"
#include "common/tramp/plan.hpp"
#include "runtime/exec_memory.hpp"

namespace xtramp {

struct GeneratedCode {
  TrampolinePlan plan;
  CallLayout layout;
  std::vector<uint8_t> code;
};

// Places `m` on `backend` under `policy`, plans and emits. `func_addr` goes to
// ctx[-2]; `orig_addr` is called. Throws Error naming the function for what
// cannot be placed or planned.
// `exit_addr`: see TrampolinePlan (0: the trampoline returns).
GeneratedCode generate(const Backend& backend, const FuncModel& m, Policy policy,
                       const ProgramSet& programs, uint64_t func_addr, uint64_t orig_addr,
                       AttachMode mode = AttachMode::replace, uint64_t exit_addr = 0);

// Installs a trampoline's code within 1 GiB of the program runner (and so,
// in a statically linked program, of the callers, programs and originals it
// calls), where its calls and returns are cheaper than across the address
// space; anywhere if nothing is free there. Throws what ExecMemory throws.
CodeBlock install_trampoline(ExecMemory& memory, std::span<const uint8_t> code);

class Trampoline {
 public:
  // A replace-mode trampoline for `original` (a function of this process, of
  // prototype `m`; m.target must be the host architecture).
  static Trampoline create(const FuncModel& m, const void* original, const ProgramSet& programs,
                           Policy policy = Policy::psabi,
                           ExecMemory& memory = ExecMemory::global());

  Trampoline() = default;
  Trampoline(Trampoline&&) noexcept = default;
  Trampoline& operator=(Trampoline&&) noexcept = default;

  const void* entry() const { return code_.exec(); }
  template <typename F>
  F* as() const {
    return reinterpret_cast<F*>(const_cast<void*>(code_.exec()));
  }
  const TrampolinePlan& plan() const { return plan_; }
  size_t code_size() const { return code_size_; }

 private:
  CodeBlock code_;
  TrampolinePlan plan_;
  size_t code_size_ = 0;
};

}  // namespace xtramp
