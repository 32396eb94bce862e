// s390x placement tables. Every expectation is a fact from the s390x ELF ABI
// Supplement ([S390ABI] lzsabi.tex §"Parameter Passing" / §"Return Values",
// docs/abi.md "s390x"), GCC's s390 backend, clang's
// CodeGen/SystemZ/systemz-abi.c, LLVM's SystemZ args-04.ll, the kernel's
// btf_distill_func_model messages, or the s390x BPF JIT
// (docs/linux-jits.md "s390x") — never a value printed by this code.
#include <gtest/gtest.h>

#include <string>

#include "common/backend.hpp"
#include "common/error.hpp"
#include "selftests/unit/c_model.hpp"

namespace xtramp {
namespace {

const char* kSrc = R"(
struct s1 { char c; };
struct s2 { short h; };
struct s3 { char c[3]; };
struct s4 { int i; };
struct s5 { char c[5]; };
struct s6 { short h[3]; };
struct s7 { char c[7]; };
struct s8 { long l; };
struct s16 { long a, b; };
struct q24 { __int128 q; char tag; };
struct ff { float f; };
struct fd { double d; };
struct fnest { struct ff inner; };
struct farr { float f[1]; };
union uf { float f; };
struct fa8 { float f __attribute__((aligned(8))); };
struct fa16 { float f __attribute__((aligned(16))); };
struct f2 { float a, b; };
union u3 { char c[3]; };
union u8 { long l; double d; };
struct rfc { __int128 a; };

/* [S390ABI] Table "Parameter-passing example", without the vectors. */
void abi_example(int i, int j, double g, int k, int l, long long ll, float f, double h, int m) {}
/* fr and gr are independent counters. */
void fpr_exhaust(double a, double b, double c, double d, double e, int x) {}
void gpr_exhaust(long a, long b, long c, long d, long e, long f, float x) {}
void float_on_stack(double a, double b, double c, double d, float e) {}
void small_on_stack(long a, long b, long c, long d, long e, short s, unsigned char u, struct s2 t) {}
void ext(signed char a, unsigned short b, _Bool c, void *p, unsigned int d) {}
void structs_a(struct s1 a, struct s2 b, struct s3 c, struct s4 d, struct s5 e) {}
void structs_b(struct s6 a, struct s7 b, struct s8 c, struct s16 d, struct q24 e) {}
void structs_c(struct s6 a, struct s7 b, struct s8 c, struct s16 d) {} /* kernel-compat */
void floatlike(struct ff a, struct fd b, struct fnest c, struct fa8 d, struct farr e,
               union uf f, struct f2 g, struct fa16 h) {}
void big(__int128 a, long double b, _Float128 c, union u3 d, union u8 e) {}
void ref_on_stack(int a, int b, int c, int d, int e, struct s3 f, __int128 g) {}
int rfc_f(struct rfc a, struct rfc b, struct rfc c, struct rfc d, short e, struct rfc f) { return 0; }
void seven(int a, int b, int c, int d, int e, int f, long g) {}
void slots(int a, struct s16 b, struct s3 c, long d) {}

int r_int(void) { return 0; }
unsigned char r_uchar(void) { return 0; }
void *r_ptr(void) { return 0; }
float r_float(void) { return 0; }
double r_double(void) { return 0; }
struct s4 r_s4(int a) { struct s4 s = {a}; return s; }
struct ff r_ff(int a) { struct ff s = {0}; return s; }
__int128 r_i128(int a, long b) { return a; }
long double r_ldbl(long a) { return a; }
void r_void(void) {}

void lin_float(int a, float b) {}
int lin_many(int a1, int a2, int a3, int a4, int a5, int a6, int a7, int a8, int a9, int a10,
             int a11, int a12, int a13) { return 0; }
void lin_big(struct q24 a) {}
void lin_ldbl(long double a) {}
)";

const Backend& be() {
  return backend(Arch::s390x);
}

CallLayout place(const std::string& fn, Policy p = Policy::psabi) {
  return be().place(test::model_from_c(Arch::s390x, kSrc, fn), p);
}

// One part, fully: location, arg_offset, size, loc_offset.
void expect_part(const ArgPart& got, Location loc, uint32_t arg_offset, uint32_t size,
                 uint32_t loc_offset, const char* what) {
  SCOPED_TRACE(what);
  EXPECT_EQ(got.loc.kind, loc.kind);
  EXPECT_EQ(got.loc.reg, loc.reg);
  EXPECT_EQ(got.loc.offset, loc.offset);
  EXPECT_EQ(got.arg_offset, arg_offset);
  EXPECT_EQ(got.size, size);
  EXPECT_EQ(got.loc_offset, loc_offset);
}

// A by-value argument in one location.
void expect_val(const ArgLayout& a, Location loc, uint32_t size, uint32_t loc_offset,
                const char* what) {
  SCOPED_TRACE(what);
  EXPECT_FALSE(a.by_ref);
  ASSERT_EQ(a.parts.size(), 1u);
  expect_part(a.parts[0], loc, 0, size, loc_offset, what);
}

// A by-reference argument: its pointer (8 bytes) in `loc`.
void expect_ref(const ArgLayout& a, Location loc, uint32_t size, const char* what) {
  SCOPED_TRACE(what);
  EXPECT_TRUE(a.by_ref);
  EXPECT_EQ(a.size, size);
  ASSERT_EQ(a.parts.size(), 1u);
  expect_part(a.parts[0], loc, 0, 8, 0, what);
}

using L = Location;

TEST(S390xAbi, RegisterNamesAndBase) {
  EXPECT_EQ(be().arch(), Arch::s390x);
  EXPECT_EQ(be().reg_name(LocKind::gpr, 2), "r2");
  EXPECT_EQ(be().reg_name(LocKind::gpr, 6), "r6");
  EXPECT_EQ(be().reg_name(LocKind::fpr, 0), "f0");
  EXPECT_EQ(be().reg_name(LocKind::fpr, 6), "f6");
  // "the parameter area, which starts 160 bytes above the stack pointer"
  EXPECT_EQ(be().stack_args_base(), 160);
}

// [S390ABI] "Parameter-passing example": r2=i r3=j r4=k r5=l r6=ll,
// f0=g f2=f f4=h, 160(r15)=m. Sizes < 64 bits are extended ("replace it by a
// full 64-bit integer"), so an int is the low half (bytes 4..7) of its GPR;
// floats are "left-aligned" in the FPR; the stack int is right-aligned in its
// slot (call_layout.hpp's own example: {stack 164, 0, 4}).
TEST(S390xAbi, AbiDocumentExample) {
  const CallLayout c = place("abi_example");
  ASSERT_EQ(c.args.size(), 9u);
  expect_val(c.args[0], L::gpr(2), 4, 4, "i");
  expect_val(c.args[1], L::gpr(3), 4, 4, "j");
  expect_val(c.args[2], L::fpr(0), 8, 0, "g");
  expect_val(c.args[3], L::gpr(4), 4, 4, "k");
  expect_val(c.args[4], L::gpr(5), 4, 4, "l");
  expect_val(c.args[5], L::gpr(6), 8, 0, "ll");
  expect_val(c.args[6], L::fpr(2), 4, 0, "f");
  expect_val(c.args[7], L::fpr(4), 8, 0, "h");
  expect_val(c.args[8], L::stack(164), 4, 0, "m");
  EXPECT_EQ(c.args[0].ext, Extension::sign);
  EXPECT_EQ(c.args[2].ext, Extension::none);
  EXPECT_EQ(c.stack_size, 8u);  // one 8-byte slot
  EXPECT_EQ(c.ret.kind, RetLayout::Kind::void_);
}

// double_or_float: "If fr>6, ... go to more"; simple_arg: "If gr>6, go to
// more" — separate counters, no closing of the other class.
TEST(S390xAbi, RegisterExhaustionIsPerClass) {
  const CallLayout a = place("fpr_exhaust");
  expect_val(a.args[0], L::fpr(0), 8, 0, "a");
  expect_val(a.args[1], L::fpr(2), 8, 0, "b");
  expect_val(a.args[2], L::fpr(4), 8, 0, "c");
  expect_val(a.args[3], L::fpr(6), 8, 0, "d");
  expect_val(a.args[4], L::stack(160), 8, 0, "e: f6 used, first slot");
  expect_val(a.args[5], L::gpr(2), 4, 4, "x: still r2");

  const CallLayout b = place("gpr_exhaust");
  expect_val(b.args[4], L::gpr(6), 8, 0, "e");
  expect_val(b.args[5], L::stack(160), 8, 0, "f");
  expect_val(b.args[6], L::fpr(0), 4, 0, "x: still f0");
}

// "more": "Copy the argument value right-aligned into the 8-byte parameter
// slot"; LLVM args-04.ll "Floats are passed right-justified" (le from +4).
TEST(S390xAbi, SmallValuesAreRightAlignedInStackSlots) {
  const CallLayout f = place("float_on_stack");
  expect_val(f.args[4], L::stack(164), 4, 0, "float at slot+4");

  const CallLayout s = place("small_on_stack");
  expect_val(s.args[5], L::stack(166), 2, 0, "short at slot+6");
  EXPECT_EQ(s.args[5].ext, Extension::sign);
  expect_val(s.args[6], L::stack(168 + 7), 1, 0, "unsigned char at slot+7");
  EXPECT_EQ(s.args[6].ext, Extension::zero);
  expect_val(s.args[7], L::stack(176 + 6), 2, 0, "2-byte struct at slot+6");
  EXPECT_EQ(s.stack_size, 24u);
  EXPECT_EQ(describe_location(be(), s.args[5]), "stack+6");
}

// simple_arg: "replace it by a full 64-bit integer representing the same
// number, using sign or zero extension, as appropriate. Any pointer type."
TEST(S390xAbi, IntegerExtension) {
  const CallLayout c = place("ext");
  expect_val(c.args[0], L::gpr(2), 1, 7, "signed char");
  EXPECT_EQ(c.args[0].ext, Extension::sign);
  expect_val(c.args[1], L::gpr(3), 2, 6, "unsigned short");
  EXPECT_EQ(c.args[1].ext, Extension::zero);
  expect_val(c.args[2], L::gpr(4), 1, 7, "_Bool");
  EXPECT_EQ(c.args[2].ext, Extension::zero);
  expect_val(c.args[3], L::gpr(5), 8, 0, "pointer");
  EXPECT_EQ(c.args[3].ext, Extension::zero);
  expect_val(c.args[4], L::gpr(6), 4, 4, "unsigned int");
  EXPECT_EQ(c.args[4].ext, Extension::zero);
}

// "A struct or a union of 1, 2, 4, or 8 bytes ... padding bytes with
// unspecified contents on the left. A struct or union of any other size ...
// Replace such an argument by a pointer"; clang systemz-abi.c agg_1/2/4/8byte
// -> i8/i16/i32/i64, agg_3/5/6/7/16byte -> byval pointer.
TEST(S390xAbi, StructSizes) {
  const CallLayout a = place("structs_a");
  expect_val(a.args[0], L::gpr(2), 1, 7, "1-byte struct");
  expect_val(a.args[1], L::gpr(3), 2, 6, "2-byte struct");
  expect_ref(a.args[2], L::gpr(4), 3, "3-byte struct");
  expect_val(a.args[3], L::gpr(5), 4, 4, "4-byte struct: loc_offset 4");
  EXPECT_EQ(a.args[3].ext, Extension::none);
  expect_ref(a.args[4], L::gpr(6), 5, "5-byte struct");

  const CallLayout b = place("structs_b");
  expect_ref(b.args[0], L::gpr(2), 6, "6-byte struct");
  expect_ref(b.args[1], L::gpr(3), 7, "7-byte struct");
  expect_val(b.args[2], L::gpr(4), 8, 0, "8-byte struct");
  expect_ref(b.args[3], L::gpr(5), 16, "16-byte struct");
  expect_ref(b.args[4], L::gpr(6), 24, "struct {__int128; char} is 24 bytes");
  EXPECT_EQ(describe_location(be(), b.args[4]), "*r6 (by ref)");
}

// double_or_float: "A structure equivalent to one of the above" (exactly one
// member, recursively). GCC: arrays and unions are never float-like
// (docs/abi.md "s390x"; clang union_float -> i32); no strict size check
// (agg_float_a8 -> double); {float a; float b;} -> i64; agg_float_a16 -> byval.
TEST(S390xAbi, FloatLikeStructs) {
  const CallLayout c = place("floatlike");
  expect_val(c.args[0], L::fpr(0), 4, 0, "struct {float}");
  expect_val(c.args[1], L::fpr(2), 8, 0, "struct {double}");
  expect_val(c.args[2], L::fpr(4), 4, 0, "struct {struct {float}}");
  expect_val(c.args[3], L::fpr(6), 8, 0, "struct {float aligned(8)}: size 8, FPR");
  expect_val(c.args[4], L::gpr(2), 4, 4, "struct {float[1]}: GPR");
  expect_val(c.args[5], L::gpr(3), 4, 4, "union {float}: GPR");
  expect_val(c.args[6], L::gpr(4), 8, 0, "struct {float, float}: GPR");
  expect_ref(c.args[7], L::gpr(5), 16, "struct {float aligned(16)}: by reference");
}

// "any integer type with more than 64 bits, a long double, ... Replace such an
// argument by a pointer"; _Float128 is binary128 like long double.
TEST(S390xAbi, WideScalarsAndUnions) {
  const CallLayout c = place("big");
  expect_ref(c.args[0], L::gpr(2), 16, "__int128");
  expect_ref(c.args[1], L::gpr(3), 16, "long double");
  expect_ref(c.args[2], L::gpr(4), 16, "_Float128");
  expect_ref(c.args[3], L::gpr(5), 3, "3-byte union");
  expect_val(c.args[4], L::gpr(6), 8, 0, "8-byte union");
  EXPECT_EQ(c.args[0].ext, Extension::zero);  // the pointer
}

// The by-reference pointer is a simple_arg: "If gr>6, go to more".
TEST(S390xAbi, ByReferencePointerOnStack) {
  const CallLayout c = place("ref_on_stack");
  expect_ref(c.args[5], L::stack(160), 3, "3-byte struct, pointer in slot 0");
  expect_ref(c.args[6], L::stack(168), 16, "__int128, pointer in slot 1");
  EXPECT_EQ(c.stack_size, 16u);
}

// §"Return Values": integers in r2 extended, pointers in r2, float "in the
// left half of f0", double in f0; "Any other type, such as long double, ...
// __int128, ..., a structure, a union ... return value buffer ... passed by
// the caller in r2" ("set gr=3"). GCC: aggregates always in memory.
TEST(S390xAbi, ReturnValues) {
  auto r = place("r_int").ret;
  EXPECT_EQ(r.kind, RetLayout::Kind::regs);
  ASSERT_EQ(r.parts.size(), 1u);
  expect_part(r.parts[0], L::gpr(2), 0, 4, 4, "int in r2");
  EXPECT_EQ(r.ext, Extension::sign);

  r = place("r_uchar").ret;
  ASSERT_EQ(r.parts.size(), 1u);
  expect_part(r.parts[0], L::gpr(2), 0, 1, 7, "unsigned char in r2");
  EXPECT_EQ(r.ext, Extension::zero);

  r = place("r_ptr").ret;
  ASSERT_EQ(r.parts.size(), 1u);
  expect_part(r.parts[0], L::gpr(2), 0, 8, 0, "pointer in r2");

  r = place("r_float").ret;
  ASSERT_EQ(r.parts.size(), 1u);
  expect_part(r.parts[0], L::fpr(0), 0, 4, 0, "float in the left half of f0");

  r = place("r_double").ret;
  ASSERT_EQ(r.parts.size(), 1u);
  expect_part(r.parts[0], L::fpr(0), 0, 8, 0, "double in f0");

  EXPECT_EQ(place("r_void").ret.kind, RetLayout::Kind::void_);

  for (const char* fn : {"r_s4", "r_ff", "r_i128", "r_ldbl"}) {
    SCOPED_TRACE(fn);
    const CallLayout c = place(fn);
    EXPECT_EQ(c.ret.kind, RetLayout::Kind::memory);
    EXPECT_EQ(c.ret.buffer, L::gpr(2));
    EXPECT_TRUE(c.ret.buffer_shifts_args);
    expect_val(c.args[0], L::gpr(3), c.args[0].size, 8 - c.args[0].size, "first arg in r3");
  }
  const CallLayout c = place("r_i128");
  expect_val(c.args[1], L::gpr(4), 8, 0, "second arg in r4");
}

// The RFC case: on s390x every 16-byte struct is a pointer, and argument 5 is
// the first slot under both the ABI and the JIT ("argument i >= 5 in the
// 8-byte slot at 160 + (i-5)*8"), so the two policies agree here.
TEST(S390xAbi, RfcInt128StructsAgreeUnderBothPolicies) {
  for (Policy p : {Policy::psabi, Policy::linux_jit}) {
    SCOPED_TRACE(std::string(policy_name(p)));
    const CallLayout c = place("rfc_f", p);
    ASSERT_EQ(c.args.size(), 6u);
    expect_ref(c.args[0], L::gpr(2), 16, "a");
    expect_ref(c.args[1], L::gpr(3), 16, "b");
    expect_ref(c.args[2], L::gpr(4), 16, "c");
    expect_ref(c.args[3], L::gpr(5), 16, "d");
    expect_val(c.args[4], L::gpr(6), 2, 6, "e");
    expect_ref(c.args[5], L::stack(160), 16, "f");
    EXPECT_EQ(c.args[5].ctx_slot, 9u);  // 4 x 2 slots + e
    EXPECT_EQ(c.ctx_slots, 11u);
    ASSERT_EQ(c.ret.parts.size(), 1u);
    expect_part(c.ret.parts[0], L::gpr(2), 0, 4, 4, "int return in r2");
  }
}

// ctx: ceil(size/8) slots per argument, by-reference ones by value.
TEST(S390xAbi, CtxSlots) {
  const CallLayout c = place("slots");
  EXPECT_EQ(c.args[0].ctx_slot, 0u);
  EXPECT_EQ(c.args[0].ctx_slots, 1u);
  EXPECT_EQ(c.args[1].ctx_slot, 1u);
  EXPECT_EQ(c.args[1].ctx_slots, 2u);
  EXPECT_EQ(c.args[2].ctx_slot, 3u);
  EXPECT_EQ(c.args[2].ctx_slots, 1u);
  EXPECT_EQ(c.args[3].ctx_slot, 4u);
  EXPECT_EQ(c.ctx_slots, 5u);
}

// ---- linux policy: arch/s390/net/bpf_jit_comp.c __arch_prepare_bpf_trampoline

// "if (m->arg_size[i] <= 8)" by value; 3/5/6/7-byte structs are therefore
// taken as values although the ABI passes a pointer: the kernel bug.
TEST(S390xAbiLinux, SmallOddStructsByValueUnlikePsabi) {
  const CallLayout a = place("structs_a", Policy::linux_jit);
  EXPECT_EQ(a.policy, Policy::linux_jit);
  expect_val(a.args[0], L::gpr(2), 1, 7, "1-byte struct");
  expect_val(a.args[2], L::gpr(4), 3, 5, "3-byte struct by value");
  expect_val(a.args[3], L::gpr(5), 4, 4, "4-byte struct");
  expect_val(a.args[4], L::gpr(6), 5, 3, "5-byte struct by value");
  const CallLayout b = place("structs_c", Policy::linux_jit);
  expect_val(b.args[0], L::gpr(2), 6, 2, "6-byte struct by value");
  expect_val(b.args[1], L::gpr(3), 7, 1, "7-byte struct by value");
  expect_val(b.args[2], L::gpr(4), 8, 0, "8-byte struct");
  // "else if (m->arg_size[i] <= 16)": pointer, 16 bytes copied from it.
  expect_ref(b.args[3], L::gpr(5), 16, "16-byte struct by reference");

  // Same functions under psabi: by reference (see StructSizes).
  const CallLayout pa = place("structs_a");
  const CallLayout pb = place("structs_c");
  for (const ArgLayout* x : {&pa.args[2], &pa.args[4], &pb.args[0], &pb.args[1]})
    EXPECT_TRUE(x->by_ref);
  for (const ArgLayout* x : {&a.args[2], &a.args[4], &b.args[0], &b.args[1]})
    EXPECT_FALSE(x->by_ref);
}

// "Argument i < 5 lives in %r2+i. Argument i >= 5 is an 8-byte slot at
// orig_stack_args_off + (i-5)*8" (the caller's 160(%r15) area).
TEST(S390xAbiLinux, RegistersThenSlots) {
  const CallLayout c = place("seven", Policy::linux_jit);
  expect_val(c.args[4], L::gpr(6), 4, 4, "e");
  expect_val(c.args[5], L::stack(164), 4, 0, "f: slot 0, right-aligned");
  expect_val(c.args[6], L::stack(168), 8, 0, "g: slot 1");
  EXPECT_EQ(c.stack_size, 16u);
}

// The JIT never allocates a return buffer: for a (kernel-accepted) __int128
// return it reads the arguments from r2 on, the ABI from r3 on.
TEST(S390xAbiLinux, Int128ReturnDoesNotShiftArguments) {
  const CallLayout lin = place("r_i128", Policy::linux_jit);
  expect_val(lin.args[0], L::gpr(2), 4, 4, "linux: a in r2");
  expect_val(lin.args[1], L::gpr(3), 8, 0, "linux: b in r3");
  EXPECT_NE(lin.ret.kind, RetLayout::Kind::memory);
  const CallLayout ps = place("r_i128");
  expect_val(ps.args[0], L::gpr(3), 4, 4, "psabi: a in r3");
}

void expect_refused(const std::string& fn, Errc code, const std::string& message) {
  SCOPED_TRACE(fn);
  try {
    place(fn, Policy::linux_jit);
    ADD_FAILURE() << "linux policy accepted " << fn;
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code);
    EXPECT_EQ(std::string(e.what()), message);
  }
}

// kernel/bpf/btf.c btf_distill_func_model messages.
TEST(S390xAbiLinux, RefusesWhatTheKernelRefuses) {
  expect_refused("lin_float", Errc::unsupported,
                 "The function lin_float arg1 type FLOAT is unsupported.");
  expect_refused("lin_ldbl", Errc::unsupported,
                 "The function lin_ldbl arg0 type FLOAT is unsupported.");
  expect_refused("lin_big", Errc::unsupported,
                 "The function lin_big arg0 type STRUCT is unsupported.");
  expect_refused("r_s4", Errc::unsupported, "The function r_s4 return type STRUCT is unsupported.");
  expect_refused("r_float", Errc::unsupported,
                 "The function r_float return type FLOAT is unsupported.");
  expect_refused("lin_many", Errc::too_many_args,
                 "The function lin_many has 13 arguments. Too many.");
  // psabi places all of them; the float goes to f0.
  const CallLayout f = place("lin_float");
  expect_val(f.args[1], L::fpr(0), 4, 0, "float in f0 under psabi");
  EXPECT_EQ(place("lin_many").args[12].parts[0].loc, L::stack(160 + 7 * 8 + 4));
}

}  // namespace
}  // namespace xtramp
