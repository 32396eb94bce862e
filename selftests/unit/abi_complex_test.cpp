// _Complex float / double / long double, alone and in structs, on all three
// architectures (docs/abi.md "Complex"). Every expected location is what GCC
// 12.2 (Debian's gcc, aarch64-linux-gnu-gcc, s390x-linux-gnu-gcc) does at -O2,
// read from the callee's code, e.g. for `double f(int x, _Complex double a)
// { return __imag__ a; }`:
//   x86-64  movapd %xmm1,%xmm0   (a in xmm0:xmm1)
//   arm64   fmov d0,d1           (a in d0:d1, an HFA of two doubles)
//   s390x   ld %f0,8(%r3)        (a by reference, the pointer in r3)
// never a value printed by xtramp.
#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <utility>

#include "common/backend.hpp"
#include "common/error.hpp"
#include "selftests/unit/c_model.hpp"

namespace xtramp {
namespace {

const char* kSrc = R"(
struct scf  { _Complex float a; };
struct scf2 { _Complex float a, b; };
struct scl  { _Complex long double a; };
struct mix  { _Complex float a; int i; };

void f_cf(_Complex float a) {}
void f_cd(_Complex double a) {}
void f_cl(_Complex long double a) {}
void f_scf(struct scf a) {}
void f_scf2(struct scf2 a) {}
void f_scl(struct scl a) {}
void f_mix(struct mix a) {}
_Complex double f_5cd(int a, _Complex double b, _Complex double c, _Complex double d,
                      _Complex double e, _Complex double f) { return f; }
_Complex float r_cf(void) { return 0; }
_Complex double r_cd(void) { return 0; }
_Complex long double r_cl(void) { return 0; }
struct scl r_scl(void) { struct scl s = {0}; return s; }
)";

const Backend& be(Arch a) {
  return backend(a);
}

CallLayout place(Arch a, const char* fn) {
  return be(a).place(test::model_from_c(a, kSrc, fn), Policy::psabi);
}

std::string where(Arch a, const char* fn, size_t arg = 0) {
  return describe_location(be(a), place(a, fn).args.at(arg));
}

std::string ret_regs(Arch a, const char* fn) {
  const RetLayout r = place(a, fn).ret;
  if (r.kind == RetLayout::Kind::memory) return "memory";
  std::string s;
  for (const ArgPart& p : r.parts)
    s += (s.empty() ? "" : " ") + be(a).reg_name(p.loc.kind, p.loc.reg) + "[" +
         std::to_string(p.arg_offset) + "," + std::to_string(p.size) + "]";
  return s;
}

// Each function's first argument on `a`, as GCC places it.
void expect_args(Arch a, std::initializer_list<std::pair<const char*, const char*>> expected) {
  for (const auto& [fn, loc] : expected)
    EXPECT_EQ(where(a, fn), loc) << fn << " on " << arch_name(a);
}

// psABI: complex float/double are struct { T real, imag; }; complex long
// double is COMPLEX_X87 (memory).
TEST(ComplexAbi, X86_64ArgumentsPlacedLikeGcc) {
  expect_args(Arch::x86_64, {{"f_cf", "xmm0"},
                             {"f_cd", "xmm0:xmm1"},
                             {"f_cl", "stack+0"},
                             {"f_scf", "xmm0"},
                             {"f_scf2", "xmm0:xmm1"},
                             {"f_scl", "stack+0"},
                             {"f_mix", "xmm0:rdi"}});
}

// AAPCS64: a complex is an HFA of two; structs of complex members HFAs of their parts.
TEST(ComplexAbi, Arm64ArgumentsPlacedLikeGcc) {
  expect_args(Arch::arm64, {{"f_cf", "v0:v1"},
                            {"f_cd", "v0:v1"},
                            {"f_cl", "v0:v1"},
                            {"f_scf", "v0:v1"},
                            {"f_scf2", "v0:v1:v2:v3"},
                            {"f_scl", "v0:v1"},
                            {"f_mix", "x0:x1"}});
}

// s390x: every complex by reference; a struct holding one is an ordinary
// struct (8 bytes: r2, never f0; else by reference).
TEST(ComplexAbi, S390xArgumentsPlacedLikeGcc) {
  expect_args(Arch::s390x, {{"f_cf", "*r2 (by ref)"},
                            {"f_cd", "*r2 (by ref)"},
                            {"f_cl", "*r2 (by ref)"},
                            {"f_scf", "r2"},
                            {"f_scf2", "*r2 (by ref)"},
                            {"f_scl", "*r2 (by ref)"},
                            {"f_mix", "*r2 (by ref)"}});
}

// GCC: x86-64 movsd 8(%rsp),%xmm0 / 16(%rsp),%xmm1 (b..e took xmm0-7);
// arm64 ldp d0,d1,[sp] (b..e took v0-v7).
TEST(ComplexAbi, FifthComplexDoubleOnTheStack) {
  EXPECT_EQ(where(Arch::x86_64, "f_5cd", 5), "stack+0");
  EXPECT_EQ(where(Arch::arm64, "f_5cd", 4), "v6:v7");
  EXPECT_EQ(where(Arch::arm64, "f_5cd", 5), "stack+0");
}

// Returns: x86-64 xmm0 (float pair) / xmm0:xmm1; arm64 v0:v1; s390x a buffer
// at r2 (GCC stores both parts through r2). x86-64's complex long double
// comes back in %st0:%st1, which the trampolines do not save: refused.
TEST(ComplexAbi, ReturnsPlacedLikeGcc) {
  EXPECT_EQ(ret_regs(Arch::x86_64, "r_cf"), "xmm0[0,8]");
  EXPECT_EQ(ret_regs(Arch::x86_64, "r_cd"), "xmm0[0,8] xmm1[8,8]");
  EXPECT_EQ(ret_regs(Arch::x86_64, "r_scl"), "memory");
  EXPECT_THROW(place(Arch::x86_64, "r_cl"), Error);
  EXPECT_EQ(ret_regs(Arch::arm64, "r_cf"), "v0[0,4] v1[4,4]");
  EXPECT_EQ(ret_regs(Arch::arm64, "r_cl"), "v0[0,16] v1[16,16]");
  EXPECT_EQ(ret_regs(Arch::arm64, "r_scl"), "v0[0,16] v1[16,16]");
  EXPECT_EQ(ret_regs(Arch::s390x, "r_cd"), "memory");
}

// The model: kind complex, the two parts as fields; the kernel's BTF has
// no complex type, and the linux policy refuses it as the kernel refuses FLOAT.
TEST(ComplexAbi, ModelAndLinuxPolicy) {
  for (Arch a : {Arch::x86_64, Arch::arm64, Arch::s390x}) {
    const TypeFacts& t = test::model_from_c(a, kSrc, "f_cd").args.at(0).t();
    EXPECT_EQ(t.kind, ValueKind::complex_) << arch_name(a);
    EXPECT_EQ(t.size, 16u);
    EXPECT_EQ(t.align, 8u);
    ASSERT_EQ(t.fields.size(), 2u);
    EXPECT_EQ(t.fields[1].offset, 8u);
    EXPECT_EQ(t.fields[1].kind, ValueKind::float_);
    const TypeFacts& s = test::model_from_c(a, kSrc, "f_scf").args.at(0).t();
    EXPECT_EQ(s.fields.size(), 2u);
    EXPECT_FALSE(s.single_member_chain) << "a complex is two members, never float-like";
    EXPECT_THROW(be(a).place(test::model_from_c(a, kSrc, "f_cf"), Policy::linux_jit), Error);
  }
}

}  // namespace
}  // namespace xtramp
