// The patch site of a patchable target, per architecture, for the tests:
// untouched (as the compiler left it, or as detach restores it) or branching
// to a trampoline; and the skip for hosts that cannot run rewritten code.
#pragma once

#include <cstdint>
#include <cstring>

#include "common/arch.hpp"
#include "runtime/poke_probe.hpp"

// Entry patching needs a kernel that lets this process run the code it
// rewrote; qemu-user does not (runtime/poke_probe.hpp): there the tests
// skip, saying so. The probe is a self-test independent of the patching
// code, so a patching bug on a real kernel fails, never skips.
#define REQUIRE_ENTRY_PATCHING()                                       \
  if (!::xtramp::poked_code_problem().empty())                         \
    GTEST_SKIP() << ::xtramp::arch_name(::xtramp::host_arch()) << ": " \
                 << ::xtramp::poked_code_problem();

namespace xtramp::test {

// The patch site as the compiler left it (or as detach restores it).
inline bool entry_is_nops(const void* fn) {
  const auto* p = static_cast<const uint8_t*>(fn);
  switch (host_arch()) {
    case Arch::x86_64:  // five one-byte nops
      return std::memcmp(p, "\x90\x90\x90\x90\x90", 5) == 0;
    case Arch::arm64: {  // two NOPs (d503201f)
      uint32_t w[2];
      std::memcpy(w, p, 8);
      return w[0] == 0xd503201f && w[1] == 0xd503201f;
    }
    case Arch::s390x:  // brcl 0,<anything>: the offset stays once written
      return p[0] == 0xc0 && p[1] == 0x04;
  }
  return false;
}

// The site branches (x86-64: calls) to a trampoline.
inline bool entry_is_patched(const void* fn) {
  const auto* p = static_cast<const uint8_t*>(fn);
  switch (host_arch()) {
    case Arch::x86_64:  // call rel32
      return p[0] == 0xE8;
    case Arch::arm64: {  // b <tramp>; the second NOP unchanged
      uint32_t w[2];
      std::memcpy(w, p, 8);
      return (w[0] & 0xfc000000u) == 0x14000000u && w[1] == 0xd503201f;
    }
    case Arch::s390x:  // brcl 15,<stub>
      return p[0] == 0xc0 && p[1] == 0xf4;
  }
  return false;
}

// The flag the refusal names on this architecture.
inline const char* patch_flag() {
  switch (host_arch()) {
    case Arch::x86_64:
      return "-fpatchable-function-entry=5";
    case Arch::arm64:
      return "-fpatchable-function-entry=2";
    case Arch::s390x:
      return "hotpatch(0,3)";
  }
  return "?";
}

}  // namespace xtramp::test
