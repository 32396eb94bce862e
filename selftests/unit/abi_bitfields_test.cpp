// Zero-width and unnamed bit-fields next to float, double, integer and
// aggregate members, on all three architectures (docs/abi.md "Bit-fields").
// Every expected location is what GCC 12.2 (Debian's gcc, aarch64-linux-gnu-gcc,
// s390x-linux-gnu-gcc; GCC 16 agrees) does with these types at -O2, read from
// the callee's code, e.g. for `float f(struct Uf_last x) { return x.a; }`:
//   x86-64  movd %edi,%xmm0              (INTEGER: rdi)
//   arm64   fmov s0,w0                   (not an HFA: x0)
//   s390x   st %r2,164(%r15); le %f0,... (not float-like: r2)
// never a value printed by xtramp. Neither BTF nor DWARF lists an unnamed
// bit-field; the model infers those whose bits no alignment explains.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "common/backend.hpp"
#include "selftests/unit/c_model.hpp"

namespace xtramp {
namespace {

const char* kSrc = R"(
struct Zf_last  { float a; int : 0; };
struct Zf_first { int : 0; float a; };
struct Zf_betw  { float a; int : 0; float b; };
struct Zd_betw  { double a; int : 0; double b; };
struct Uf_last  { float a; int : 8; };
struct Uf_first { int : 8; float a; };
struct Uf_betw  { float a; int : 32; float b; };
struct Ud_last  { double a; long : 8; };
struct Ud_betw  { double a; long : 64; double b; };
struct Zh       { struct { float x, y; } h; int : 0; float z; };
struct Uh       { struct { float x, y; } h; int : 8; };
struct Zi_betw  { char c; int : 0; char d; };
struct Ui_last  { int i; unsigned char : 8; };
struct Pad      { unsigned char : 8; };
struct Ua_alone { float a; struct Pad p; };
struct Fa8      { float a __attribute__((aligned(8))); };
struct Ll_betw  { float a; long : 0; float b; };
struct Ul40     { float a; unsigned long : 40; };
struct Ls       { unsigned short : 7; double m0; };
union UZf       { float f; int : 0; };
union UZd2      { struct { double a, b; } h; long : 0; };
union UUl40     { float f; long : 40; };

void f_Zf_last(struct Zf_last x) {}
void f_Zf_first(struct Zf_first x) {}
void f_Zf_stack(long a, long b, long c, long d, long e, struct Zf_last x) {}
void f_Zf_betw(struct Zf_betw x) {}
void f_Zd_betw(struct Zd_betw x) {}
void f_Uf_last(struct Uf_last x) {}
void f_Uf_first(struct Uf_first x) {}
void f_Uf_betw(struct Uf_betw x) {}
void f_Ud_last(struct Ud_last x) {}
void f_Ud_betw(struct Ud_betw x) {}
void f_Zh(struct Zh x) {}
void f_Uh(struct Uh x) {}
void f_Zi_betw(struct Zi_betw x) {}
void f_Ui_last(struct Ui_last x) {}
void f_Ua_alone(struct Ua_alone x) {}
void f_Fa8(struct Fa8 x) {}
void f_Ll_betw(struct Ll_betw x) {}
void f_Ul40(struct Ul40 x) {}
void f_Ls(struct Ls x) {}
void f_UZf(union UZf x) {}
void f_UZd2(union UZd2 x) {}
void f_UUl40(union UUl40 x) {}
)";

std::string where(Arch a, const char* fn) {
  const FuncModel m = test::model_from_c(a, kSrc, fn);
  const Backend& b = backend(a);
  return describe_location(b, b.place(m, Policy::psabi).args.at(0));
}

struct Case {
  const char* fn;
  const char* x86_64;
  const char* arm64;
  const char* s390x;
};

// x86-64: GCC 12 ignores zero-width bit-fields in C; any other bit-field,
// named or not, makes the eightbytes its bits touch INTEGER.
// arm64: an HFA skips zero-width bit-fields; an unnamed one of non-zero width
// is an integer member (and leaves a size no float count fills): GPRs.
// s390x: any bit-field is a second member: a struct holding one is not
// float-like (a GPR), but that is only visible when it leaves a gap.
const Case kCases[] = {
    // s390x: the debug info shows no bit-field, but the callee's DWARF says
    // where its code received the struct (DW_OP_reg2): r2, not f0.
    {"f_Zf_last", "xmm0", "v0", "r2"},
    {"f_Zf_first", "xmm0", "v0", "r2"},
    {"f_Zf_betw", "xmm0", "v0:v1", "r2"},
    {"f_Zd_betw", "xmm0:xmm1", "v0:v1", "*r2 (by ref)"},
    {"f_Uf_last", "rdi", "x0", "r2"},
    {"f_Uf_first", "rdi", "x0", "r2"},
    {"f_Uf_betw", "rdi:xmm0", "x0:x1", "*r2 (by ref)"},
    {"f_Ud_last", "xmm0:rdi", "x0:x1", "*r2 (by ref)"},
    {"f_Ud_betw", "stack+0", "*x0 (by ref)", "*r2 (by ref)"},
    {"f_Zh", "xmm0:xmm1", "v0:v1:v2", "*r2 (by ref)"},
    {"f_Uh", "xmm0:rdi", "x0:x1", "*r2 (by ref)"},
    {"f_Zi_betw", "rdi", "x0", "*r2 (by ref)"},
    {"f_Ui_last", "rdi", "x0", "r2"},
    {"f_Ua_alone", "rdi", "x0", "r2"},
    {"f_Fa8", "xmm0", "x0", "f0"},
    // A long bit-field of 40 bits does not fit beside `a` in its 64-bit unit:
    // bits 64-103, so the first eightbyte stays SSE.
    {"f_Ul40", "xmm0:rdi", "x0:x1", "*r2 (by ref)"},
    // GCC's BTF puts m0 at 0 (the bit-field's offset); DWARF's 8 is right.
    {"f_Ls", "rdi:xmm0", "x0:x1", "*r2 (by ref)"},
    // In a union GCC classifies the bit-field by its type (INTEGER, no HFA);
    // this one shows: 8 bytes where the float and its alignment explain 4.
    {"f_UUl40", "rdi", "x0", "r2"},
};

TEST(BitfieldAbi, UnnamedBitfieldsPlacedLikeGcc) {
  for (const Case& c : kCases) {
    EXPECT_EQ(where(Arch::x86_64, c.fn), c.x86_64) << c.fn << " on x86_64";
    EXPECT_EQ(where(Arch::arm64, c.fn), c.arm64) << c.fn << " on arm64";
    EXPECT_EQ(where(Arch::s390x, c.fn), c.s390x) << c.fn << " on s390x";
  }
}

// The model shows the inferred unnamed bit-field as a field of its own.
TEST(BitfieldAbi, ModelCarriesInferredUnnamedBitfields) {
  for (Arch a : {Arch::x86_64, Arch::arm64, Arch::s390x}) {
    const TypeFacts& u = test::model_from_c(a, kSrc, "f_Uf_last").args.at(0).t();
    ASSERT_EQ(u.fields.size(), 2u) << arch_name(a);
    EXPECT_FALSE(u.fields[0].unnamed);
    EXPECT_TRUE(u.fields[1].unnamed);
    EXPECT_EQ(u.fields[1].bit_offset, 32u);
    EXPECT_EQ(u.fields[1].bit_size, 32u) << "the gap up to the size: the bits GCC may use";
    EXPECT_FALSE(u.single_member_chain);
    // aligned(8) explains the same gap (DWARF says so): no hidden member.
    const TypeFacts& f = test::model_from_c(a, kSrc, "f_Fa8").args.at(0).t();
    EXPECT_EQ(f.fields.size(), 1u) << arch_name(a);
  }
}

// What BTF and DWARF cannot show, pinned so that a change is noticed: a
// zero-width bit-field that moves nothing. GCC passes these in r2 on s390x;
// the types' debug info equals that of `struct { float a; }` (f0). Where the
// callee's DWARF places the parameter in memory (r2-r6 taken) nothing tells,
// psabi keeps f0 and the conformance runner reports such a case as
// unsupported with the diagnosis (docs/conformance.md). Likewise `{float a; long : 0; float b;}`
// (GCC x86-64: xmm0:xmm1) has the debug info of `{float a; int : 32; float b;}`
// (rdi:xmm0); the model takes the gap for an unnamed bit-field.
TEST(BitfieldAbi, InvisibleZeroWidthBitfields) {
  const Backend& s390x = backend(Arch::s390x);
  const FuncModel stack = test::model_from_c(Arch::s390x, kSrc, "f_Zf_stack");
  EXPECT_EQ(describe_location(s390x, s390x.place(stack, Policy::psabi).args.at(5)), "f0");
  EXPECT_EQ(where(Arch::x86_64, "f_Ll_betw"), where(Arch::x86_64, "f_Uf_betw"));
  EXPECT_EQ(where(Arch::arm64, "f_Ll_betw"), "x0:x1");  // GCC agrees: the gap breaks the HFA
  // A bit-field inside a union's named members: GCC rdi, x0 (`fmov s0,w0`);
  // rdi:xmm0, x0:x1 for UZd2. s390x never passes a union in an FPR.
  EXPECT_EQ(where(Arch::x86_64, "f_UZf"), "xmm0");
  EXPECT_EQ(where(Arch::arm64, "f_UZf"), "v0");
  EXPECT_EQ(where(Arch::s390x, "f_UZf"), "r2");  // GCC agrees
  EXPECT_EQ(where(Arch::x86_64, "f_UZd2"), "xmm0:xmm1");
  EXPECT_EQ(where(Arch::arm64, "f_UZd2"), "v0:v1");
}

}  // namespace
}  // namespace xtramp
