// GCC vector types (`vector_size(8/16/32)`) as parameters and return values
// on all three architectures (docs/abi.md "Vector types"). GCC's -gbtf types
// them void: the frontend reads them from DWARF. Expected locations are GCC
// 12.2's at -O2, from the callee's code, e.g. for `float f(int x, v8f a)
// { return a[1]; }`:
//   x86-64  movss 12(%rsp),%xmm0   (32 bytes without AVX: memory)
//   arm64   ldr s0,[x1,4]          (a copy by reference, the pointer in x1)
//   s390x   le %f0,4(%r3)          (by reference, the pointer in r3)
#include <gtest/gtest.h>

#include <string>

#include "common/backend.hpp"
#include "common/error.hpp"
#include "selftests/unit/c_model.hpp"

namespace xtramp {
namespace {

const char* kSrc = R"(
typedef float v2f __attribute__((vector_size(8)));
typedef float v4f __attribute__((vector_size(16)));
typedef float v8f __attribute__((vector_size(32)));
typedef int v4i __attribute__((vector_size(16)));
float a8(int x, v2f a) { return a[1]; }
float a16(int x, v4f a) { return a[1]; }
float a32(int x, v8f a) { return a[1]; }
int a16i(int x, v4i a) { return a[1]; }
v4f r16(v4f a, v4f b) { return b; }
v2f r8(v2f a, v2f b) { return b; }
v8f r32(v8f a, v8f b) { return b; }
)";

CallLayout place(Arch a, const char* fn) {
  return backend(a).place(test::model_from_c(a, kSrc, fn), Policy::psabi);
}

std::string where(Arch a, const char* fn, size_t arg) {
  return describe_location(backend(a), place(a, fn).args.at(arg));
}

// x86-64: __m64 SSE, __m128 SSE+SSEUP (an int vector too: movd %xmm0), 32
// bytes in memory; arm64: short vectors in v registers, 32 bytes by
// reference; s390x (no vector facility by default): every vector by reference.
TEST(VectorAbi, ArgumentsPlacedLikeGcc) {
  const char* fns[] = {"a8", "a16", "a32", "a16i"};
  const char* x86[] = {"xmm0", "xmm0", "stack+0", "xmm0"};
  const char* arm[] = {"v0", "v0", "*x1 (by ref)", "v0"};
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(where(Arch::x86_64, fns[i], 1), x86[i]) << fns[i];
    EXPECT_EQ(where(Arch::arm64, fns[i], 1), arm[i]) << fns[i];
    EXPECT_EQ(where(Arch::s390x, fns[i], 1), "*r3 (by ref)") << fns[i];
  }
  EXPECT_EQ(where(Arch::x86_64, "r32", 1), "stack+32");  // GCC: movdqa 40(%rsp)
}

// Returns: x86-64 xmm0 for 8 and 16 bytes (movaps %xmm1,%xmm0), 32 through
// %rdi; arm64 v0 (mov v0.16b,v1.16b), 32 through x8; s390x through r2.
TEST(VectorAbi, ReturnsPlacedLikeGcc) {
  for (const char* fn : {"r8", "r16"}) {
    EXPECT_EQ(place(Arch::x86_64, fn).ret.parts.at(0).loc, Location::fpr(0)) << fn;
    EXPECT_EQ(place(Arch::arm64, fn).ret.parts.at(0).loc, Location::fpr(0)) << fn;
    EXPECT_EQ(place(Arch::s390x, fn).ret.kind, RetLayout::Kind::memory) << fn;
  }
  for (Arch a : {Arch::x86_64, Arch::arm64, Arch::s390x})
    EXPECT_EQ(place(a, "r32").ret.kind, RetLayout::Kind::memory) << arch_name(a);
}

TEST(VectorAbi, ModelFromDwarfAndLinuxPolicy) {
  for (Arch a : {Arch::x86_64, Arch::arm64, Arch::s390x}) {
    const FuncModel m = test::model_from_c(a, kSrc, "a16");
    EXPECT_EQ(m.args.at(1).t().kind, ValueKind::vector_) << arch_name(a);
    EXPECT_EQ(m.args.at(1).t().c_type, "v4f");
    EXPECT_EQ(m.args.at(1).t().size, 16u);
    EXPECT_THROW(backend(a).place(m, Policy::linux_jit), Error);
  }
}

}  // namespace
}  // namespace xtramp
