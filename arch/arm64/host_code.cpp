// The arm64 facts of host code (common/host_code.hpp).
#include "arch/arm64/patch.hpp"

#if defined(__aarch64__)
// 52800020  mov w0, #1 (MOVZ, imm16 in bits 5..20);  d65f03c0  ret. The whole
// first word becomes 52800040, mov w0, #2.
XTRAMP_POKE_PROBE("mov w0, #1\n ret\n");
#endif

namespace xtramp::arm64 {

const HostCode* host_code() noexcept {
#if defined(__aarch64__)
  // Cores are serialised by membarrier SYNC_CORE (arm64 selects
  // ARCH_HAS_MEMBARRIER_SYNC_CORE); __builtin___clear_cache does the rest
  // after a code store (DC CVAU / IC IVAU / DSB / ISB).
  static constexpr uint8_t kMovW0Two[] = {0x40, 0x00, 0x80, 0x52};  // little-endian
  static const HostCode c{
      .probe = &xtramp_poke_probe_fn, .probe_offset = 0, .probe_patch = kMovW0Two};
  return &c;
#else
  return nullptr;
#endif
}

}  // namespace xtramp::arm64
