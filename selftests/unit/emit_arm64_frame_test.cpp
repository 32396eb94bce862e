// The arm64 emitter stores and reloads a long double (a Q register) at any
// frame offset. LDR/STR Qt encode an offset scaled by 16 and LDUR/STUR one of
// -256..255 (Arm ARM, "LDR (immediate, SIMD&FP)", "LDUR (SIMD&FP)"), so a
// ctx slot at sp+296 fits neither; asmjit refused it ("InvalidDisplacement:
// stur q0, [sp, 296]") and the trampoline could not be built (the matrix's
// gen_many_args_203 with 17 generated groups).
#include <gtest/gtest.h>

#include <string>

#include "common/backend.hpp"
#include "common/error.hpp"
#include "common/tramp/program.hpp"
#include "runtime/trampoline.hpp"
#include "selftests/unit/c_model.hpp"

namespace xtramp {
namespace {

uint64_t noop(const uint64_t*, void*) {
  return 0;
}

// n longs, then a long double in q0 and one more long: its ctx slot lands at
// an offset of 8 mod 16 beyond 255 for these n (sp+280 ... sp+360).
std::string source(int n) {
  std::string params;
  for (int i = 0; i < n; ++i) params += "long a" + std::to_string(i) + ", ";
  return "long double g(" + params + "long double q, long z) { return q + z; }\n";
}

TEST(EmitArm64, LongDoubleSlotBeyondTheShortOffsets) {
  Program fentry(noop, nullptr, ProgKind::fentry), fexit(noop, nullptr, ProgKind::fexit);
  ProgramSet progs;
  progs.fentry = {&fentry};
  progs.fexit = {&fexit};
  for (int n : {20, 21, 24, 25}) {
    const FuncModel m = test::model_from_c(Arch::arm64, source(n), "g");
    try {
      const GeneratedCode g =
          generate(backend(Arch::arm64), m, Policy::psabi, progs, 0x100000, 0x100000);
      EXPECT_FALSE(g.code.empty()) << n;
    } catch (const Error& e) {
      if (std::string(e.what()).find("not available in this build") != std::string::npos)
        GTEST_SKIP() << e.what();
      ADD_FAILURE() << n << " longs: " << e.what();
    }
  }
}

}  // namespace
}  // namespace xtramp
