#include "runtime/poke_probe.hpp"

#include <atomic>
#include <cstdint>
#include <mutex>

#include "common/error.hpp"
#include "runtime/text_poke.hpp"

// The probe: `return 1` in the host's instructions, written in assembly so
// that the byte to rewrite is known. Offset and value of the rewrite: the
// immediate of the first instruction becomes 2.
#if defined(__x86_64__)
//   b8 01 00 00 00   movl $1, %eax        c3 ret
#define XTRAMP_PROBE_BODY "movl $1, %eax\n ret\n"
#define XTRAMP_PROBE_WIDTH 1  // byte 1: the imm32's low byte (little-endian)
#elif defined(__aarch64__)
//   52800020 mov w0, #1 (MOVZ, imm16 in bits 5..20)     d65f03c0 ret
#define XTRAMP_PROBE_BODY "mov w0, #1\n ret\n"
#define XTRAMP_PROBE_WIDTH 4  // the whole first word: 52800040, mov w0, #2
#elif defined(__s390x__)
//   a7 29 00 01   lghi %r2, 1             07 fe  br %r14
#define XTRAMP_PROBE_BODY "lghi %r2, 1\n br %r14\n"
#define XTRAMP_PROBE_WIDTH 1  // byte 3: the I2 field's low byte (big-endian)
#endif

#ifdef XTRAMP_PROBE_BODY
asm(".pushsection .text\n"
    ".p2align 4\n"
    ".globl xtramp_poke_probe_fn\n"
    ".hidden xtramp_poke_probe_fn\n"
    ".type xtramp_poke_probe_fn, @function\n"
    "xtramp_poke_probe_fn:\n " XTRAMP_PROBE_BODY
    ".size xtramp_poke_probe_fn, .-xtramp_poke_probe_fn\n"
    ".popsection\n");
extern "C" long xtramp_poke_probe_fn(void);
#endif

namespace xtramp {

namespace {

std::string probe() {
#ifndef XTRAMP_PROBE_BODY
  return "entry patching is not implemented for this host architecture";
#else
  long (*volatile f)(void) = &xtramp_poke_probe_fn;
  auto* code = reinterpret_cast<uint8_t*>(reinterpret_cast<uintptr_t>(f));
  if (f() != 1) return "the poke probe does not return 1 before the rewrite (a bug)";
#if defined(__x86_64__)
  const uint8_t two[] = {2};
  uint8_t* at = code + 1;
#elif defined(__aarch64__)
  const uint8_t two[] = {0x40, 0x00, 0x80, 0x52};  // 52800040: mov w0, #2
  uint8_t* at = code;
#else
  const uint8_t two[] = {2};
  uint8_t* at = code + 3;
#endif
  static_assert(sizeof two == XTRAMP_PROBE_WIDTH);
  try {
    poke_text(at, two);
    sync_cores();
  } catch (const Error& e) {
    return std::string("this process cannot rewrite its code: ") + e.what();
  }
  const long after = f();
  if (after == 2) return "";
  return "code rewritten through /proc/self/mem after it ran still runs the old instructions "
         "(this is what qemu-user does: it keeps its translation of code it already ran); "
         "entry patching needs a real kernel (qemu-system, or the hardware)";
#endif
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
