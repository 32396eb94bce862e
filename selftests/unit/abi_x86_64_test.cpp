// x86-64 placement: System V psABI §3.2.3 and the upstream x86 BPF JIT model.
//
// Every expectation is a fact taken from the psABI text, GCC's own ABI
// testsuite (gcc.target/x86_64/abi/test_passing_*.c, test_struct_returning.c),
// the GCC 12 checks listed in docs/abi.md "x86-64", or the kernel sources
// described in docs/linux-jits.md "x86-64" — never a value printed by this backend.
// Locations are written as "<where>[<arg_offset>,<size>]" with <where> a
// register name or "rsp+N" (N = offset from rsp at function entry, so the
// GCC testsuite's `&arg == rsp+8` is "rsp+8").
#include <gtest/gtest.h>

#include <string>

#include "common/backend.hpp"
#include "common/error.hpp"
#include "selftests/unit/c_model.hpp"

namespace xtramp {
namespace {

const char* kSource = R"(
/* ints, pointers, exhaustion */
long ints6(char a, short b, int c, long d, unsigned long long e, void *f) { return a + b + c + d + (long)e + (long)f; }
long ints8(long a, long b, long c, long d, long e, long f, int g, long h) { return g + h; }

/* floats */
double floats9(float a, double b, double c, double d, double e, double f, double g, double h,
               double i) { return a + i; }
double mixed(int a, double b, long c, float d) { return a + b + c + d; }
long ld_arg(long double x, long y) { return y; }
long f128_arg(_Float128 x, long y) { return y; }

/* structs (gcc.target/x86_64/abi/test_passing_structs.c) */
struct int_struct { int i; };
struct long2_struct { long l1, l2; };
struct long3_struct { long l1, l2, l3; };
struct complex2a_struct { long l; double d; };
struct dl_struct { double d; long l; };
struct ff_struct { float a, b; };
struct fff_struct { float a, b, c; };
struct if_struct { int i; float f; };
struct bf_struct { float f; unsigned int b : 8; };
struct __attribute__((packed)) pk_struct { char c; long l; };
struct __attribute__((aligned(32))) a32_struct { long a, b; };
struct al16_struct { long a __attribute__((aligned(16))); long b; };
struct foo_struct { long a; int b; };
struct flex1_struct { long i; long flex[]; };
struct ld_struct { long double ld; };
long s_int(struct int_struct s) { return s.i; }
long s_long2(struct long2_struct s) { return s.l1; }
long s_long3(struct long3_struct s, long x) { return s.l1 + x; }
long s_c2a(struct complex2a_struct s) { return s.l; }
long s_dl(struct dl_struct s) { return s.l; }
long s_ff(struct ff_struct s, struct fff_struct t) { return s.a + t.c; }
long s_if(struct if_struct s) { return s.i; }
long s_bf(struct bf_struct s) { return s.b; }
long s_pk(struct pk_struct s, long x) { return s.l + x; }
long s_a32(long a, long b, long c, long d, long e, long f, long g, struct a32_struct s) { return s.a; }
long s_al16(long a, long b, long c, long d, long e, long f, long g, struct al16_struct s) { return s.a; }
long s_sse_full(double a, double b, double c, double d, double e, double f, double g, double h,
                struct dl_struct s, long x) { return x; }
long s_flex(struct flex1_struct s) { return s.i; }
long s_ld(struct ld_struct s, long x) { return x; }
struct ld_struct r_lds(void) { struct ld_struct s = {1}; return s; }
int foo(char a, char b, char c, char d, char e, struct foo_struct f, char g) { return g; }

/* unions (gcc.target/x86_64/abi/test_passing_unions.c) */
union un1 { char c; int i; };
union un6 { long double ld; int i; };
union udl { double d; long l; };
long u_un1(union un1 u) { return u.i; }
long u_un6(union un6 u, long x) { return u.i + x; }
long u_udl(union udl u) { return u.l; }

/* __int128 */
long i128_spill(long a, long b, long c, long d, long e, __int128 x, long y) { return y; }
long i128_align(long a, long b, long c, long d, long e, long f, long g, __int128 x) { return g; }

/* returns (test_struct_returning.c, psABI "Returning of Values") */
long r_long(void) { return 1; }
double r_double(void) { return 1; }
float r_float(void) { return 1; }
long double r_ld(void) { return 1; }
_Float128 r_f128(void) { return 1; }
__int128 r_i128(void) { return 1; }
struct long2_struct r_long2(void) { struct long2_struct s = {1, 2}; return s; }
struct dl_struct r_dl(void) { struct dl_struct s = {1, 2}; return s; }
struct complex2a_struct r_c2a(void) { struct complex2a_struct s = {1, 2}; return s; }
struct long3_struct r_long3(long a, long b, long c, long d, long e, long f)
{ struct long3_struct s = {a, b, c + d + e + f}; return s; }
void r_void(long a) { (void)a; }

/* the 2025 RFC case (docs/linux-jits.md "The kernel selftests and the 2025 RFC") */
struct s { __int128 a; };
int rfc(struct s a, struct s b, struct s c, struct s d, short e, struct s f) { return e; }

/* kernel-compat limits */
long lx_float(long a, double b) { return a; }
long lx_big(struct long3_struct s) { return s.l1; }
struct long2_struct lx_sret(long a) { struct long2_struct s = {a, a}; return s; }
double lx_fret(long a) { return a; }
long lx_13(long a, long b, long c, long d, long e, long f, long g, long h, long i, long j,
           long k, long l, long m) { return m; }
long lx_12(long a, long b, long c, long d, long e, long f, long g, long h, long i, long j,
           long k, long l) { return l; }
long lx_slots(struct long2_struct a, struct long2_struct b, struct long2_struct c,
              struct long2_struct d, struct long2_struct e, struct long2_struct f, long g)
{ return g; }
long lx_i128(long a, long b, long c, long d, long e, long f, int g, struct s h) { return g; }
__int128 lx_r128(long a) { return a; }
)";

const Backend& be() {
  return backend(Arch::x86_64);
}

FuncModel model(const char* fn) {
  return test::model_from_c(Arch::x86_64, kSource, fn);
}

CallLayout place(const char* fn, Policy p = Policy::psabi) {
  return be().place(model(fn), p);
}

std::string where(const Location& l) {
  if (l.kind == LocKind::stack) return "rsp+" + std::to_string(l.offset);
  return be().reg_name(l.kind, l.reg);
}

std::string render(const std::vector<ArgPart>& parts) {
  std::string s;
  for (const ArgPart& p : parts) {
    if (!s.empty()) s += " ";
    s += where(p.loc) + "[" + std::to_string(p.arg_offset) + "," + std::to_string(p.size) + "]";
    if (p.loc_offset != 0) s += "@" + std::to_string(p.loc_offset);
  }
  return s;
}

std::string arg(const CallLayout& l, size_t i) {
  return render(l.args.at(i).parts);
}

// --- integers and pointers ----------------------------------------------

// psABI passing rule 2: INTEGER args in rdi, rsi, rdx, rcx, r8, r9;
// test_passing_integers.c checks iregs.I0..I5 in that order. Small ints sit at
// the low end of the register; upper bits are unspecified (no extension).
TEST(X86_64Abi, IntegersAndPointersInGprs) {
  const CallLayout l = place("ints6");
  ASSERT_EQ(l.args.size(), 6u);
  EXPECT_EQ(arg(l, 0), "rdi[0,1]");
  EXPECT_EQ(arg(l, 1), "rsi[0,2]");
  EXPECT_EQ(arg(l, 2), "rdx[0,4]");
  EXPECT_EQ(arg(l, 3), "rcx[0,8]");
  EXPECT_EQ(arg(l, 4), "r8[0,8]");
  EXPECT_EQ(arg(l, 5), "r9[0,8]");
  for (const ArgLayout& a : l.args) EXPECT_EQ(a.ext, Extension::none);
  EXPECT_EQ(l.stack_size, 0u);
  EXPECT_EQ(l.ret.kind, RetLayout::Kind::regs);
  EXPECT_EQ(render(l.ret.parts), "rax[0,8]");  // Returning 3.: %rax
}

// Exhaustion: the 7th and 8th INTEGER args go to memory, "memory argument
// eightbyte 0" at 8(%rsp) (psABI stack frame figure), each rounded to 8 bytes.
TEST(X86_64Abi, GprExhaustionGoesToStackSlots) {
  const CallLayout l = place("ints8");
  EXPECT_EQ(arg(l, 5), "r9[0,8]");
  EXPECT_EQ(arg(l, 6), "rsp+8[0,4]");
  EXPECT_EQ(arg(l, 7), "rsp+16[0,8]");
  EXPECT_EQ(l.stack_size, 16u);
  EXPECT_EQ(be().stack_args_base(), 8);
}

// --- floating point -----------------------------------------------------

// psABI passing rule 3 (xmm0..xmm7), test_passing_floats.c; the 9th goes to
// the stack. A float sits in the low 4 bytes of its xmm.
TEST(X86_64Abi, FloatsInXmmThenStack) {
  const CallLayout l = place("floats9");
  EXPECT_EQ(arg(l, 0), "xmm0[0,4]");
  EXPECT_EQ(arg(l, 1), "xmm1[0,8]");
  EXPECT_EQ(arg(l, 7), "xmm7[0,8]");
  EXPECT_EQ(arg(l, 8), "rsp+8[0,8]");
  EXPECT_EQ(render(l.ret.parts), "xmm0[0,8]");  // Returning 4.
}

// INTEGER and SSE counters are independent.
TEST(X86_64Abi, MixedIntAndFloatCountersAreIndependent) {
  const CallLayout l = place("mixed");
  EXPECT_EQ(arg(l, 0), "rdi[0,4]");
  EXPECT_EQ(arg(l, 1), "xmm0[0,8]");
  EXPECT_EQ(arg(l, 2), "rsi[0,8]");
  EXPECT_EQ(arg(l, 3), "xmm1[0,4]");
}

// long double: X87+X87UP, "If the class is X87, X87UP ... it is passed in
// memory"; GCC 12 (docs/abi.md "x86-64"): as first memory arg at offset 0 with the
// next long still in a register.
TEST(X86_64Abi, LongDoubleArgumentInMemory) {
  const CallLayout l = place("ld_arg");
  EXPECT_EQ(arg(l, 0), "rsp+8[0,16]");
  EXPECT_EQ(arg(l, 1), "rdi[0,8]");
  EXPECT_EQ(l.stack_size, 16u);
}

// _Float128 / __float128: SSE + SSEUP, one whole xmm register.
TEST(X86_64Abi, Float128InOneXmm) {
  const CallLayout l = place("f128_arg");
  EXPECT_EQ(arg(l, 0), "xmm0[0,16]");
  EXPECT_EQ(arg(l, 1), "rdi[0,8]");
}

// --- structs -------------------------------------------------------------

// test_passing_structs.c: int_struct -> I0; long2_struct -> I0, I1;
// long3_struct -> &ls.l1 == rsp+8, l2 at rsp+16, l3 at rsp+24 (copied by value).
TEST(X86_64Abi, StructsUpTo16InGprsLargerInMemory) {
  EXPECT_EQ(arg(place("s_int"), 0), "rdi[0,4]");
  EXPECT_EQ(arg(place("s_long2"), 0), "rdi[0,8] rsi[8,8]");
  const CallLayout l3 = place("s_long3");
  EXPECT_EQ(arg(l3, 0), "rsp+8[0,24]");
  EXPECT_FALSE(l3.args[0].by_ref);
  EXPECT_EQ(arg(l3, 1), "rdi[0,8]");  // registers are not consumed by a memory arg
  EXPECT_EQ(l3.stack_size, 24u);
}

// test_passing_structs.c complex2a_struct {long l; double d;}: I0 = l,
// xmm0 = d. And the mirror {double d; long l;}: xmm0 + rdi.
TEST(X86_64Abi, MixedIntegerSseEightbytes) {
  EXPECT_EQ(arg(place("s_c2a"), 0), "rdi[0,8] xmm0[8,8]");
  EXPECT_EQ(arg(place("s_dl"), 0), "xmm0[0,8] rdi[8,8]");
}

// Two floats share one SSE eightbyte (rule 4 (a)); a 12-byte {float x3}
// is SSE, SSE; {int, float} merges to INTEGER (rule 4 (d)).
TEST(X86_64Abi, FloatPairsShareAnEightbyte) {
  const CallLayout l = place("s_ff");
  EXPECT_EQ(arg(l, 0), "xmm0[0,8]");
  EXPECT_EQ(arg(l, 1), "xmm1[0,8] xmm2[8,4]");
  EXPECT_EQ(arg(place("s_if"), 0), "rdi[0,8]");
}

// GCC classify_argument: "Bitfields are always classified as integer" -> the
// eightbyte holding a float and a bit-field is INTEGER.
TEST(X86_64Abi, BitfieldsAreInteger) {
  EXPECT_EQ(arg(place("s_bf"), 0), "rdi[0,8]");
}

// Rule 1 "... or it contains unaligned fields, it has class MEMORY" (GCC:
// "Misaligned fields are always returned in memory"): packed {char; long}.
TEST(X86_64Abi, PackedMisalignedStructInMemory) {
  const CallLayout l = place("s_pk");
  EXPECT_EQ(arg(l, 0), "rsp+8[0,9]");
  EXPECT_EQ(arg(l, 1), "rdi[0,8]");
  EXPECT_EQ(l.stack_size, 16u);  // size rounded up to eightbytes
}

// Stack alignment = type alignment (GCC ix86_function_arg_boundary; checked
// with GCC 12, docs/abi.md "x86-64"): after one 8-byte stack arg, a 16-aligned
// struct lands at arg-area offset 16 (rsp+24), an aligned(32) one at 32 (rsp+40).
TEST(X86_64Abi, OverAlignedStructsOnStack) {
  const CallLayout a16 = place("s_al16");
  EXPECT_EQ(arg(a16, 6), "rsp+8[0,8]");
  EXPECT_EQ(arg(a16, 7), "rsp+24[0,16]");
  EXPECT_EQ(a16.stack_size, 32u);
  const CallLayout a32 = place("s_a32");
  EXPECT_EQ(arg(a32, 6), "rsp+8[0,8]");
  EXPECT_EQ(arg(a32, 7), "rsp+40[0,32]");
}

// "If there are no registers available for any eightbyte of an argument, the
// whole argument is passed on the stack"; GCC does not close the register
// file (docs/abi.md "x86-64"): {double,long} with xmm0-7 used -> stack, next long -> rdi.
TEST(X86_64Abi, AllOrNothingWithBackfill) {
  const CallLayout l = place("s_sse_full");
  EXPECT_EQ(arg(l, 8), "rsp+8[0,16]");
  EXPECT_EQ(arg(l, 9), "rdi[0,8]");
}

// test_passing_structs.c check_struct_passing7: flex1_struct {long i; long
// flex[];} -> I0 (the flexible array member is ignored).
TEST(X86_64Abi, FlexibleArrayMemberIgnored) {
  EXPECT_EQ(arg(place("s_flex"), 0), "rdi[0,8]");
}

// struct {long double}: X87, X87UP -> memory as an argument (passing rule 5),
// %st0 as a return value (Returning 6./7.).
TEST(X86_64Abi, LongDoubleStruct) {
  const CallLayout l = place("s_ld");
  EXPECT_EQ(arg(l, 0), "rsp+8[0,16]");
  EXPECT_EQ(arg(l, 1), "rdi[0,8]");
  EXPECT_EQ(render(place("r_lds").ret.parts), "st0[0,16]");
}

// --- unions ----------------------------------------------------------------

// test_passing_unions.c: un1 {char; int} -> I0; un6 {long double; int} ->
// &u.ld == rsp+8 (X87UP not preceded by X87, cleanup (b)). {double; long}
// merges to INTEGER (rule 4 (d)).
TEST(X86_64Abi, Unions) {
  EXPECT_EQ(arg(place("u_un1"), 0), "rdi[0,4]");
  const CallLayout u6 = place("u_un6");
  EXPECT_EQ(arg(u6, 0), "rsp+8[0,16]");
  EXPECT_EQ(arg(u6, 1), "rdi[0,8]");
  EXPECT_EQ(arg(place("u_udl"), 0), "rdi[0,8]");
}

// --- __int128 ----------------------------------------------------------------

// "__int128 ... treated as struct { long low, high; } with the exception that
// arguments of type __int128 that are stored in memory must be aligned on a
// 16-byte boundary." Only r9 left -> memory; the next long back-fills r9.
TEST(X86_64Abi, Int128SpillsWholeAndBackfills) {
  const CallLayout l = place("i128_spill");
  EXPECT_EQ(arg(l, 4), "r8[0,8]");
  EXPECT_EQ(arg(l, 5), "rsp+8[0,16]");
  EXPECT_EQ(arg(l, 6), "r9[0,8]");
}

// GCC 12 (docs/abi.md "x86-64"): __int128 after one 8-byte stack arg -> offset 16.
TEST(X86_64Abi, Int128StackSlotIs16Aligned) {
  const CallLayout l = place("i128_align");
  EXPECT_EQ(arg(l, 6), "rsp+8[0,8]");
  EXPECT_EQ(arg(l, 7), "rsp+24[0,16]");
  EXPECT_EQ(l.stack_size, 32u);
}

// --- returns -------------------------------------------------------------------

// psABI "Returning of Values" 3.-6.; test_struct_returning.c.
TEST(X86_64Abi, ReturnsInRegisters) {
  EXPECT_EQ(render(place("r_long").ret.parts), "rax[0,8]");
  EXPECT_EQ(render(place("r_double").ret.parts), "xmm0[0,8]");
  EXPECT_EQ(render(place("r_float").ret.parts), "xmm0[0,4]");
  EXPECT_EQ(render(place("r_f128").ret.parts), "xmm0[0,16]");  // SSE+SSEUP
  EXPECT_EQ(render(place("r_i128").ret.parts), "rax[0,8] rdx[8,8]");
  EXPECT_EQ(render(place("r_long2").ret.parts), "rax[0,8] rdx[8,8]");
  EXPECT_EQ(render(place("r_dl").ret.parts), "xmm0[0,8] rax[8,8]");
  EXPECT_EQ(render(place("r_c2a").ret.parts), "rax[0,8] xmm0[8,8]");
  EXPECT_EQ(place("r_void").ret.kind, RetLayout::Kind::void_);
}

// Returning 6./7.: X87 (+X87UP) comes back in %st0.
TEST(X86_64Abi, LongDoubleReturnsInSt0) {
  const CallLayout l = place("r_ld");
  EXPECT_EQ(l.ret.kind, RetLayout::Kind::regs);
  EXPECT_EQ(render(l.ret.parts), "st0[0,16]");
}

// Returning 2.: MEMORY -> hidden pointer in %rdi "as if it were the first
// argument", so the integer args shift by one and the 6th goes to the stack.
TEST(X86_64Abi, MemoryReturnHiddenPointerShiftsArgs) {
  const CallLayout l = place("r_long3");
  EXPECT_EQ(l.ret.kind, RetLayout::Kind::memory);
  EXPECT_EQ(where(l.ret.buffer), "rdi");
  EXPECT_TRUE(l.ret.buffer_shifts_args);
  EXPECT_EQ(l.ret.size, 24u);
  EXPECT_EQ(arg(l, 0), "rsi[0,8]");
  EXPECT_EQ(arg(l, 4), "r9[0,8]");
  EXPECT_EQ(arg(l, 5), "rsp+8[0,8]");
}

// --- ctx slots ------------------------------------------------------------------

// docs/linux-jits.md "The ctx layout": ceil(size/8) consecutive slots in argument order,
// whatever the ABI did (memory args included).
TEST(X86_64Abi, CtxSlots) {
  const CallLayout l = place("s_long3");
  EXPECT_EQ(l.args[0].ctx_slot, 0u);
  EXPECT_EQ(l.args[0].ctx_slots, 3u);
  EXPECT_EQ(l.args[1].ctx_slot, 3u);
  EXPECT_EQ(l.ctx_slots, 4u);
  const CallLayout p = place("s_pk");  // 9 bytes -> 2 slots
  EXPECT_EQ(p.args[0].ctx_slots, 2u);
  EXPECT_EQ(p.args[1].ctx_slot, 2u);
}

// --- the RFC case: psabi vs linux ----------------------------------------------

// docs/linux-jits.md "The kernel selftests and the 2025 RFC" (Lothoré's gdb
// dump of t11): the caller put f (struct {__int128}) on a 16-byte-aligned
// slot after e, leaving a hole; the JIT reads consecutive 8-byte slots from
// rbp+0x18 (= rsp+8 at entry).
TEST(X86_64Abi, RfcInt128StructPsabiVsLinux) {
  const CallLayout ps = place("rfc", Policy::psabi);
  EXPECT_EQ(arg(ps, 0), "rdi[0,8] rsi[8,8]");
  EXPECT_EQ(arg(ps, 1), "rdx[0,8] rcx[8,8]");
  EXPECT_EQ(arg(ps, 2), "r8[0,8] r9[8,8]");
  EXPECT_EQ(arg(ps, 3), "rsp+8[0,16]");
  EXPECT_EQ(arg(ps, 4), "rsp+24[0,2]");
  EXPECT_EQ(arg(ps, 5), "rsp+40[0,16]");  // area offset 32: 16-aligned, hole at 24..32

  const CallLayout lx = place("rfc", Policy::linux_jit);
  EXPECT_EQ(arg(lx, 2), "r8[0,8] r9[8,8]");
  EXPECT_EQ(arg(lx, 3), "rsp+8[0,8] rsp+16[8,8]");
  EXPECT_EQ(arg(lx, 4), "rsp+24[0,2]");
  EXPECT_EQ(arg(lx, 5), "rsp+32[0,8] rsp+40[8,8]");  // the stale slot: the kernel bug
  EXPECT_NE(ps.args[5].parts.front().loc, lx.args[5].parts.front().loc);
  EXPECT_EQ(lx.ctx_slots, 11u);
}

// --- the linux policy's own rules ------------------------------------------------

// The JIT's own example (save_args comment): "struct foo_struct { long a; int b; };
struct flex1_struct {
  long i;
  long flex[];
};
struct ld_struct {
  long double ld;
};
// int foo(char, char, char, char, char, struct foo_struct, char); the arg1-5,arg7
// will be passed by regs, and arg6 will by stack." The psABI agrees here.
TEST(X86_64Abi, LinuxBackfillDisorder) {
  for (Policy p : {Policy::psabi, Policy::linux_jit}) {
    SCOPED_TRACE(std::string(policy_name(p)));
    const CallLayout l = place("foo", p);
    EXPECT_EQ(arg(l, 4), "r8[0,1]");
    EXPECT_EQ(l.args[5].parts.front().loc, Location::stack(8));
    EXPECT_EQ(arg(l, 6), "r9[0,1]");
  }
  EXPECT_EQ(arg(place("foo", Policy::linux_jit), 5), "rsp+8[0,8] rsp+16[8,8]");
}

// No alignment padding under linux: struct {__int128} after one 8-byte stack
// slot is read at rsp+16, where psABI puts it at rsp+24.
TEST(X86_64Abi, LinuxNoStackAlignment) {
  EXPECT_EQ(arg(place("lx_i128", Policy::psabi), 7), "rsp+24[0,16]");
  EXPECT_EQ(arg(place("lx_i128", Policy::linux_jit), 7), "rsp+16[0,8] rsp+24[8,8]");
  // 12 integer args are accepted: 6 in registers, 6 in consecutive slots.
  const CallLayout l12 = place("lx_12", Policy::linux_jit);
  EXPECT_EQ(arg(l12, 5), "r9[0,8]");
  EXPECT_EQ(arg(l12, 11), "rsp+48[0,8]");
  EXPECT_EQ(l12.stack_size, 48u);
}

// The JIT saves rax only: a 16-byte __int128 return is seen through rax.
TEST(X86_64Abi, LinuxReturnIsRaxOnly) {
  EXPECT_EQ(render(place("lx_r128", Policy::linux_jit).ret.parts), "rax[0,8]");
  EXPECT_EQ(render(place("lx_r128", Policy::psabi).ret.parts), "rax[0,8] rdx[8,8]");
}

void expect_error(const char* fn, Errc code, const std::string& msg) {
  try {
    place(fn, Policy::linux_jit);
    ADD_FAILURE() << fn << ": no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << fn;
    EXPECT_EQ(std::string(e.what()), msg);
  }
}

// btf_distill_func_proto() messages (docs/linux-jits.md "What the kernel accepts") and
// the JIT's -ENOTSUPP when struct slots exceed MAX_BPF_FUNC_ARGS (ibid., "x86-64").
TEST(X86_64Abi, LinuxRefusesWhatTheKernelRefuses) {
  expect_error("lx_float", Errc::unsupported,
               "The function lx_float arg1 type FLOAT is unsupported.");
  expect_error("lx_big", Errc::unsupported, "The function lx_big arg0 type STRUCT is unsupported.");
  expect_error("lx_sret", Errc::unsupported,
               "The function lx_sret return type STRUCT is unsupported.");
  expect_error("lx_fret", Errc::unsupported,
               "The function lx_fret return type FLOAT is unsupported.");
  expect_error("lx_13", Errc::too_many_args, "The function lx_13 has 13 arguments. Too many.");
  expect_error("lx_slots", Errc::too_many_args,
               "The function lx_slots needs 13 argument slots; the x86-64 BPF trampoline "
               "supports up to 12 (-ENOTSUPP)");
  // psabi places all of them.
  for (const char* fn : {"lx_float", "lx_big", "lx_sret", "lx_fret", "lx_13", "lx_slots"})
    EXPECT_NO_THROW(place(fn, Policy::psabi)) << fn;
}

// --- refusals and names ------------------------------------------------------------

// An aggregate <= 16 bytes whose members BTF does not give cannot be classified.
TEST(X86_64Abi, OpaqueSmallAggregateIsRefused) {
  auto opaque = std::make_shared<TypeFacts>();
  opaque->kind = ValueKind::struct_;
  opaque->c_type = "struct opaque";
  opaque->btf_kind = "STRUCT";
  opaque->size = 8;
  opaque->align = 8;
  opaque->fields_complete = false;
  auto lng = std::make_shared<TypeFacts>();
  lng->kind = ValueKind::integer;
  lng->size = lng->align = 8;
  FuncModel m;
  m.name = "op";
  m.ret = ValueModel{"", lng};
  m.args = {ValueModel{"a", lng}, ValueModel{"o", opaque}};
  try {
    be().place(m, Policy::psabi);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::unsupported);
    EXPECT_EQ(std::string(e.what()),
              "The function op arg1 (o) type struct opaque (8 bytes): members unknown in BTF, "
              "cannot classify");
  }
  // > 16 bytes: MEMORY whatever the members are.
  opaque->size = 24;
  EXPECT_EQ(render(be().place(m, Policy::psabi).args[1].parts), "rsp+8[0,24]");
}

TEST(X86_64Abi, RegisterNames) {
  EXPECT_EQ(be().reg_name(LocKind::gpr, 7), "rdi");
  EXPECT_EQ(be().reg_name(LocKind::gpr, 9), "r9");
  EXPECT_EQ(be().reg_name(LocKind::fpr, 3), "xmm3");
  EXPECT_EQ(describe_location(be(), place("rfc").args[5]), "stack+32");
  EXPECT_EQ(describe_location(be(), place("s_dl").args[0]), "xmm0:rdi");
}

}  // namespace
}  // namespace xtramp
