// _Float16 parameters and return values on x86-64 and arm64 (docs/abi.md
// "_Float16"); s390x's GCC 12 rejects the type ("'_Float16' is not supported
// on this target"). GCC's -gbtf types a _Float16 as void: the frontend reads
// it from DWARF. Expected locations are GCC 12.2's at -O2, from the callee:
// the tenth of ten _Float16 arguments is read with
//   x86-64  pinsrw $0,16(%rsp),%xmm0   (SSE class; the ninth at 8(%rsp))
//   arm64   ldr h0,[sp,8]              (C.1-C.5: v0-v7, then 8-byte slots)
#include <gtest/gtest.h>

#include <string>

#include "common/backend.hpp"
#include "common/error.hpp"
#include "selftests/unit/c_model.hpp"

namespace xtramp {
namespace {

const char* kSrc = R"(
typedef _Float16 half_t;
_Float16 h10(_Float16 a, _Float16 b, _Float16 c, _Float16 d, _Float16 e, _Float16 f,
             _Float16 g, _Float16 h, _Float16 i, _Float16 j) { return j; }
half_t h2(int a, half_t b) { return b; }
)";

std::string where(Arch a, const CallLayout& l, size_t arg) {
  return describe_location(backend(a), l.args.at(arg));
}

TEST(Float16Abi, ReadFromDwarfAndPlacedLikeGcc) {
  for (Arch a : {Arch::x86_64, Arch::arm64}) {
    const FuncModel m = test::model_from_c(a, kSrc, "h10");
    ASSERT_EQ(m.args.size(), 10u);
    EXPECT_EQ(m.args[0].t().kind, ValueKind::float_);
    EXPECT_EQ(m.args[0].t().size, 2u);
    EXPECT_EQ(m.ret.t().c_type, "_Float16");
    const CallLayout l = backend(a).place(m, Policy::psabi);
    const bool x86 = a == Arch::x86_64;
    EXPECT_EQ(where(a, l, 0), x86 ? "xmm0" : "v0");
    EXPECT_EQ(where(a, l, 7), x86 ? "xmm7" : "v7");
    EXPECT_EQ(where(a, l, 8), "stack+0");
    EXPECT_EQ(where(a, l, 9), "stack+8");
    EXPECT_EQ(l.ret.parts.at(0).loc, Location::fpr(0)) << arch_name(a);
    EXPECT_EQ(l.ret.parts.at(0).size, 2u);
    // A typedef of it (BTF: a TYPEDEF of void) too; the kernel refuses it.
    const FuncModel t = test::model_from_c(a, kSrc, "h2");
    EXPECT_EQ(t.args.at(1).t().c_type, "half_t");
    EXPECT_EQ(where(a, backend(a).place(t, Policy::psabi), 1), x86 ? "xmm0" : "v0");
    EXPECT_THROW(backend(a).place(t, Policy::linux_jit), Error);
  }
}

}  // namespace
}  // namespace xtramp
