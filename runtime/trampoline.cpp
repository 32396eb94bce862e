#include "runtime/trampoline.hpp"

#include "common/error.hpp"
#include "common/tramp/emitter.hpp"

namespace xtramp {

GeneratedCode generate(const Backend& backend, const FuncModel& m, Policy policy,
                       const ProgramSet& programs, uint64_t func_addr, uint64_t orig_addr,
                       AttachMode mode, uint64_t exit_addr) {
  GeneratedCode out;
  out.layout = backend.place(m, policy);
  std::unique_ptr<Emitter> e = backend.emitter();
  PlanRequest req;
  req.model = &m;
  req.layout = &out.layout;
  req.programs = programs;
  req.func_addr = func_addr;
  req.orig_addr = orig_addr;
  req.mode = mode;
  req.exit_addr = exit_addr;
  out.plan = plan_trampoline(req, e->traits(req.mode));
  out.code = emit_plan(*e, out.plan);
  return out;
}

CodeBlock install_trampoline(ExecMemory& memory, std::span<const uint8_t> code) {
  // Hints go out from the target in steps of range/64 (16 MiB here). An
  // offset of 389 pages keeps the trampoline from sitting a multiple of
  // 16 MiB from the runner, where branch predictor entries alias (measured:
  // 4x slower at exactly +16 MiB).
  constexpr uintptr_t kOffset = 389 * 4096;
  const auto runner = reinterpret_cast<uintptr_t>(&xtramp_run_program);
  try {
    return memory.install(code, ExecNear{runner + kOffset, size_t{1} << 30});
  } catch (const Error&) {
    return memory.install(code);  // nothing free near: anywhere works, a little slower
  }
}

Trampoline Trampoline::create(const FuncModel& m, const void* original, const ProgramSet& programs,
                              Policy policy, ExecMemory& memory) {
  if (m.target != host_arch())
    throw Error(Errc::bad_request, "trampoline for " + m.name + ": the model is for " +
                                       std::string(arch_name(m.target)) +
                                       ", this process runs on " +
                                       std::string(arch_name(host_arch())));
  if (original == nullptr)
    throw Error(Errc::bad_request, "trampoline for " + m.name + ": no function address");
  const auto addr = reinterpret_cast<uint64_t>(original);
  GeneratedCode g = generate(backend(m.target), m, policy, programs, addr, addr);
  Trampoline t;
  t.code_ = install_trampoline(memory, g.code);
  t.plan_ = std::move(g.plan);
  t.code_size_ = g.code.size();
  return t;
}

}  // namespace xtramp
