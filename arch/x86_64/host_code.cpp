// The x86-64 facts of host code (common/host_code.hpp).
#include "arch/x86_64/patch.hpp"

#if defined(__x86_64__)
// b8 01 00 00 00  movl $1, %eax;  c3  ret. Byte 1, the imm32's low byte
// (little-endian), becomes 2.
XTRAMP_POKE_PROBE("movl $1, %eax\n ret\n");
#endif

namespace xtramp::x86_64 {

const HostCode* host_code() noexcept {
#if defined(__x86_64__)
  // Cores are serialised by membarrier SYNC_CORE (x86 selects
  // ARCH_HAS_MEMBARRIER_SYNC_CORE); nothing to do after a code store.
  static constexpr uint8_t kTwo[] = {2};
  static const HostCode c{.probe = &xtramp_poke_probe_fn, .probe_offset = 1, .probe_patch = kTwo};
  return &c;
#else
  return nullptr;
#endif
}

}  // namespace xtramp::x86_64
