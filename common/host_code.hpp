// What the run-time layer must know of the host architecture's code to
// allocate, rewrite and check it (runtime/exec_memory.cpp, text_poke.cpp,
// poke_probe.cpp). The host's backend provides it (Backend::host_code,
// arch/<a>/host_code.cpp), so that runtime/ names no architecture.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace xtramp {

struct HostCode {
  // Run after code was stored through another (the write) view of its
  // memory and made coherent with __builtin___clear_cache, before it runs;
  // nullptr: nothing more to do.
  void (*after_code_store)() noexcept = nullptr;

  // True when membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) serialises the
  // instruction stream of every thread of the process (runtime/text_poke.cpp
  // sync_cores); false: MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE is needed.
  bool expedited_membarrier_serialises = false;

  // The poke probe (runtime/poke_probe.hpp): `probe` returns 1 until
  // `probe_patch` is written at its address + probe_offset, 2 after.
  // nullptr: entry patching is not implemented for this host.
  long (*probe)() = nullptr;
  size_t probe_offset = 0;
  std::span<const uint8_t> probe_patch;
};

}  // namespace xtramp

// Defines the poke probe, `extern "C" long xtramp_poke_probe_fn(void)`, from
// its instructions (assembly text returning 1), for HostCode::probe: written
// in assembly so that the bytes to rewrite are known.
#define XTRAMP_POKE_PROBE(instructions)                      \
  asm(".pushsection .text\n"                                 \
      ".p2align 4\n"                                         \
      ".globl xtramp_poke_probe_fn\n"                        \
      ".hidden xtramp_poke_probe_fn\n"                       \
      ".type xtramp_poke_probe_fn, @function\n"              \
      "xtramp_poke_probe_fn:\n " instructions                \
      ".size xtramp_poke_probe_fn, .-xtramp_poke_probe_fn\n" \
      ".popsection\n");                                      \
  extern "C" long xtramp_poke_probe_fn(void)
