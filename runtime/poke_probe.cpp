#include "runtime/poke_probe.hpp"

#include <atomic>
#include <cstdint>
#include <mutex>

#include "common/error.hpp"
#include "runtime/host_code.hpp"
#include "runtime/text_poke.hpp"

namespace xtramp {

namespace {

std::string probe() {
  const HostCode& host = host_code();
  if (host.probe == nullptr) return "entry patching is not implemented for this host architecture";
  long (*volatile f)(void) = host.probe;
  auto* code = reinterpret_cast<uint8_t*>(reinterpret_cast<uintptr_t>(f));
  if (f() != 1) return "the poke probe does not return 1 before the rewrite (a bug)";
  try {
    poke_text(code + host.probe_offset, host.probe_patch);
    sync_cores();
  } catch (const Error& e) {
    return std::string("this process cannot rewrite its code: ") + e.what();
  }
  const long after = f();
  if (after == 2) return "";
  return "code rewritten through /proc/self/mem after it ran still runs the old instructions "
         "(this is what qemu-user does: it keeps its translation of code it already ran); "
         "entry patching needs a real kernel (qemu-system, or the hardware)";
}

}  // namespace

const std::string& poked_code_problem() {
  static const std::string problem = probe();
  return problem;
}

namespace {
std::atomic<bool> g_unexecuted_only{false};
}  // namespace

void require_poked_code_runs() {
  const std::string& p = poked_code_problem();
  if (!p.empty() && !g_unexecuted_only.load(std::memory_order_relaxed))
    throw Error(Errc::unsupported, "entry patch: " + p);
}

void detail::allow_patching_unexecuted_code() noexcept {
  g_unexecuted_only.store(true, std::memory_order_relaxed);
}

}  // namespace xtramp
