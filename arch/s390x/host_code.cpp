// The s390x facts of host code (common/host_code.hpp).
#include "arch/s390x/patch.hpp"

#if defined(__s390x__)
// a7 29 00 01  lghi %r2, 1;  07 fe  br %r14. Byte 3, the I2 field's low byte
// (big-endian), becomes 2.
XTRAMP_POKE_PROBE("lghi %r2, 1\n br %r14\n");

namespace {

// A CPU may run copies of instructions it prefetched; a store is guaranteed
// to be seen by its later instruction fetches only when made through the same
// logical address (z/Architecture Principles of Operation, SA22-7832,
// chapter 5, "Instruction Fetching"), and code memory is written through
// another view (runtime/exec_memory.hpp). A serializing operation discards
// prefetched copies (ibid., "CPU Serialization"): BCR 15,0.
void serialize() noexcept {
  asm volatile("bcr 15,0" ::: "memory");
}

}  // namespace
#endif

namespace xtramp::s390x {

const HostCode* host_code() noexcept {
#if defined(__s390x__)
  static constexpr uint8_t kTwo[] = {2};
  // s390x does not select ARCH_HAS_MEMBARRIER_SYNC_CORE, and does not need
  // to: every interruption is a serialising event (z/Architecture Principles
  // of Operation, SA22-7832, chapter 5 "Program Execution", section
  // "Serialization": "the CPU serialization operation is performed ... when
  // an interruption occurs"), and MEMBARRIER_CMD_PRIVATE_EXPEDITED interrupts
  // (IPIs) every CPU that runs a thread of this process, while a thread that
  // is not running passes through the kernel (an interruption) before it runs
  // again: expedited_membarrier_serialises.
  static const HostCode c{.after_code_store = &serialize,
                          .expedited_membarrier_serialises = true,
                          .probe = &xtramp_poke_probe_fn,
                          .probe_offset = 3,
                          .probe_patch = kTwo};
  return &c;
#else
  return nullptr;
#endif
}

}  // namespace xtramp::s390x
