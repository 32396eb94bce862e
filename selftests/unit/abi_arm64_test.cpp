// arm64 placement (AAPCS64 `psabi` and the upstream JIT's `linux`), checked
// against facts from the ABI and GCC's own testsuite, never against values
// printed by this code. Sources (pinned in docs/abi.md "Sources"; the rules in "AArch64"):
//   [AAPCS64]  aapcs64.rst §6.8.2 rules A-C (current numbering), §6.9 results
//   [gcc]      gcc/testsuite/gcc.target/aarch64/aapcs64/*.c expected locations
//              (X<n> -> x<n>, S/D/Q<n> -> v<n>, STACK+k -> sp+k at entry,
//              PTR -> by reference). Where a GCC test uses a short-vector type
//              (not expressible in BTF), the case is restated without it and
//              the shift is derived in the comment.
//   [kernel]   arch/arm64/net/bpf_jit_comp.c calc_arg_aux() and
//              kernel/bpf/btf.c btf_distill_func_proto() messages
//              (docs/linux-jits.md "What the kernel accepts", "arm64")
//
// Notation of a location list: one entry per part, "x2[0,8]" = bytes [0,8) of
// the argument in x2 (low-order end, LE), "v1[4,4]" = bytes 4..7 in v1,
// "sp+16[0,16]" = 16 bytes at [sp+16] at entry; a leading "*" marks a
// by-reference argument (the part is the pointer).
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "common/backend.hpp"
#include "common/error.hpp"
#include "selftests/unit/c_model.hpp"

namespace xtramp {
namespace {

using V = std::vector<std::string>;

const char* const kSrc = R"C(
/* ---- gcc aapcs64 type-def.h (the types without short vectors) ---- */
union int128_t { __int128 i; struct { signed long long l64; signed long long h64; }; };
struct hfa_fx1_t { float a; };
struct hfa_fx2_t { float a; float b; };
struct hfa_dx1_t { double a; };
struct hfa_dx2_t { double a; double b; };
struct hfa_dx4_t { double a; double b; double c; double d; };
struct hfa_ldx3_t { long double a; long double b; long double c; };
struct hfa_ffs_t { float a; float b; struct hfa_fx2_t c; };
union hfa_union_t { struct { float a; float b; } s; float c; };
struct non_hfa_fx5_t { float a; float b; float c; float d; float e; };
struct non_hfa_ffs_t { float a; float b; struct hfa_dx2_t c; };
struct non_hfa_ffs_2_t { struct { int a; int b; } s; float c; float d; };
struct non_hfa_ffd_t { float a; float b; double c; };
struct non_hfa_ii_t { int a; int b; };
struct non_hfa_c_t { char a; };
struct non_hfa_fffd_t { float a; float b; float c; double d; };
union non_hfa_union_t { double a; float b; };

/* test_int128.c */
void t_int128(__int128 x, __int128 y) {}

/* test_align-1.c without its two short-vector arguments */
struct a1_y { int p; int q; int r; int s; };
struct a1_z { double x[4]; };
struct a1_s1 { short sh[3]; };
struct a1_s2 { int i[2]; char c; };
struct a1_ldx2_t { long double ld[2]; };
union a1_u_t { long double ld; double d[2]; };
void t_align1(struct a1_y v1, struct a1_y v2, struct a1_y v3, struct a1_y v4,
              struct a1_z a, struct a1_z b, double d125, double d17, char ch, short sh,
              int i, long long ll, struct a1_s1 s1, double d18, struct a1_s2 s2, double d19,
              long double ld30, double d31, struct a1_ldx2_t ldx2, double d32, __int128 i33,
              double d34, union a1_u_t u, int i35) {}

/* test_align-2.c */
struct a2_y { union int128_t v; };
struct a2_x { long long p; int q; };
void t_align2(int a, struct a2_y w, int b, struct a2_x s, int c) {}

/* test_align-3.c: three ints, then __int128 */
void t_align3(int a, int b, int c, __int128 d) {}

/* test_align-4.c */
struct a4_z1 { double x[4]; };
struct a4_z2 { float x[3]; };
void t_align4(struct a4_z1 a, double d9, double d10, struct a4_z2 b, float f, struct a4_z2 c) {}

/* test_align-6.c: aligned(16) on the struct itself; natural alignment stays 8 */
typedef struct __attribute__((__aligned__(16))) { long x; long y; } a6_over;
void t_align6(int i7, a6_over a, int i9, int i11, a6_over b, int i15, int i10, a6_over c) {}

/* test_align-7.c: aligned(32) typedef of a 16-byte struct: still by value */
struct a7_s { long x; long y; };
typedef __attribute__((__aligned__(32))) struct a7_s a7_over;
void t_align7(int i7, a7_over a, int i9, int i11, a7_over b, int i15, int i10, a7_over c) {}

/* test_align-9.c: aligned(16) member; an aligned(8) typedef cannot lower it */
struct a9_s { __attribute__((__aligned__(16))) long x; int y; };
typedef struct a9_s __attribute__((__aligned__(8))) a9_under;
void t_align9(int i3, a9_under a, int i5, a9_under b, int i7, a9_under c) {}

/* The brief's pair: struct-level vs member-level aligned(16) */
struct __attribute__((aligned(16))) nat_s16 { long a, b; };
struct nat_m16 { long a __attribute__((aligned(16))); long b; };
void t_nat_struct(int i, struct nat_s16 s) {}
void t_nat_member(int i, struct nat_m16 s) {}

/* va_arg-4.c (HFAs) as named arguments; hva_vf2x1/hva_vi4x1 (one v-reg each)
   stand in as one-member HFAs, non_hfa_ffvf2 (16 bytes, x6:x7) as non_hfa_ffd */
void t_hfa(int i1, struct hfa_fx1_t hfa_fx1, struct hfa_fx2_t hfa_fx2, struct hfa_dx2_t hfa_dx2,
           struct hfa_fx1_t hva_vf2x1, struct hfa_dx1_t hva_vi4x1, struct hfa_dx4_t hfa_dx4,
           struct hfa_ffs_t hfa_ffs, union hfa_union_t hfa_union, struct hfa_ldx3_t hfa_ldx3,
           struct non_hfa_fx5_t non_hfa_fx5, struct non_hfa_ffd_t non_hfa_ffd,
           struct non_hfa_ii_t non_hfa_ii, struct non_hfa_c_t non_hfa_c,
           struct non_hfa_ffd_t non_hfa_ffvf2, struct non_hfa_fffd_t non_hfa_fffd,
           struct non_hfa_ffs_t non_hfa_ffs, struct non_hfa_ffs_2_t non_hfa_ffs_2,
           union non_hfa_union_t non_hfa_union, int i2) {}

/* test_7.c without the complex float: x0-x5 structs, then ints, floats */
struct t7_y { int p; int q; int r; int s; };
void t_7(struct t7_y v, struct t7_y v1, struct t7_y v2, int i4, float f1, float f2,
         double d5, int i3, int i5) {}

/* Scalars: C.1, C.9 and the stack (C.4-C.6, C.16/C.17) */
/* (_Float16 is left out: GCC 12 -gbtf cannot describe it) */
void t_fp(float a, double b, long double c, _Float128 d) {}
void t_fp_stack(double d0, double d1, double d2, double d3, double d4, double d5,
                double d6, double d7, float f8, long double q9, double d10) {}
void t_int_stack(long a0, long a1, long a2, long a3, long a4, long a5, long a6, long a7,
                 char c8, short s9, int i10, long l11, void *p12) {}
void t_indep(long a0, long a1, long a2, long a3, long a4, long a5, long a6, long a7,
             long double q) {}
/* C.13: a 2-register composite that does not fit closes x0-x7 */
struct two_longs { long x, y; };
void t_c13(long a0, long a1, long a2, long a3, long a4, long a5, long a6,
           struct two_longs s, long z) {}

/* B.4 by reference, and results */
struct big { long a, b, c; };
struct big r_big(int a, struct big b, struct big c) { return b; }
void t_big_stack(long a0, long a1, long a2, long a3, long a4, long a5, long a6, long a7,
                 struct big b) {}
__int128 r_i128(void) { return 0; }
long double r_ld(void) { return 0; }
float r_f(void) { return 0; }
char r_c(void) { return 0; }
struct hfa_dx4_t r_hfa(void) { struct hfa_dx4_t r = {0}; return r; }
struct a1_s2 r_small(void) { struct a1_s2 r = {0}; return r; }
void r_void(int a) {}

/* The 2025 RFC case and Xu Kuohai's review example */
struct rfc_s { __int128 a; };
int rfc(struct rfc_s a, struct rfc_s b, struct rfc_s c, struct rfc_s d, short e, struct rfc_s f) { return 0; }
int xu(__int128 a, __int128 b, __int128 c, long d, __int128 e, long f, __int128 g) { return 0; }
int xu8(__int128 a, __int128 b, __int128 c, long d, __int128 e) { return 0; }

/* linux policy refusals */
void k_float(int a, double b) {}
void k_big(int a, struct big b) {}
)C";

FuncModel model(const char* fn) {
  return test::model_from_c(Arch::arm64, kSrc, fn);
}
CallLayout psabi(const char* fn) {
  return backend(Arch::arm64).place(model(fn), Policy::psabi);
}
CallLayout linux_jit(const char* fn) {
  return backend(Arch::arm64).place(model(fn), Policy::linux_jit);
}

std::string part_str(const ArgPart& p) {
  std::string s;
  switch (p.loc.kind) {
    case LocKind::gpr:
      s = "x" + std::to_string(p.loc.reg);
      break;
    case LocKind::fpr:
      s = "v" + std::to_string(p.loc.reg);
      break;
    case LocKind::stack:
      s = "sp+" + std::to_string(p.loc.offset);
      break;
  }
  s += "[" + std::to_string(p.arg_offset) + "," + std::to_string(p.size) + "]";
  if (p.loc_offset != 0) s += "@" + std::to_string(p.loc_offset);
  return s;
}

std::string parts_str(const std::vector<ArgPart>& parts) {
  std::string s;
  for (const ArgPart& p : parts) s += (s.empty() ? "" : " ") + part_str(p);
  return s;
}

V where(const CallLayout& cl) {
  V out;
  for (const ArgLayout& a : cl.args) out.push_back((a.by_ref ? "*" : "") + parts_str(a.parts));
  return out;
}

// The message of the Error `fn` raises under `linux`, checking its code.
std::string linux_refusal(const char* fn, Errc code) {
  try {
    linux_jit(fn);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    return e.what();
  }
  ADD_FAILURE() << fn << ": linux policy accepted a model the kernel refuses";
  return "";
}

// ---------------------------------------------------------------- psabi ---

TEST(Arm64Abi, Int128InRegisterPairs) {
  // [gcc] test_int128.c: ARG(TItype, x, X0) LAST_ARG(TItype, y, X2). [AAPCS64] C.11.
  EXPECT_EQ(where(psabi("t_int128")), (V{"x0[0,8] x1[8,8]", "x2[0,8] x3[8,8]"}));
}

TEST(Arm64Abi, GccTestAlign1StackSlotsAndPadding) {
  // [gcc] test_align-1.c. Its vf4_t c (STACK+16) and struct x {vf4_t} w
  // (STACK+48) are left out: d17 moves from STACK+32 to STACK+8 and every
  // later argument 48 bytes down (a multiple of 16, so no C.4/C.14 rounding
  // changes): ch 64->16, ..., i35 272->224.
  const CallLayout cl = psabi("t_align1");
  EXPECT_EQ(where(cl), (V{
                           "x0[0,8] x1[8,8]",                    // struct y v1, X0 (C.12)
                           "x2[0,8] x3[8,8]",                    // v2, X2
                           "x4[0,8] x5[8,8]",                    // v3, X4
                           "x6[0,8] x7[8,8]",                    // v4, X6
                           "v0[0,8] v1[8,8] v2[16,8] v3[24,8]",  // struct z a, D0 (C.2)
                           "v4[0,8] v5[8,8] v6[16,8] v7[24,8]",  // struct z b, D4
                           "sp+0[0,8]",                          // 12.5, STACK
                           "sp+8[0,8]",                          // 17.0 (STACK+32 in gcc)
                           "sp+16[0,1]",                         // char, STACK+64: C.16 padded to 8
                           "sp+24[0,2]",                         // short, STACK+72
                           "sp+32[0,4]",                         // int, STACK+80
                           "sp+40[0,8]",                         // long long, STACK+88
                           "sp+48[0,6]",    // struct s1 (6 bytes), STACK+96: B.5 rounded to 8
                           "sp+56[0,8]",    // 18.0, STACK+104
                           "sp+64[0,12]",   // struct s2 (12 bytes), STACK+112: rounded to 16
                           "sp+80[0,8]",    // 19.0, STACK+128
                           "sp+96[0,16]",   // long double, STACK+144: C.4 16-aligned
                           "sp+112[0,8]",   // 31.0, STACK+160
                           "sp+128[0,32]",  // HFA ldx2_t, STACK+176: C.3/C.4 16-aligned
                           "sp+160[0,8]",   // 32.0, STACK+208
                           "sp+176[0,16]",  // __int128, STACK+224: C.14 16-aligned
                           "sp+192[0,8]",   // 34.0, STACK+240
                           "sp+208[0,16]",  // union u_t {long double; double[2]}, STACK+256
                           "sp+224[0,4]",   // int, STACK+272 (i32in64)
                       }));
  EXPECT_EQ(cl.stack_size, 232u);
}

TEST(Arm64Abi, GccTestAlign2EvenPairForAligned16Struct) {
  // [gcc] test_align-2.c: W0, X2 (C.10 skips x1), W4, X5, W7.
  EXPECT_EQ(where(psabi("t_align2")),
            (V{"x0[0,4]", "x2[0,8] x3[8,8]", "x4[0,4]", "x5[0,8] x6[8,8]", "x7[0,4]"}));
}

TEST(Arm64Abi, GccTestAlign3Int128AfterThreeInts) {
  // [gcc] test_align-3.c: three ints, then __int128 at X4 (C.10 rounds 3 -> 4).
  EXPECT_EQ(where(psabi("t_align3")), (V{"x0[0,4]", "x1[0,4]", "x2[0,4]", "x4[0,8] x5[8,8]"}));
}

TEST(Arm64Abi, GccTestAlign4HfaThatDoesNotFitClosesFprs) {
  // [gcc] test_align-4.c: z1 D0, D4, D5, z2 STACK (C.3: NSRN=8, 12 bytes padded
  // to 16), float STACK+16 (NSRN is 8 now), z2 STACK+24.
  EXPECT_EQ(where(psabi("t_align4")), (V{"v0[0,8] v1[8,8] v2[16,8] v3[24,8]", "v4[0,8]", "v5[0,8]",
                                         "sp+0[0,12]", "sp+16[0,4]", "sp+24[0,12]"}));
}

TEST(Arm64Abi, GccTestAlign6StructLevelAlignmentDoesNotPair) {
  // [gcc] test_align-6.c: W0, X1 ("Natural alignment should be 8"), W3, W4,
  // X5, W7, STACK, STACK+8.
  const V expect{"x0[0,4]",         "x1[0,8] x2[8,8]", "x3[0,4]",   "x4[0,4]",
                 "x5[0,8] x6[8,8]", "x7[0,4]",         "sp+0[0,4]", "sp+8[0,16]"};
  EXPECT_EQ(where(psabi("t_align6")), expect);
  // [gcc] test_align-7.c: an aligned(32) typedef of a 16-byte struct, same places.
  EXPECT_EQ(where(psabi("t_align7")), expect);
}

TEST(Arm64Abi, GccTestAlign9MemberLevelAlignmentPairs) {
  // [gcc] test_align-9.c: W0, X2 ("Object alignment is 16, so skip X1"), W4,
  // X6, STACK, STACK+16 ("Natural alignment should be 16").
  EXPECT_EQ(where(psabi("t_align9")), (V{"x0[0,4]", "x2[0,8] x3[8,8]", "x4[0,4]", "x6[0,8] x7[8,8]",
                                         "sp+0[0,4]", "sp+16[0,16]"}));
}

TEST(Arm64Abi, NaturalAlignmentStructVersusMemberAttribute) {
  // [AAPCS64] §5.10 natural alignment ignores the aggregate's own attribute
  // (docs/abi.md "AArch64"; clang aapcs64-align.cpp, llvm#64039):
  // aligned(16) struct {long a, b} after an int -> x1:x2; a member aligned(16) -> x2:x3.
  EXPECT_EQ(where(psabi("t_nat_struct")), (V{"x0[0,4]", "x1[0,8] x2[8,8]"}));
  EXPECT_EQ(where(psabi("t_nat_member")), (V{"x0[0,4]", "x2[0,8] x3[8,8]"}));
}

TEST(Arm64Abi, GccVaArg4HomogeneousAggregates) {
  // [gcc] va_arg-4.c (anonymous arguments follow the named rules on Linux).
  const CallLayout cl = psabi("t_hfa");
  EXPECT_EQ(where(cl), (V{
                           "x0[0,4]",          // int, X0
                           "v0[0,4]",          // hfa_fx1, S0
                           "v1[0,4] v2[4,4]",  // hfa_fx2, S1
                           "v3[0,8] v4[8,8]",  // hfa_dx2, D3
                           "v5[0,4]",          // (hva_vf2x1, D5)
                           "v6[0,8]",          // (hva_vi4x1, Q6)
                           "sp+0[0,32]",       // hfa_dx4, STACK (C.3)
                           "sp+32[0,16]",      // hfa_ffs (4 floats, nested), STACK+32
                           "sp+48[0,8]",       // hfa_union, STACK+48
                           "sp+64[0,48]",      // hfa_ldx3 (48 bytes, still an HFA), STACK+64 (C.4)
                           "*x1[0,8]",         // non_hfa_fx5 (5 floats), PTR X1 (B.4)
                           "x2[0,8] x3[8,8]",  // non_hfa_ffd, X2
                           "x4[0,8]",          // non_hfa_ii, X4
                           "x5[0,1]",          // non_hfa_c, X5
                           "x6[0,8] x7[8,8]",  // (non_hfa_ffvf2, X6)
                           "*sp+112[0,8]",     // non_hfa_fffd, PTR STACK+112
                           "*sp+120[0,8]",     // non_hfa_ffs, PTR STACK+120
                           "sp+128[0,16]",     // non_hfa_ffs_2, STACK+128
                           "sp+144[0,8]",      // non_hfa_union, STACK+144
                           "sp+152[0,4]",      // int, STACK+152
                       }));
  // By-reference arguments keep their own size: the ctx gets the bytes (20 -> 3 slots).
  EXPECT_TRUE(cl.args[10].by_ref);
  EXPECT_EQ(cl.args[10].size, 20u);
  EXPECT_EQ(cl.args[10].ctx_slots, 3u);
}

TEST(Arm64Abi, GccTest7GprsAndFprsAreSeparate) {
  // [gcc] test_7.c without its __complex__ float (S1, two v-regs): structs
  // X0/X2/X4, int W6, float S0, float S1 (S3 in gcc), double D2 (D4), W7, STACK.
  EXPECT_EQ(where(psabi("t_7")),
            (V{"x0[0,8] x1[8,8]", "x2[0,8] x3[8,8]", "x4[0,8] x5[8,8]", "x6[0,4]", "v0[0,4]",
               "v1[0,4]", "v2[0,8]", "x7[0,4]", "sp+0[0,4]"}));
}

TEST(Arm64Abi, FloatingScalars) {
  // [AAPCS64] C.1: half/single/double/quad in v[NSRN], least significant bits.
  // [gcc] test_quad_double.c: long double in Q0.
  EXPECT_EQ(where(psabi("t_fp")), (V{"v0[0,4]", "v1[0,8]", "v2[0,16]", "v3[0,16]"}));
  // [AAPCS64] C.5 (float takes an 8-byte slot), C.4 (quad 16-aligned), C.6;
  // [gcc] test_align-1.c: long double at STACK+144 after a double at STACK+128.
  const CallLayout cl = psabi("t_fp_stack");
  EXPECT_EQ(where(cl), (V{"v0[0,8]", "v1[0,8]", "v2[0,8]", "v3[0,8]", "v4[0,8]", "v5[0,8]",
                          "v6[0,8]", "v7[0,8]", "sp+0[0,4]", "sp+16[0,16]", "sp+32[0,8]"}));
  EXPECT_EQ(cl.stack_size, 40u);
}

TEST(Arm64Abi, IntegerRegisterExhaustion) {
  // [AAPCS64] C.9 x0-x7, then C.16/C.17: 8-byte slots, value in the low bytes
  // (little-endian: at the slot's address); [gcc] test_align-1.c char/short/int
  // at STACK+64/72/80.
  const CallLayout cl = psabi("t_int_stack");
  EXPECT_EQ(where(cl),
            (V{"x0[0,8]", "x1[0,8]", "x2[0,8]", "x3[0,8]", "x4[0,8]", "x5[0,8]", "x6[0,8]",
               "x7[0,8]", "sp+0[0,1]", "sp+8[0,2]", "sp+16[0,4]", "sp+24[0,8]", "sp+32[0,8]"}));
  EXPECT_EQ(cl.stack_size, 40u);
  // GPRs and FPRs are separate: long double after 8 GPR args still goes to q0
  // (docs/abi.md "AArch64": the x and v counters are independent).
  EXPECT_EQ(where(psabi("t_indep")).back(), "v0[0,16]");
}

TEST(Arm64Abi, C13ClosesGprsForLaterArguments) {
  // [AAPCS64] C.13 "The NGRN is set to 8": the struct that does not fit in x7
  // goes to the stack, and so does the long after it (x7 stays unused).
  EXPECT_EQ(where(psabi("t_c13")), (V{"x0[0,8]", "x1[0,8]", "x2[0,8]", "x3[0,8]", "x4[0,8]",
                                      "x5[0,8]", "x6[0,8]", "sp+0[0,16]", "sp+16[0,8]"}));
}

TEST(Arm64Abi, ByReferenceAndIndirectResult) {
  // [AAPCS64] B.4: > 16-byte composites by reference ([gcc] test_align-8.c
  // PTR X1); §6.9: the result buffer in x8, which is not an argument register
  // (docs/abi.md "AArch64", "Result"), so x0 stays the first argument.
  const CallLayout cl = psabi("r_big");
  EXPECT_EQ(where(cl), (V{"x0[0,4]", "*x1[0,8]", "*x2[0,8]"}));
  EXPECT_EQ(cl.ret.kind, RetLayout::Kind::memory);
  EXPECT_EQ(cl.ret.buffer, Location::gpr(8));
  EXPECT_FALSE(cl.ret.buffer_shifts_args);
  EXPECT_EQ(cl.ret.size, 24u);
  // The pointer of a by-reference argument on the stack is an 8-byte slot (C.16/C.17).
  EXPECT_EQ(where(psabi("t_big_stack")).back(), "*sp+0[0,8]");
}

TEST(Arm64Abi, ReturnValues) {
  // [gcc] func-ret-1.c: __int128 in X0 (x0:x1), long double in Q0.
  EXPECT_EQ(parts_str(psabi("r_i128").ret.parts), "x0[0,8] x1[8,8]");
  EXPECT_EQ(parts_str(psabi("r_ld").ret.parts), "v0[0,16]");
  EXPECT_EQ(parts_str(psabi("r_f").ret.parts), "v0[0,4]");
  EXPECT_EQ(parts_str(psabi("r_c").ret.parts), "x0[0,1]");
  // §6.9 "the same registers as would be used for such an argument": HFA in v0-v3,
  // a 12-byte struct in x0:x1 (docs/abi.md "AArch64", "Result").
  EXPECT_EQ(parts_str(psabi("r_hfa").ret.parts), "v0[0,8] v1[8,8] v2[16,8] v3[24,8]");
  EXPECT_EQ(parts_str(psabi("r_small").ret.parts), "x0[0,8] x1[8,4]");
  EXPECT_EQ(psabi("r_small").ret.kind, RetLayout::Kind::regs);
  EXPECT_EQ(psabi("r_void").ret.kind, RetLayout::Kind::void_);
  // [AAPCS64] observations: the callee narrows, so nothing is extended.
  EXPECT_EQ(psabi("r_c").ret.ext, Extension::none);
}

// ------------------------------------------------------ psabi vs linux ----

TEST(Arm64Abi, RfcInt128StructLandsElsewhereUnderLinux) {
  // The 2025 RFC function (docs/linux-jits.md "arm64"): the 16-aligned f is at
  // sp+16 under AAPCS64 (C.14) but read from sp+8 by calc_arg_aux.
  const CallLayout ps = psabi("rfc");
  const CallLayout lx = linux_jit("rfc");
  const V regs{"x0[0,8] x1[8,8]", "x2[0,8] x3[8,8]", "x4[0,8] x5[8,8]", "x6[0,8] x7[8,8]",
               "sp+0[0,2]"};
  V want_ps = regs, want_lx = regs;
  want_ps.push_back("sp+16[0,16]");
  want_lx.push_back("sp+8[0,16]");
  EXPECT_EQ(where(ps), want_ps);
  EXPECT_EQ(where(lx), want_lx);
  EXPECT_NE(parts_str(ps.args[5].parts), parts_str(lx.args[5].parts));
  EXPECT_EQ(ps.stack_size, 32u);
  EXPECT_EQ(lx.stack_size, 24u);
  // ctx slots are arch- and policy-neutral: 2,2,2,2,1,2 slots.
  for (const CallLayout* cl : {&ps, &lx}) {
    EXPECT_EQ(cl->args[4].ctx_slot, 8u);
    EXPECT_EQ(cl->args[4].ctx_slots, 1u);
    EXPECT_EQ(cl->args[5].ctx_slot, 9u);
    EXPECT_EQ(cl->args[5].ctx_slots, 2u);
    EXPECT_EQ(cl->ctx_slots, 11u);
  }
}

TEST(Arm64Abi, TestAlign2ShapeUnderLinuxHasNoEvenPair) {
  // calc_arg_aux takes (size+7)/8 registers in order: no C.10 rounding, so the
  // 16-aligned struct is read from x1:x2 while GCC (test_align-2.c) passes x2:x3.
  EXPECT_EQ(where(linux_jit("t_align2")),
            (V{"x0[0,4]", "x1[0,8] x2[8,8]", "x3[0,4]", "x4[0,8] x5[8,8]", "x6[0,4]"}));
  EXPECT_EQ(where(psabi("t_align2"))[1], "x2[0,8] x3[8,8]");
  // Same for test_align-3.c's __int128 after three ints: x3:x4 instead of X4.
  EXPECT_EQ(where(linux_jit("t_align3")).back(), "x3[0,8] x4[8,8]");
}

TEST(Arm64Abi, XuKuohaiExampleStackAlignment) {
  // Xu Kuohai's review of the 2024 series (docs/linux-jits.md "The kernel
  // selftests and the 2025 RFC"): "a~d ... x0~x6 ... e, f, and g should be
  // placed at sp + 0, +16, and +32 respectively, with 8 bytes padding between
  // f and g".
  const V regs{"x0[0,8] x1[8,8]", "x2[0,8] x3[8,8]", "x4[0,8] x5[8,8]", "x6[0,8]"};
  V want_ps = regs, want_lx = regs;
  for (const char* s : {"sp+0[0,16]", "sp+16[0,8]", "sp+32[0,16]"}) want_ps.push_back(s);
  for (const char* s : {"sp+0[0,16]", "sp+16[0,8]", "sp+24[0,16]"}) want_lx.push_back(s);
  EXPECT_EQ(where(psabi("xu")), want_ps);
  EXPECT_EQ(where(linux_jit("xu")), want_lx);  // calc_arg_aux: consecutive 8-byte slots
}

TEST(Arm64Abi, LinuxBeforeV617TakesRegistersOnly) {
  // Debian's 6.12.117 (xtramp kernel-check --kernel 6.12): the JIT before
  // 9014cf56f13d refuses whatever needs a stack argument (-ENOTSUPP) ...
  const Backend& b = backend(Arch::arm64);
  const KernelRelease k612 = *KernelRelease::parse("6.12.117+deb13-arm64");
  try {
    b.place_linux(model("rfc"), k612);
    ADD_FAILURE() << "rfc needs stack arguments: the 6.12 JIT refuses it";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("at most 8"), std::string::npos) << e.what();
  }
  // ... and counts a 16-byte integer as one register (it is no STRUCT_ARG):
  // rfc_xu_f1's shape passes the check with nregs = 8 while the arguments
  // take 9 slots; the ninth is never saved (modelled as x8).
  const CallLayout old = b.place_linux(model("xu8"), k612);
  EXPECT_EQ(where(old), (V{"x0[0,8] x1[8,8]", "x2[0,8] x3[8,8]", "x4[0,8] x5[8,8]", "x6[0,8]",
                           "x7[0,8] x8[8,8]"}));
  // What fits in x0-x7 is placed as v6.17 onwards does.
  EXPECT_EQ(where(b.place_linux(model("t_align2"), k612)), where(linux_jit("t_align2")));
  EXPECT_EQ(where(b.place_linux(model("rfc"), KernelRelease::newest())), where(linux_jit("rfc")));
}

TEST(Arm64Abi, LinuxModelsC13LikeTheAbi) {
  // calc_arg_aux "break"s at the first argument that does not fit: everything
  // after it is on the stack, as C.13 requires.
  EXPECT_EQ(where(linux_jit("t_c13")), where(psabi("t_c13")));
  EXPECT_EQ(where(linux_jit("t_c13")).back(), "sp+16[0,8]");
}

TEST(Arm64Abi, LinuxRefusesWhatTheKernelRefuses) {
  // [kernel] btf_distill_func_proto messages (docs/linux-jits.md "What the kernel accepts").
  EXPECT_EQ(linux_refusal("t_int_stack", Errc::too_many_args),
            "The function t_int_stack has 13 arguments. Too many.");
  EXPECT_EQ(linux_refusal("k_float", Errc::unsupported),
            "The function k_float arg1 type FLOAT is unsupported.");
  EXPECT_EQ(linux_refusal("k_big", Errc::unsupported),
            "The function k_big arg1 type STRUCT is unsupported.");
  EXPECT_EQ(linux_refusal("r_big", Errc::unsupported),
            "The function r_big return type STRUCT is unsupported.");
  EXPECT_EQ(linux_refusal("r_f", Errc::unsupported),
            "The function r_f return type FLOAT is unsupported.");
  EXPECT_EQ(linux_refusal("r_small", Errc::unsupported),
            "The function r_small return type STRUCT is unsupported.");
  // ... and places what it accepts, __int128 results included.
  EXPECT_EQ(parts_str(linux_jit("r_i128").ret.parts), "x0[0,8] x1[8,8]");
}

TEST(Arm64Abi, UnknownMembersCannotBeClassified) {
  // BTF may give a sized aggregate no members (vmlinux's release_pages_arg):
  // whether it is an HFA (v-regs) or not (x-regs) is then unknown, so psabi
  // refuses rather than guess; the kernel only looks at the size.
  auto opaque = std::make_shared<TypeFacts>();
  opaque->kind = ValueKind::union_;
  opaque->c_type = "union release_pages_arg";
  opaque->btf_kind = "UNION";
  opaque->size = 8;
  opaque->align = opaque->natural_align = 8;
  opaque->fields_complete = false;
  auto void_t = std::make_shared<TypeFacts>();
  FuncModel m;
  m.name = "release_pages";
  m.target = Arch::arm64;
  m.ret = ValueModel{"", void_t};
  m.args = {ValueModel{"arg", opaque}};
  try {
    backend(Arch::arm64).place(m, Policy::psabi);
    ADD_FAILURE() << "placed an aggregate of unknown contents";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::unsupported);
    EXPECT_EQ(std::string(e.what()).rfind(
                  "The function release_pages arg0 type union release_pages_arg", 0),
              0u)
        << e.what();
  }
  EXPECT_EQ(where(backend(Arch::arm64).place(m, Policy::linux_jit)), (V{"x0[0,8]"}));
  // Larger than four quad-precision members it cannot be an HFA: by reference.
  opaque->size = 72;
  EXPECT_EQ(where(backend(Arch::arm64).place(m, Policy::psabi)), (V{"*x0[0,8]"}));
}

// ----------------------------------------------------------- interface ----

TEST(Arm64Abi, RegisterNamesAndStackBase) {
  const Backend& b = backend(Arch::arm64);
  EXPECT_EQ(b.arch(), Arch::arm64);
  EXPECT_EQ(b.stack_args_base(), 0);  // [AAPCS64] A.4: NSAA = SP at entry
  EXPECT_EQ(b.reg_name(LocKind::gpr, 0), "x0");
  EXPECT_EQ(b.reg_name(LocKind::gpr, 30), "x30");
  EXPECT_EQ(b.reg_name(LocKind::fpr, 7), "v7");
  EXPECT_EQ(b.reg_name(LocKind::fpr, 31), "v31");
  const CallLayout ps = psabi("rfc");
  EXPECT_EQ(describe_location(b, ps.args[0]), "x0:x1");
  EXPECT_EQ(describe_location(b, ps.args[5]), "stack+16");
  EXPECT_EQ(describe_location(b, psabi("r_big").args[1]), "*x1 (by ref)");
}

}  // namespace
}  // namespace xtramp
