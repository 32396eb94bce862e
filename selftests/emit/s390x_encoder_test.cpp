// The s390x encoder (arch/s390x/emit), checked three ways:
//  1. capstone's disassembly of every instruction method, for several operand
//     combinations and the edges of every field; the expected text is what
//     the operands mean, in capstone's notation (registers %rN/%fN,
//     numbers above 9 in hex, relative targets as absolute addresses);
//  2. byte for byte against GNU as (s390x_oracle.s, assembled at build time);
//  3. on s390x (natively or under qemu-s390x) by running generated functions.
// Plus: out-of-range operands throw, labels, mvc's length field.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "arch/s390x/emit/encoder.hpp"
#include "common/disasm/disasm.hpp"
#include "common/error.hpp"

#if defined(XTRAMP_HAVE_S390X_ORACLE)
#include "s390x_oracle.h"
#endif

namespace {

using xtramp::Arch;
using xtramp::s390x::Assembler;
using xtramp::s390x::Format;
using xtramp::s390x::Insn;
using xtramp::s390x::Label;
using xtramp::s390x::Mem;
namespace cond = xtramp::s390x::cond;

std::string text_of(const xtramp::DisasmLine& l) {
  return l.operands.empty() ? l.mnemonic : l.mnemonic + " " + l.operands;
}

// The code must be exactly one instruction; returns "mnemonic operands".
std::string one(const std::vector<uint8_t>& code, uint64_t address = 0) {
  const auto lines = xtramp::disassemble(Arch::s390x, code, address);
  if (lines.size() != 1 || lines[0].bytes.size() != code.size())
    return "<not one instruction: " + xtramp::format_disasm(lines) + ">";
  return text_of(lines[0]);
}

// The instruction starting at byte `offset` of the code.
std::string at(const Assembler& a, size_t offset, uint64_t address = 0) {
  for (const auto& l : xtramp::disassemble(Arch::s390x, a.bytes(), address))
    if (l.address == address + offset) return text_of(l);
  return "<no instruction at offset " + std::to_string(offset) + ">";
}

// EXPECT_S390X("lg %r1, 8(%r15)", lg(1, Mem(8, 15))): encodes one call of an
// Assembler method and compares capstone's text. _AT: disassembled at an address.
#define EXPECT_S390X_AT(address, expected, ...)                    \
  do {                                                             \
    Assembler a_;                                                  \
    a_.__VA_ARGS__;                                                \
    EXPECT_EQ(one(a_.bytes(), address), expected) << #__VA_ARGS__; \
  } while (0)
#define EXPECT_S390X(expected, ...) EXPECT_S390X_AT(0, expected, __VA_ARGS__)

std::vector<uint8_t> encode(const std::function<void(Assembler&)>& f) {
  Assembler a;
  f(a);
  return a.bytes();
}

// Expects the call to throw Error(bad_request) whose message contains `what`,
// and to emit nothing.
void expect_bad(const std::function<void(Assembler&)>& f, const std::string& what) {
  Assembler a;
  a.nopr();
  try {
    f(a);
    ADD_FAILURE() << "no exception; expected \"" << what << "\"";
  } catch (const xtramp::Error& e) {
    EXPECT_EQ(e.code(), xtramp::Errc::bad_request);
    EXPECT_NE(std::string(e.what()).find(what), std::string::npos)
        << "message \"" << e.what() << "\" lacks \"" << what << "\"";
  }
  EXPECT_EQ(a.size(), 2u) << "bytes emitted before the exception";
}

// Extended mnemonics of the condition masks (z/Architecture POP, "Branch
// Relative on Condition" extended mnemonics): mask 1 = o(verflow), 2 = h(igh),
// 3 = nle, 4 = l(ow), 5 = nhe, 6 = lh, 7 = ne, 8 = e(qual), 9 = nlh, 10 = he,
// 11 = nl, 12 = le, 13 = nh, 14 = no. Masks 0 and 15 have none.
const char* const kCondSuffix[16] = {"",  "o",   "h",  "nle", "l",  "nhe", "lh", "ne",
                                     "e", "nlh", "he", "nl",  "le", "nh",  "no", ""};

// ---------------------------------------------------------------------------
// 1. capstone, per format
// ---------------------------------------------------------------------------

TEST(S390xEncoder, RR) {
  EXPECT_S390X("lr %r1, %r2", lr(1, 2));
  EXPECT_S390X("lr %r0, %r15", lr(0, 15));
  EXPECT_S390X("ldr %f1, %f15", ldr(1, 15));
  EXPECT_S390X("ldr %f0, %f0", ldr(0, 0));
  EXPECT_S390X("basr %r14, %r1", basr(14, 1));
  EXPECT_S390X("basr %r0, %r15", basr(0, 15));
  EXPECT_S390X("br %r14", br(14));
  EXPECT_S390X("br %r1", bcr(15, 1));
  EXPECT_S390X("ber %r1", bcr(cond::e, 1));
  EXPECT_S390X("bcr 0, %r0", nopr());
  EXPECT_S390X("bcr 0, %r7", nopr(7));
  for (unsigned m = 0; m < 16; ++m) {
    const std::string want = m == 0    ? "bcr 0, %r14"
                             : m == 15 ? "br %r14"
                                       : std::string("b") + kCondSuffix[m] + "r %r14";
    EXPECT_S390X(want, bcr(m, 14));
  }
  EXPECT_EQ(encode([](Assembler& a) { a.lr(1, 2); }).size(), 2u);
}

TEST(S390xEncoder, RRE) {
  EXPECT_S390X("lgr %r1, %r2", lgr(1, 2));
  EXPECT_S390X("lgr %r15, %r0", lgr(15, 0));
  EXPECT_S390X("ltgr %r2, %r2", ltgr(2, 2));
  EXPECT_S390X("lcgr %r3, %r4", lcgr(3, 4));
  EXPECT_S390X("ear %r1, %a0", ear(1, 0));
  EXPECT_S390X("ear %r15, %a15", ear(15, 15));
  EXPECT_S390X("lgbr %r2, %r2", lgbr(2, 2));
  EXPECT_S390X("lghr %r2, %r3", lghr(2, 3));
  EXPECT_S390X("agr %r1, %r2", agr(1, 2));
  EXPECT_S390X("agr %r15, %r14", agr(15, 14));
  EXPECT_S390X("sgr %r1, %r2", sgr(1, 2));
  EXPECT_S390X("lgfr %r2, %r2", lgfr(2, 2));
  EXPECT_S390X("llgfr %r2, %r7", llgfr(2, 7));
  EXPECT_S390X("cgr %r1, %r2", cgr(1, 2));
  EXPECT_S390X("clgr %r0, %r15", clgr(0, 15));
  EXPECT_S390X("ngr %r1, %r2", ngr(1, 2));
  EXPECT_S390X("ogr %r1, %r2", ogr(1, 2));
  EXPECT_S390X("xgr %r1, %r1", xgr(1, 1));
  EXPECT_S390X("llgcr %r2, %r2", llgcr(2, 2));
  EXPECT_S390X("llghr %r2, %r9", llghr(2, 9));
  EXPECT_S390X("ldgr %f0, %r2", ldgr(0, 2));
  EXPECT_S390X("ldgr %f15, %r15", ldgr(15, 15));
  EXPECT_S390X("lgdr %r2, %f0", lgdr(2, 0));
  EXPECT_S390X("lgdr %r15, %f15", lgdr(15, 15));
  EXPECT_EQ(encode([](Assembler& a) { a.lgr(1, 2); }).size(), 4u);
}

TEST(S390xEncoder, RX) {
  // D2 is unsigned 12 bits: 0 and 4095 are the edges.
  EXPECT_S390X("sth %r1, 8(%r15)", sth(1, Mem(8, 15)));
  EXPECT_S390X("la %r1, 0(%r15)", la(1, Mem(0, 15)));
  EXPECT_S390X("la %r1, 0xfff(%r2, %r3)", la(1, Mem(4095, 2, 3)));
  EXPECT_S390X("la %r2, 0xa0", la(2, Mem(160)));  // no base: an absolute value
  EXPECT_S390X("stc %r1, 0xfff(%r15)", stc(1, Mem(4095, 15)));
  EXPECT_S390X("st %r1, 0(%r2, %r15)", st(1, Mem(0, 2, 15)));
  EXPECT_S390X("l %r1, 8(%r15)", l(1, Mem(8, 15)));
  EXPECT_S390X("l %r15, 0xfff(%r15, %r15)", l(15, Mem(4095, 15, 15)));
  EXPECT_S390X("std %f0, 8(%r15)", std(0, Mem(8, 15)));
  EXPECT_S390X("std %f15, 0xfff(%r1, %r2)", std(15, Mem(4095, 1, 2)));
  EXPECT_S390X("ld %f0, 8(%r15)", ld(0, Mem(8, 15)));
  EXPECT_S390X("ld %f8, 0(%r1)", ld(8, Mem(0, 1)));
  EXPECT_S390X("ste %f2, 8(%r15)", ste(2, Mem(8, 15)));
  EXPECT_S390X("le %f4, 0xc(%r3)", le(4, Mem(12, 3)));
  EXPECT_EQ(encode([](Assembler& a) { a.l(1, Mem(8, 15)); }).size(), 4u);
}

TEST(S390xEncoder, RXY) {
  // DL2 + DH2: signed 20 bits, -524288..524287.
  EXPECT_S390X("lg %r1, 8(%r15)", lg(1, Mem(8, 15)));
  EXPECT_S390X("lg %r1, -8(%r2, %r15)", lg(1, Mem(-8, 2, 15)));
  EXPECT_S390X("lg %r0, -0x80000(%r1)", lg(0, Mem(-524288, 1)));
  EXPECT_S390X("lg %r0, 0x7ffff(%r1)", lg(0, Mem(524287, 1)));
  EXPECT_S390X("lg %r5, 0x1000(%r15)", lg(5, Mem(4096, 15)));  // first DH bit
  EXPECT_S390X("lg %r5, -1(%r15)", lg(5, Mem(-1, 15)));
  EXPECT_S390X("lgf %r1, 8(%r15)", lgf(1, Mem(8, 15)));
  EXPECT_S390X("lgh %r1, -2(%r15)", lgh(1, Mem(-2, 15)));
  EXPECT_S390X("llgf %r1, 8(%r15)", llgf(1, Mem(8, 15)));
  EXPECT_S390X("stg %r1, 0x7ffff(%r15)", stg(1, Mem(524287, 15)));
  EXPECT_S390X("stg %r14, 0x70(%r15)", stg(14, Mem(112, 15)));
  EXPECT_S390X("sty %r1, -4(%r15)", sty(1, Mem(-4, 15)));
  EXPECT_S390X("ly %r1, -4(%r15)", ly(1, Mem(-4, 15)));
  EXPECT_S390X("sthy %r1, 0x186a0(%r2)", sthy(1, Mem(100000, 2)));
  EXPECT_S390X("lay %r15, -0xa0(%r15)", lay(15, Mem(-160, 15)));
  EXPECT_S390X("ltg %r1, -0x7000(%r1)", ltg(1, Mem(-28672, 1)));
  EXPECT_S390X("lay %r1, -0x80000(%r2, %r3)", lay(1, Mem(-524288, 2, 3)));
  EXPECT_S390X("stcy %r1, -1(%r2)", stcy(1, Mem(-1, 2)));
  EXPECT_S390X("lgb %r1, 0(%r2)", lgb(1, Mem(0, 2)));
  EXPECT_S390X("llgc %r1, 0x7ffff(%r2)", llgc(1, Mem(524287, 2)));
  EXPECT_S390X("llgh %r1, 2(%r2)", llgh(1, Mem(2, 2)));
  EXPECT_S390X("ley %f1, -4(%r2)", ley(1, Mem(-4, 2)));
  EXPECT_S390X("ldy %f2, -8(%r15)", ldy(2, Mem(-8, 15)));
  EXPECT_S390X("ldy %f2, 0x1000(%r15)", ldy(2, Mem(4096, 15)));
  EXPECT_S390X("stey %f1, -4(%r2)", stey(1, Mem(-4, 2)));
  EXPECT_S390X("stdy %f15, -0x80000(%r15)", stdy(15, Mem(-524288, 15)));
  EXPECT_EQ(encode([](Assembler& a) { a.lg(1, Mem(8, 15)); }).size(), 6u);
}

TEST(S390xEncoder, RSAndRSY) {
  EXPECT_S390X("srl %r1, 3", srl(1, 3));
  EXPECT_S390X("sll %r1, 0x1f", sll(1, 31));
  EXPECT_S390X("sra %r1, 3(%r2)", sra(1, 3, 2));
  EXPECT_S390X("stmg %r6, %r15, 0x30(%r15)", stmg(6, 15, Mem(48, 15)));
  EXPECT_S390X("stmg %r2, %r5, -0x80000(%r1)", stmg(2, 5, Mem(-524288, 1)));
  EXPECT_S390X("lmg %r6, %r15, 0xd0(%r15)", lmg(6, 15, Mem(208, 15)));
  EXPECT_S390X("lmg %r0, %r15, 0x7ffff(%r15)", lmg(0, 15, Mem(524287, 15)));
  EXPECT_S390X("srag %r1, %r2, 0x3f", srag(1, 2, 63));
  EXPECT_S390X("srlg %r1, %r2, 0(%r3)", srlg(1, 2, 0, 3));
  EXPECT_S390X("sllg %r1, %r2, 3", sllg(1, 2, 3));
  EXPECT_S390X("sllg %r1, %r2, 0", sllg(1, 2, 0));
  EXPECT_EQ(encode([](Assembler& a) { a.sll(1, 3); }).size(), 4u);
  EXPECT_EQ(encode([](Assembler& a) { a.stmg(6, 15, Mem(48, 15)); }).size(), 6u);
}

TEST(S390xEncoder, RI) {
  EXPECT_S390X("lghi %r1, -1", lghi(1, -1));
  EXPECT_S390X("lghi %r1, 0x7fff", lghi(1, 32767));
  EXPECT_S390X("lghi %r1, -0x8000", lghi(1, -32768));
  EXPECT_S390X("aghi %r15, -0xa0", aghi(15, -160));
  EXPECT_S390X("aghi %r15, 0xa0", aghi(15, 160));
  EXPECT_S390X("mghi %r1, -3", mghi(1, -3));
  EXPECT_S390X("tmll %r0, 1", tmll(0, 1));
  EXPECT_S390X("tmll %r15, 0xffff", tmll(15, 65535));
  EXPECT_S390X("cghi %r2, 0", cghi(2, 0));
  EXPECT_S390X("cghi %r2, -5", cghi(2, -5));
}

TEST(S390xEncoder, RIL) {
  EXPECT_S390X("lgfi %r1, 0x7fffffff", lgfi(1, 2147483647));
  EXPECT_S390X("lgfi %r1, -0x80000000", lgfi(1, -2147483648LL));
  EXPECT_S390X("iihf %r1, 0xffffffff", iihf(1, 0xffffffff));
  EXPECT_S390X("iilf %r1, 0x12345678", iilf(1, 0x12345678));
  EXPECT_S390X("llihf %r1, 0xffffffff", llihf(1, 0xffffffff));
  EXPECT_S390X("llilf %r1, 0", llilf(1, 0));
  EXPECT_S390X("agfi %r1, -0x80000000", agfi(1, -2147483648LL));
  EXPECT_S390X("agfi %r1, 1", agfi(1, 1));
  EXPECT_S390X("cgfi %r2, -5", cgfi(2, -5));
  EXPECT_S390X("clgfi %r2, 0xffffffff", clgfi(2, 0xffffffff));
  EXPECT_S390X("clgfi %r2, 0", clgfi(2, 0));
  EXPECT_EQ(encode([](Assembler& a) { a.lgfi(1, 1); }).size(), 6u);
}

TEST(S390xEncoder, RelativeOffsets) {
  // The target is the instruction's address plus the offset.
  EXPECT_S390X("je 8", brc(cond::e, int64_t{8}));
  EXPECT_S390X_AT(0x10000, "j 0xfffc", brc(cond::always, int64_t{-4}));
  EXPECT_S390X("brc 0, 0", brc(cond::never, int64_t{0}));
  EXPECT_S390X("jne 0xfffe", brc(cond::ne, int64_t{65534}));        // RI2 = 0x7fff
  EXPECT_S390X_AT(0x10000, "jl 0", brc(cond::l, int64_t{-65536}));  // RI2 = 0x8000
  for (unsigned m = 0; m < 16; ++m) {
    const std::string want = m == 0    ? "brc 0, 0x20"
                             : m == 15 ? "j 0x20"
                                       : std::string("j") + kCondSuffix[m] + " 0x20";
    EXPECT_S390X_AT(0x10, want, brc(m, int64_t{0x10}));
    const std::string wantl = m == 0    ? "brcl 0, 0x20"
                              : m == 15 ? "jg 0x20"
                                        : std::string("jg") + kCondSuffix[m] + " 0x20";
    EXPECT_S390X_AT(0x10, wantl, brcl(m, int64_t{0x10}));
  }
  EXPECT_S390X_AT(0x100, "brctg %r1, 0xf8", brctg(1, int64_t{-8}));
  EXPECT_S390X("brcl 0, 0", brcl(cond::never, int64_t{0}));
  EXPECT_S390X("jg 6", brcl(cond::always, int64_t{6}));
  EXPECT_S390X_AT(0x100000000, "jge 0", brcl(cond::e, int64_t{-4294967296}));
  EXPECT_S390X("jgh 0xfffffffe", brcl(cond::h, int64_t{4294967294}));
  EXPECT_S390X("brasl %r14, 0xc", brasl(14, int64_t{12}));
  EXPECT_S390X_AT(0x100, "brasl %r14, 0xf4", brasl(14, int64_t{-12}));
  EXPECT_S390X("larl %r1, 0x100", larl(1, int64_t{0x100}));
  EXPECT_S390X("lgrl %r1, 8", lgrl(1, int64_t{8}));
  EXPECT_S390X_AT(0x100, "stgrl %r1, 0xf8", stgrl(1, int64_t{-8}));
  EXPECT_S390X("cgrje %r1, %r2, 6", cgrj(1, 2, cond::e, int64_t{6}));
  EXPECT_S390X_AT(0x100, "clgrjl %r1, %r2, 0xfa", clgrj(1, 2, cond::l, int64_t{-6}));
  EXPECT_S390X("cgije %r2, -0x80, 8", cgij(2, -128, cond::e, int64_t{8}));
  EXPECT_S390X("cgijh %r2, 0x7f, 0xfffe", cgij(2, 127, cond::h, int64_t{65534}));
  EXPECT_S390X_AT(0x10000, "clgijh %r2, 0xff, 0", clgij(2, 255, cond::h, int64_t{-65536}));
  EXPECT_S390X("clgijle %r2, 0, 6", clgij(2, 0, cond::le, int64_t{6}));
  EXPECT_S390X("cgijlh %r3, 1, 6", cgij(3, 1, cond::l | cond::h, int64_t{6}));
  EXPECT_S390X("cgijhe %r3, -1, 6", cgij(3, -1, cond::he, int64_t{6}));
  // Masks without a compare-and-branch extended mnemonic print as a number.
  EXPECT_S390X("cgij %r3, 5, 7, 6", cgij(3, 5, cond::ne, int64_t{6}));
}

TEST(S390xEncoder, Nops) {
  EXPECT_S390X("bcr 0, %r0", nopr());
  EXPECT_S390X_AT(0x40, "brc 0, 0x40", nop4());
  EXPECT_S390X_AT(0x40, "brcl 0, 0x40", nop6());  // the kernel's 6-byte jgnop
  EXPECT_EQ(encode([](Assembler& a) { a.nop6(); }),
            (std::vector<uint8_t>{0xc0, 0x04, 0x00, 0x00, 0x00, 0x00}));
}

TEST(S390xEncoder, SSAndSIL) {
  EXPECT_S390X("mvc 0(0x100, %r1), 8(%r15)", mvc(Mem(0, 1), Mem(8, 15), 256));
  EXPECT_S390X("mvc 0(1, %r1), 8(%r15)", mvc(Mem(0, 1), Mem(8, 15), 1));
  EXPECT_S390X("mvc 0xfff(0x10, %r1), 0(%r2)", mvc(Mem(4095, 1), Mem(0, 2), 16));
  EXPECT_S390X("mvc 0xa0(8, %r15), 0xfff(%r14)", mvc(Mem(160, 15), Mem(4095, 14), 8));
  EXPECT_S390X("mvghi 8(%r15), -1", mvghi(Mem(8, 15), -1));
  EXPECT_S390X("mvghi 0xfff(%r1), 0x7fff", mvghi(Mem(4095, 1), 32767));
  EXPECT_S390X("mvhi 8(%r15), 5", mvhi(Mem(8, 15), 5));
  EXPECT_S390X("mvhi 0(%r2), -0x8000", mvhi(Mem(0, 2), -32768));
}

TEST(S390xEncoder, MvcLengthFieldIsLengthMinusOne) {
  for (unsigned len : {1u, 2u, 8u, 255u, 256u}) {
    const auto code = encode([&](Assembler& a) { a.mvc(Mem(0, 1), Mem(0, 2), len); });
    ASSERT_EQ(code.size(), 6u);
    EXPECT_EQ(code[0], 0xd2);
    EXPECT_EQ(code[1], len - 1) << "length " << len;
  }
}

TEST(S390xEncoder, LoadImm64PicksTheShortestForm) {
  struct Case {
    uint64_t value;
    std::vector<std::string> want;
  };
  const Case cases[] = {
      {0, {"lghi %r1, 0"}},
      {static_cast<uint64_t>(-32768), {"lghi %r1, -0x8000"}},
      {32767, {"lghi %r1, 0x7fff"}},
      {32768, {"lgfi %r1, 0x8000"}},
      {static_cast<uint64_t>(-2147483648LL), {"lgfi %r1, -0x80000000"}},
      {0x80000000, {"llilf %r1, 0x80000000"}},
      {0xffffffff, {"llilf %r1, 0xffffffff"}},
      {0x1234567800000000, {"llihf %r1, 0x12345678"}},
      {0x123456789abcdef0, {"llihf %r1, 0x12345678", "iilf %r1, 0x9abcdef0"}},
      {0xffffffff00000001, {"llihf %r1, 0xffffffff", "iilf %r1, 1"}},
  };
  for (const Case& c : cases) {
    Assembler a;
    a.load_imm64(1, c.value);
    const auto lines = xtramp::disassemble(Arch::s390x, a.bytes());
    std::vector<std::string> got;
    for (const auto& l : lines) got.push_back(text_of(l));
    EXPECT_EQ(got, c.want) << std::hex << c.value;
  }
  Assembler a;
  a.load_imm64_fixed(3, 5);
  EXPECT_EQ(a.size(), 12u);
  EXPECT_EQ(at(a, 0), "llihf %r3, 0");
  EXPECT_EQ(at(a, 6), "iilf %r3, 5");
}

TEST(S390xEncoder, AlignAndData) {
  Assembler a;
  a.lgr(1, 2);  // 4 bytes
  a.align(8);   // + 2 nopr
  EXPECT_EQ(a.size(), 8u);
  EXPECT_EQ(at(a, 4), "bcr 0, %r0");
  EXPECT_EQ(at(a, 6), "bcr 0, %r0");
  a.data64(0x0102030405060708);
  EXPECT_EQ(std::vector<uint8_t>(a.bytes().begin() + 8, a.bytes().end()),
            (std::vector<uint8_t>{1, 2, 3, 4, 5, 6, 7, 8}));
  a.align(8);
  EXPECT_EQ(a.size(), 16u);
  expect_bad([](Assembler& b) { b.align(3); }, "alignment 3");
}

// ---------------------------------------------------------------------------
// Labels
// ---------------------------------------------------------------------------

TEST(S390xEncoder, ForwardLabelsArePatchedAtBind) {
  Assembler a;
  Label end = a.new_label();
  a.brc(cond::e, end);           // 0
  a.brcl(cond::always, end);     // 4
  a.brasl(14, end);              // 10
  a.larl(1, end);                // 16
  a.lgrl(2, end);                // 22
  a.stgrl(3, end);               // 28
  a.cgij(2, -1, cond::l, end);   // 34
  a.clgij(2, 7, cond::h, end);   // 40
  a.cgrj(1, 2, cond::he, end);   // 46
  a.clgrj(1, 2, cond::le, end);  // 52
  a.brctg(4, end);               // 58
  a.nopr();                      // 62
  EXPECT_FALSE(a.is_bound(end));
  a.bind(end);  // 64
  EXPECT_EQ(a.label_offset(end), 64u);
  a.br(14);
  const uint64_t base = 0x1000;  // targets are printed as base + 64 = 0x1040
  EXPECT_EQ(at(a, 0, base), "je 0x1040");
  EXPECT_EQ(at(a, 4, base), "jg 0x1040");
  EXPECT_EQ(at(a, 10, base), "brasl %r14, 0x1040");
  EXPECT_EQ(at(a, 16, base), "larl %r1, 0x1040");
  EXPECT_EQ(at(a, 22, base), "lgrl %r2, 0x1040");
  EXPECT_EQ(at(a, 28, base), "stgrl %r3, 0x1040");
  EXPECT_EQ(at(a, 34, base), "cgijl %r2, -1, 0x1040");
  EXPECT_EQ(at(a, 40, base), "clgijh %r2, 7, 0x1040");
  EXPECT_EQ(at(a, 46, base), "cgrjhe %r1, %r2, 0x1040");
  EXPECT_EQ(at(a, 52, base), "clgrjle %r1, %r2, 0x1040");
  EXPECT_EQ(at(a, 58, base), "brctg %r4, 0x1040");
  EXPECT_EQ(a.finish().size(), 66u);
}

TEST(S390xEncoder, BackwardLabelsAreResolvedAtOnce) {
  Assembler a;
  a.nopr();
  Label top = a.new_label();
  a.bind(top);  // 2
  a.agr(2, 3);
  a.brctg(3, top);             // 6
  a.brc(cond::ne, top);        // 10
  a.brcl(cond::l, top);        // 14
  a.cgij(2, 0, cond::h, top);  // 20
  a.brasl(14, top);            // 26
  EXPECT_EQ(at(a, 6), "brctg %r3, 2");
  EXPECT_EQ(at(a, 10), "jne 2");
  EXPECT_EQ(at(a, 14), "jgl 2");
  EXPECT_EQ(at(a, 20), "cgijh %r2, 0, 2");
  EXPECT_EQ(at(a, 26), "brasl %r14, 2");
  EXPECT_NO_THROW(a.finish());
}

TEST(S390xEncoder, LabelErrors) {
  {
    Assembler a;
    Label l = a.new_label();
    a.brc(cond::e, l);
    try {
      a.finish();
      ADD_FAILURE() << "finish() accepted an unbound label";
    } catch (const xtramp::Error& e) {
      EXPECT_NE(std::string(e.what()).find("never bound"), std::string::npos) << e.what();
    }
    a.bind(l);
    EXPECT_NO_THROW(a.finish());
    EXPECT_THROW(a.bind(l), xtramp::Error);  // twice
    EXPECT_THROW(a.label_offset(a.new_label()), xtramp::Error);
  }
  {
    Assembler other;
    Label foreign = other.new_label();
    other.new_label();
    Assembler a;
    EXPECT_THROW(a.brc(cond::e, foreign), xtramp::Error);  // not this assembler's label
  }
  {
    // A forward 16-bit branch whose target ends up too far away.
    Assembler a;
    Label far = a.new_label();
    a.brc(cond::e, far);
    for (int i = 0; i < 70000 / 2; ++i) a.nopr();
    EXPECT_THROW(a.bind(far), xtramp::Error);
    // The 32-bit form reaches it.
    Assembler b;
    Label far2 = b.new_label();
    b.brcl(cond::e, far2);
    for (int i = 0; i < 70000 / 2; ++i) b.nopr();
    b.bind(far2);
    EXPECT_EQ(at(b, 0), "jge 0x11176");  // 6 + 70000 = 70006 = 0x11176
  }
  {
    // Exactly at the 16-bit edge: +65534 bytes.
    Assembler a;
    Label edge = a.new_label();
    a.brc(cond::e, edge);
    for (int i = 0; i < (65534 - 4) / 2; ++i) a.nopr();
    a.bind(edge);
    EXPECT_EQ(at(a, 0), "je 0xfffe");
  }
}

// ---------------------------------------------------------------------------
// Out-of-range operands throw (and emit nothing)
// ---------------------------------------------------------------------------

TEST(S390xEncoder, OutOfRangeOperandsThrow) {
  expect_bad([](Assembler& a) { a.lg(1, Mem(600000, 15)); },
             "s390x: displacement 600000 out of range for lg");
  expect_bad([](Assembler& a) { a.lg(1, Mem(524288, 15)); }, "displacement 524288");
  expect_bad([](Assembler& a) { a.stg(1, Mem(-524289, 15)); }, "displacement -524289");
  expect_bad([](Assembler& a) { a.stmg(6, 15, Mem(524288, 15)); }, "for stmg");
  expect_bad([](Assembler& a) { a.l(1, Mem(4096, 15)); }, "displacement 4096 out of range for l");
  expect_bad([](Assembler& a) { a.la(1, Mem(-1, 15)); }, "displacement -1 out of range for la");
  expect_bad([](Assembler& a) { a.std(0, Mem(4096, 15)); }, "for std");
  expect_bad([](Assembler& a) { a.mvc(Mem(4096, 1), Mem(0, 2), 8); }, "for mvc");
  expect_bad([](Assembler& a) { a.mvc(Mem(0, 1), Mem(-1, 2), 8); }, "for mvc");
  expect_bad([](Assembler& a) { a.mvghi(Mem(4096, 1), 0); }, "for mvghi");
  expect_bad([](Assembler& a) { a.sra(1, 4096, 2); }, "for sra");
  // Registers and masks are 4 bits.
  expect_bad([](Assembler& a) { a.lgr(16, 1); }, "register 16 out of range for lgr");
  expect_bad([](Assembler& a) { a.ld(16, Mem(0, 15)); }, "register 16");
  expect_bad([](Assembler& a) { a.lg(1, Mem(0, 16)); }, "base register 16");
  expect_bad([](Assembler& a) { a.lg(1, Mem(0, 17, 15)); }, "index register 17");
  expect_bad([](Assembler& a) { a.brc(16, int64_t{0}); }, "mask 16 out of range for brc");
  expect_bad([](Assembler& a) { a.bcr(16, 14); }, "mask 16 out of range for bcr");
  expect_bad([](Assembler& a) { a.cgij(1, 0, 16, int64_t{0}); }, "mask 16");
  expect_bad([](Assembler& a) { a.cgrj(1, 16, 8, int64_t{0}); }, "register 16");
  // No index register in RS/RSY/SS/SIL.
  expect_bad([](Assembler& a) { a.stmg(6, 15, Mem(48, 1, 15)); }, "stmg has no index register");
  expect_bad([](Assembler& a) { a.mvc(Mem(0, 1, 2), Mem(0, 3), 8); }, "mvc has no index");
  expect_bad([](Assembler& a) { a.mvhi(Mem(0, 1, 2), 0); }, "mvhi has no index");
  // Immediates.
  expect_bad([](Assembler& a) { a.aghi(15, 32768); }, "immediate 32768 out of range for aghi");
  expect_bad([](Assembler& a) { a.lghi(1, -32769); }, "immediate -32769 out of range for lghi");
  expect_bad([](Assembler& a) { a.tmll(1, -1); }, "immediate -1 out of range for tmll (0..65535)");
  expect_bad([](Assembler& a) { a.tmll(1, 65536); }, "immediate 65536 out of range for tmll");
  expect_bad([](Assembler& a) { a.lgfi(1, 2147483648LL); }, "immediate 2147483648");
  expect_bad([](Assembler& a) { a.agfi(1, -2147483649LL); }, "for agfi");
  expect_bad([](Assembler& a) { a.llihf(1, -1); }, "immediate -1 out of range for llihf");
  expect_bad([](Assembler& a) { a.iilf(1, 4294967296LL); }, "for iilf");
  expect_bad([](Assembler& a) { a.clgfi(1, -1); }, "for clgfi");
  expect_bad([](Assembler& a) { a.cgij(1, 128, 8, int64_t{0}); }, "immediate 128 out of range");
  expect_bad([](Assembler& a) { a.cgij(1, -129, 8, int64_t{0}); }, "immediate -129");
  expect_bad([](Assembler& a) { a.clgij(1, 256, 8, int64_t{0}); }, "immediate 256");
  expect_bad([](Assembler& a) { a.clgij(1, -1, 8, int64_t{0}); }, "immediate -1");
  expect_bad([](Assembler& a) { a.mvghi(Mem(0, 1), 32768); }, "for mvghi");
  expect_bad([](Assembler& a) { a.mvhi(Mem(0, 1), -32769); }, "for mvhi");
  // Shift amounts without a base register.
  expect_bad([](Assembler& a) { a.sllg(1, 2, 64); }, "shift 64 out of range for sllg");
  expect_bad([](Assembler& a) { a.sll(1, 64); }, "shift 64 out of range for sll");
  // MVC length.
  expect_bad([](Assembler& a) { a.mvc(Mem(0, 1), Mem(0, 2), 0); }, "length 0 out of range for mvc");
  expect_bad([](Assembler& a) { a.mvc(Mem(0, 1), Mem(0, 2), 257); }, "length 257");
  // Relative offsets: even, and within the field.
  expect_bad([](Assembler& a) { a.brc(8, int64_t{3}); }, "branch offset 3 is odd for brc");
  expect_bad([](Assembler& a) { a.brc(8, int64_t{65536}); }, "branch offset 65536 out of range");
  expect_bad([](Assembler& a) { a.brc(8, int64_t{-65538}); }, "for brc");
  expect_bad([](Assembler& a) { a.cgij(1, 0, 8, int64_t{65536}); }, "for cgij");
  expect_bad([](Assembler& a) { a.brcl(8, int64_t{4294967296}); }, "for brcl");
  expect_bad([](Assembler& a) { a.brasl(14, int64_t{-4294967298}); }, "for brasl");
  expect_bad([](Assembler& a) { a.larl(1, int64_t{1}); }, "is odd for larl");
}

// ---------------------------------------------------------------------------
// The table
// ---------------------------------------------------------------------------

TEST(S390xEncoder, TableIsConsistent) {
  const auto table = xtramp::s390x::insn_table();
  ASSERT_EQ(table.size(), static_cast<size_t>(Insn::count_));
  std::map<std::string_view, int> seen;
  for (const auto& row : table) {
    EXPECT_EQ(++seen[row.mnemonic], 1) << row.mnemonic << " twice";
    // The instruction-length code in the first opcode byte agrees with the format.
    const unsigned first = row.format == Format::RI_a || row.format == Format::RI_b ||
                                   row.format == Format::RI_c || row.format == Format::RIL_a ||
                                   row.format == Format::RIL_b || row.format == Format::RIL_c
                               ? row.opcode >> 4
                           : row.opcode > 0xff ? row.opcode >> 8
                                               : row.opcode;
    const unsigned ilc = first >> 6;
    const size_t want = ilc == 0 ? 2 : ilc == 3 ? 6 : 4;
    EXPECT_EQ(xtramp::s390x::insn_length(row.format), want) << row.mnemonic;
  }
  EXPECT_EQ(xtramp::s390x::insn_info(Insn::lg).mnemonic, "lg");
  EXPECT_EQ(xtramp::s390x::insn_info(Insn::lg).opcode, 0xe304);
}

// ---------------------------------------------------------------------------
// 2. GNU as, byte for byte
// ---------------------------------------------------------------------------

// Every line of s390x_oracle.s, encoded with the Assembler.
const std::map<std::string, std::function<void(Assembler&)>>& oracle_cases() {
  using A = Assembler;
  using R = int64_t;
  static const std::map<std::string, std::function<void(Assembler&)>> m = {
      {"lr %r0,%r15", [](A& a) { a.lr(0, 15); }},
      {"lr %r1,%r2", [](A& a) { a.lr(1, 2); }},
      {"ldr %f1,%f15", [](A& a) { a.ldr(1, 15); }},
      {"basr %r14,%r1", [](A& a) { a.basr(14, 1); }},
      {"basr %r0,%r15", [](A& a) { a.basr(0, 15); }},
      {"bcr 15,%r14", [](A& a) { a.br(14); }},
      {"bcr 8,%r1", [](A& a) { a.bcr(8, 1); }},
      {"bcr 0,%r0", [](A& a) { a.nopr(); }},
      {"lgr %r1,%r2", [](A& a) { a.lgr(1, 2); }},
      {"ear %r1,%a0", [](A& a) { a.ear(1, 0); }},
      {"ear %r15,%a15", [](A& a) { a.ear(15, 15); }},
      {"lgr %r15,%r0", [](A& a) { a.lgr(15, 0); }},
      {"ltgr %r2,%r2", [](A& a) { a.ltgr(2, 2); }},
      {"lcgr %r3,%r4", [](A& a) { a.lcgr(3, 4); }},
      {"lgbr %r2,%r2", [](A& a) { a.lgbr(2, 2); }},
      {"lghr %r2,%r3", [](A& a) { a.lghr(2, 3); }},
      {"agr %r1,%r2", [](A& a) { a.agr(1, 2); }},
      {"agr %r15,%r14", [](A& a) { a.agr(15, 14); }},
      {"sgr %r1,%r2", [](A& a) { a.sgr(1, 2); }},
      {"lgfr %r2,%r2", [](A& a) { a.lgfr(2, 2); }},
      {"llgfr %r2,%r7", [](A& a) { a.llgfr(2, 7); }},
      {"cgr %r1,%r2", [](A& a) { a.cgr(1, 2); }},
      {"clgr %r1,%r2", [](A& a) { a.clgr(1, 2); }},
      {"ngr %r1,%r2", [](A& a) { a.ngr(1, 2); }},
      {"ogr %r1,%r2", [](A& a) { a.ogr(1, 2); }},
      {"xgr %r1,%r1", [](A& a) { a.xgr(1, 1); }},
      {"llgcr %r2,%r2", [](A& a) { a.llgcr(2, 2); }},
      {"llghr %r2,%r2", [](A& a) { a.llghr(2, 2); }},
      {"ldgr %f0,%r2", [](A& a) { a.ldgr(0, 2); }},
      {"ldgr %f15,%r15", [](A& a) { a.ldgr(15, 15); }},
      {"lgdr %r2,%f0", [](A& a) { a.lgdr(2, 0); }},
      {"lgdr %r15,%f15", [](A& a) { a.lgdr(15, 15); }},
      {"sth %r1,8(%r15)", [](A& a) { a.sth(1, Mem(8, 15)); }},
      {"la %r1,0(%r15)", [](A& a) { a.la(1, Mem(0, 15)); }},
      {"la %r1,4095(%r2,%r3)", [](A& a) { a.la(1, Mem(4095, 2, 3)); }},
      {"la %r2,160", [](A& a) { a.la(2, Mem(160)); }},
      {"stc %r1,4095(%r15)", [](A& a) { a.stc(1, Mem(4095, 15)); }},
      {"st %r1,0(%r2,%r15)", [](A& a) { a.st(1, Mem(0, 2, 15)); }},
      {"l %r1,8(%r15)", [](A& a) { a.l(1, Mem(8, 15)); }},
      {"l %r15,4095(%r15,%r15)", [](A& a) { a.l(15, Mem(4095, 15, 15)); }},
      {"std %f0,8(%r15)", [](A& a) { a.std(0, Mem(8, 15)); }},
      {"std %f15,4095(%r1,%r2)", [](A& a) { a.std(15, Mem(4095, 1, 2)); }},
      {"ld %f0,8(%r15)", [](A& a) { a.ld(0, Mem(8, 15)); }},
      {"ld %f8,0(%r1)", [](A& a) { a.ld(8, Mem(0, 1)); }},
      {"ste %f2,8(%r15)", [](A& a) { a.ste(2, Mem(8, 15)); }},
      {"le %f4,12(%r3)", [](A& a) { a.le(4, Mem(12, 3)); }},
      {"lg %r1,8(%r15)", [](A& a) { a.lg(1, Mem(8, 15)); }},
      {"lg %r1,-8(%r2,%r15)", [](A& a) { a.lg(1, Mem(-8, 2, 15)); }},
      {"lg %r0,-524288(%r1)", [](A& a) { a.lg(0, Mem(-524288, 1)); }},
      {"lg %r0,524287(%r1)", [](A& a) { a.lg(0, Mem(524287, 1)); }},
      {"lg %r5,4096(%r15)", [](A& a) { a.lg(5, Mem(4096, 15)); }},
      {"lg %r5,-1(%r15)", [](A& a) { a.lg(5, Mem(-1, 15)); }},
      {"lgf %r1,8(%r15)", [](A& a) { a.lgf(1, Mem(8, 15)); }},
      {"lgh %r1,-2(%r15)", [](A& a) { a.lgh(1, Mem(-2, 15)); }},
      {"llgf %r1,8(%r15)", [](A& a) { a.llgf(1, Mem(8, 15)); }},
      {"stg %r1,524287(%r15)", [](A& a) { a.stg(1, Mem(524287, 15)); }},
      {"stg %r14,112(%r15)", [](A& a) { a.stg(14, Mem(112, 15)); }},
      {"sty %r1,-4(%r15)", [](A& a) { a.sty(1, Mem(-4, 15)); }},
      {"ly %r1,-4(%r15)", [](A& a) { a.ly(1, Mem(-4, 15)); }},
      {"sthy %r1,100000(%r2)", [](A& a) { a.sthy(1, Mem(100000, 2)); }},
      {"lay %r15,-160(%r15)", [](A& a) { a.lay(15, Mem(-160, 15)); }},
      {"ltg %r1,-28672(%r1)", [](A& a) { a.ltg(1, Mem(-28672, 1)); }},
      {"lay %r1,-524288(%r2,%r3)", [](A& a) { a.lay(1, Mem(-524288, 2, 3)); }},
      {"stcy %r1,-1(%r2)", [](A& a) { a.stcy(1, Mem(-1, 2)); }},
      {"lgb %r1,0(%r2)", [](A& a) { a.lgb(1, Mem(0, 2)); }},
      {"llgc %r1,0(%r2)", [](A& a) { a.llgc(1, Mem(0, 2)); }},
      {"llgh %r1,2(%r2)", [](A& a) { a.llgh(1, Mem(2, 2)); }},
      {"ley %f1,-4(%r2)", [](A& a) { a.ley(1, Mem(-4, 2)); }},
      {"ldy %f2,-8(%r15)", [](A& a) { a.ldy(2, Mem(-8, 15)); }},
      {"ldy %f2,4096(%r15)", [](A& a) { a.ldy(2, Mem(4096, 15)); }},
      {"stey %f1,-4(%r2)", [](A& a) { a.stey(1, Mem(-4, 2)); }},
      {"stdy %f2,-8(%r15)", [](A& a) { a.stdy(2, Mem(-8, 15)); }},
      {"srl %r1,3", [](A& a) { a.srl(1, 3); }},
      {"sll %r1,31", [](A& a) { a.sll(1, 31); }},
      {"sra %r1,3(%r2)", [](A& a) { a.sra(1, 3, 2); }},
      {"stmg %r6,%r15,48(%r15)", [](A& a) { a.stmg(6, 15, Mem(48, 15)); }},
      {"stmg %r2,%r5,-524288(%r1)", [](A& a) { a.stmg(2, 5, Mem(-524288, 1)); }},
      {"laag %r0,%r0,0(%r1)", [](A& a) { a.laag(0, 0, Mem(0, 1)); }},
      {"laag %r2,%r3,-8(%r15)", [](A& a) { a.laag(2, 3, Mem(-8, 15)); }},
      {"lmg %r6,%r15,208(%r15)", [](A& a) { a.lmg(6, 15, Mem(208, 15)); }},
      {"lmg %r0,%r15,524287(%r15)", [](A& a) { a.lmg(0, 15, Mem(524287, 15)); }},
      {"srag %r1,%r2,63", [](A& a) { a.srag(1, 2, 63); }},
      {"srlg %r1,%r2,0(%r3)", [](A& a) { a.srlg(1, 2, 0, 3); }},
      {"sllg %r1,%r2,3", [](A& a) { a.sllg(1, 2, 3); }},
      {"lghi %r1,-1", [](A& a) { a.lghi(1, -1); }},
      {"lghi %r1,32767", [](A& a) { a.lghi(1, 32767); }},
      {"lghi %r1,-32768", [](A& a) { a.lghi(1, -32768); }},
      {"aghi %r15,-160", [](A& a) { a.aghi(15, -160); }},
      {"aghi %r15,160", [](A& a) { a.aghi(15, 160); }},
      {"mghi %r1,-3", [](A& a) { a.mghi(1, -3); }},
      {"tmll %r0,1", [](A& a) { a.tmll(0, 1); }},
      {"tmll %r15,65535", [](A& a) { a.tmll(15, 65535); }},
      {"cghi %r2,0", [](A& a) { a.cghi(2, 0); }},
      {"brc 8,.+8", [](A& a) { a.brc(8, R{8}); }},
      {"brc 15,.-4", [](A& a) { a.brc(15, R{-4}); }},
      {"brc 0,.", [](A& a) { a.nop4(); }},
      {"brc 7,.+65534", [](A& a) { a.brc(7, R{65534}); }},
      {"brc 4,.-65536", [](A& a) { a.brc(4, R{-65536}); }},
      {"brctg %r1,.-8", [](A& a) { a.brctg(1, R{-8}); }},
      {"larl %r1,.+0x100", [](A& a) { a.larl(1, R{0x100}); }},
      {"lgfi %r1,2147483647", [](A& a) { a.lgfi(1, 2147483647); }},
      {"lgfi %r1,-2147483648", [](A& a) { a.lgfi(1, -2147483648LL); }},
      {"brcl 0,.", [](A& a) { a.nop6(); }},
      {"brcl 15,.+6", [](A& a) { a.brcl(15, R{6}); }},
      {"brcl 8,.-4294967296", [](A& a) { a.brcl(8, R{-4294967296}); }},
      {"brcl 2,.+4294967294", [](A& a) { a.brcl(2, R{4294967294}); }},
      {"brasl %r14,.+12", [](A& a) { a.brasl(14, R{12}); }},
      {"brasl %r14,.-12", [](A& a) { a.brasl(14, R{-12}); }},
      {"iihf %r1,0xffffffff", [](A& a) { a.iihf(1, 0xffffffff); }},
      {"iilf %r1,0x12345678", [](A& a) { a.iilf(1, 0x12345678); }},
      {"llihf %r1,0xffffffff", [](A& a) { a.llihf(1, 0xffffffff); }},
      {"llilf %r1,0", [](A& a) { a.llilf(1, 0); }},
      {"agfi %r1,-2147483648", [](A& a) { a.agfi(1, -2147483648LL); }},
      {"agfi %r1,1", [](A& a) { a.agfi(1, 1); }},
      {"cgfi %r2,-5", [](A& a) { a.cgfi(2, -5); }},
      {"clgfi %r2,4294967295", [](A& a) { a.clgfi(2, 4294967295LL); }},
      {"lgrl %r1,.+8", [](A& a) { a.lgrl(1, R{8}); }},
      {"stgrl %r1,.-8", [](A& a) { a.stgrl(1, R{-8}); }},
      {"cgrj %r1,%r2,8,.+6", [](A& a) { a.cgrj(1, 2, 8, R{6}); }},
      {"clgrj %r1,%r2,4,.-6", [](A& a) { a.clgrj(1, 2, 4, R{-6}); }},
      {"cgij %r2,-128,8,.+8", [](A& a) { a.cgij(2, -128, 8, R{8}); }},
      {"cgij %r2,127,2,.+65534", [](A& a) { a.cgij(2, 127, 2, R{65534}); }},
      {"clgij %r2,255,2,.-65536", [](A& a) { a.clgij(2, 255, 2, R{-65536}); }},
      {"clgij %r2,0,12,.+6", [](A& a) { a.clgij(2, 0, 12, R{6}); }},
      {"mvc 0(256,%r1),8(%r15)", [](A& a) { a.mvc(Mem(0, 1), Mem(8, 15), 256); }},
      {"mvc 0(1,%r1),8(%r15)", [](A& a) { a.mvc(Mem(0, 1), Mem(8, 15), 1); }},
      {"mvc 4095(16,%r1),0(%r2)", [](A& a) { a.mvc(Mem(4095, 1), Mem(0, 2), 16); }},
      {"mvc 160(8,%r15),4095(%r14)", [](A& a) { a.mvc(Mem(160, 15), Mem(4095, 14), 8); }},
      {"mvghi 8(%r15),-1", [](A& a) { a.mvghi(Mem(8, 15), -1); }},
      {"mvghi 4095(%r1),32767", [](A& a) { a.mvghi(Mem(4095, 1), 32767); }},
      {"mvhi 8(%r15),5", [](A& a) { a.mvhi(Mem(8, 15), 5); }},
      {"mvhi 0(%r2),-32768", [](A& a) { a.mvhi(Mem(0, 2), -32768); }},
  };
  return m;
}

TEST(S390xEncoder, MatchesGnuAsByteForByte) {
#if !defined(XTRAMP_HAVE_S390X_ORACLE)
  GTEST_SKIP() << "no s390x GNU assembler (s390x-linux-gnu-as) when this was configured";
#else
  const auto& cases = oracle_cases();
  std::map<std::string, int> used;
  size_t pos = 0;
  const size_t total = sizeof(kOracleCode);
  for (const char* line : kOracleSource) {
    ASSERT_LT(pos, total) << "GNU as produced fewer instructions than s390x_oracle.s has lines";
    const unsigned ilc = kOracleCode[pos] >> 6;
    const size_t len = ilc == 0 ? 2 : ilc == 3 ? 6 : 4;
    ASSERT_LE(pos + len, total);
    const std::vector<uint8_t> want(kOracleCode + pos, kOracleCode + pos + len);
    pos += len;
    const auto it = cases.find(line);
    if (it == cases.end()) {
      ADD_FAILURE() << "s390x_oracle.s line \"" << line << "\" has no encoder case";
      continue;
    }
    ++used[line];
    Assembler a;
    it->second(a);
    EXPECT_EQ(a.bytes(), want)
        << line << "\n  GNU as:  " << xtramp::format_disasm(xtramp::disassemble(Arch::s390x, want))
        << "  encoder: " << xtramp::format_disasm(xtramp::disassemble(Arch::s390x, a.bytes()));
  }
  // GNU as pads .text to its alignment with "nopr %r7" (07 07).
  for (; pos + 1 < total; pos += 2) {
    EXPECT_EQ(kOracleCode[pos], 0x07);
    EXPECT_EQ(kOracleCode[pos + 1], 0x07);
  }
  EXPECT_EQ(pos, total);
  for (const auto& [text, fn] : cases) EXPECT_EQ(used[text], 1) << "case \"" << text << "\"";
  // Every instruction of the table is in the oracle at least once.
  for (const auto& row : xtramp::s390x::insn_table()) {
    bool found = false;
    for (const char* line : kOracleSource) {
      std::string_view l(line);
      if (l.substr(0, l.find(' ')) == row.mnemonic) found = true;
    }
    EXPECT_TRUE(found) << row.mnemonic << " is not in s390x_oracle.s";
  }
#endif
}

// ---------------------------------------------------------------------------
// 3. Running the code (s390x only)
// ---------------------------------------------------------------------------

// The code in its own mapping: written while PROT_READ|PROT_WRITE, then
// switched to PROT_READ|PROT_EXEC (never writable and executable at once).
class ExecCode {
 public:
  explicit ExecCode(const std::vector<uint8_t>& code) {
    const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    size_ = (code.size() + page - 1) / page * page;
    void* p = mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::runtime_error("mmap failed");
    std::memcpy(p, code.data(), code.size());
    __builtin___clear_cache(static_cast<char*>(p), static_cast<char*>(p) + code.size());
    if (mprotect(p, size_, PROT_READ | PROT_EXEC) != 0) {
      munmap(p, size_);
      throw std::runtime_error("mprotect failed");
    }
    mem_ = p;
  }
  ~ExecCode() { munmap(mem_, size_); }
  ExecCode(const ExecCode&) = delete;
  ExecCode& operator=(const ExecCode&) = delete;

  template <class Fn>
  Fn fn(size_t offset = 0) const {
    return reinterpret_cast<Fn>(static_cast<char*>(mem_) + offset);
  }
  uintptr_t address() const { return reinterpret_cast<uintptr_t>(mem_); }

 private:
  void* mem_ = nullptr;
  size_t size_ = 0;
};

#if defined(__s390x__)
#define XTRAMP_REQUIRE_S390X() static_cast<void>(0)
#else
#define XTRAMP_REQUIRE_S390X() \
  GTEST_SKIP() << "generated s390x code can only run on s390x (natively or under qemu-s390x)"
#endif

using U2 = uint64_t (*)(uint64_t, uint64_t);
using U1 = uint64_t (*)(uint64_t);

// Standard frame: save r6-r15 in the caller's register save area, allocate
// 160 bytes (the ABI's minimum frame) with a back chain.
void prologue(Assembler& a) {
  a.stmg(6, 15, Mem(48, 15));
  a.lgr(1, 15);
  a.aghi(15, -160);
  a.stg(1, Mem(0, 15));
}
void epilogue(Assembler& a) {
  a.lmg(6, 15, Mem(160 + 48, 15));
  a.br(14);
}

TEST(S390xEncoderRun, AddAndReturn) {
  XTRAMP_REQUIRE_S390X();
  Assembler a;
  a.lgr(1, 2);
  a.agr(1, 3);
  a.lgr(2, 1);
  a.br(14);
  ExecCode code(a.finish());
  EXPECT_EQ(code.fn<U2>()(40, 2), 42u);
  EXPECT_EQ(code.fn<U2>()(static_cast<uint64_t>(-5), 3), static_cast<uint64_t>(-2));
}

// The thread pointer as the inline program path reads it: a0 (bits 0-31) and
// a1 (bits 32-63), combined with EAR, SLLG, EAR; the same value as the
// compiler's.
TEST(S390xEncoderRun, ThreadPointerFromAccessRegisters) {
  XTRAMP_REQUIRE_S390X();
#if defined(__s390x__)
  Assembler a;
  a.ear(2, 0);
  a.sllg(2, 2, 32);
  a.ear(2, 1);
  a.br(14);
  ExecCode code(a.finish());
  EXPECT_EQ(code.fn<U1>()(0), reinterpret_cast<uint64_t>(__builtin_thread_pointer()));
  // EAR leaves bits 0-31 of its register as they were.
  Assembler b;
  b.ear(2, 1);
  b.br(14);
  ExecCode code_b(b.finish());
  const uint64_t low = reinterpret_cast<uint64_t>(__builtin_thread_pointer()) & 0xffffffff;
  EXPECT_EQ(code_b.fn<U1>()(0xabcdef0100000000), 0xabcdef0100000000 | low);
#endif
}

// TMLL sets cc3 when every selected bit is one, cc0 when none is: r2 = 1, 0.
TEST(S390xEncoderRun, TestUnderMask) {
  XTRAMP_REQUIRE_S390X();
  Assembler a;
  Label ones = a.new_label();
  a.tmll(2, 0x11);
  a.brc(cond::o, ones);
  a.lghi(2, 0);
  a.br(14);
  a.bind(ones);
  a.lghi(2, 1);
  a.br(14);
  ExecCode code(a.finish());
  EXPECT_EQ(code.fn<U1>()(0x10011), 1u);
  EXPECT_EQ(code.fn<U1>()(0x10010), 0u);
  EXPECT_EQ(code.fn<U1>()(0x10000), 0u);
}

TEST(S390xEncoderRun, ArithmeticAndLogic) {
  XTRAMP_REQUIRE_S390X();
  struct Case {
    const char* name;
    std::function<void(Assembler&)> body;  // r2, r3 in; r2 out
    uint64_t x, y, want;
  };
  const uint64_t k = 0x8000000000000000;
  const Case cases[] = {
      {"sgr", [](Assembler& a) { a.sgr(2, 3); }, 10, 3, 7},
      {"aghi", [](Assembler& a) { a.aghi(2, -32768); }, 0, 0, static_cast<uint64_t>(-32768)},
      {"agfi", [](Assembler& a) { a.agfi(2, 2147483647); }, 1, 0, 2147483648u},
      {"mghi", [](Assembler& a) { a.mghi(2, -3); }, 7, 0, static_cast<uint64_t>(-21)},
      {"lcgr", [](Assembler& a) { a.lcgr(2, 3); }, 0, 5, static_cast<uint64_t>(-5)},
      {"ngr", [](Assembler& a) { a.ngr(2, 3); }, 0xff00ff, 0x0ff0f0, 0x0f00f0},
      {"ogr", [](Assembler& a) { a.ogr(2, 3); }, 0xf0, 0x0f, 0xff},
      {"xgr", [](Assembler& a) { a.xgr(2, 3); }, 0xff, 0x0f, 0xf0},
      {"sllg", [](Assembler& a) { a.sllg(2, 3, 63); }, 0, 1, k},
      {"srlg", [](Assembler& a) { a.srlg(2, 3, 4); }, 0, k, k >> 4},
      {"srag", [](Assembler& a) { a.srag(2, 3, 4); }, 0, k, 0xf800000000000000},
      {"srlg by register", [](Assembler& a) { a.srlg(2, 2, 0, 3); }, 0x100, 8, 1},
      // 32-bit shifts change only the low word.
      {"sll", [](Assembler& a) { a.sll(2, 4); }, 0x123456789, 0, 0x134567890},
      {"srl", [](Assembler& a) { a.srl(2, 4); }, 0xaaaaaaaa80000000, 0, 0xaaaaaaaa08000000},
      {"sra", [](Assembler& a) { a.sra(2, 4); }, 0xaaaaaaaa80000000, 0, 0xaaaaaaaaf8000000},
      {"lgbr", [](Assembler& a) { a.lgbr(2, 3); }, 0, 0x1280, static_cast<uint64_t>(-128)},
      {"lghr", [](Assembler& a) { a.lghr(2, 3); }, 0, 0x128000, static_cast<uint64_t>(-32768)},
      {"llgcr", [](Assembler& a) { a.llgcr(2, 3); }, 0, 0x1280, 0x80},
      {"llghr", [](Assembler& a) { a.llghr(2, 3); }, 0, 0x128000, 0x8000},
      {"lgfr", [](Assembler& a) { a.lgfr(2, 3); }, 0, 0x180000000, 0xffffffff80000000},
      {"llgfr", [](Assembler& a) { a.llgfr(2, 3); }, 0, 0x180000000, 0x80000000},
      {"lr", [](Assembler& a) { a.lr(2, 3); }, 0x1111111122222222, 0x33333333, 0x1111111133333333},
      {"la", [](Assembler& a) { a.la(2, Mem(4095, 2, 3)); }, 100, 1, 100 + 1 + 4095},
      {"lay", [](Assembler& a) { a.lay(2, Mem(-524288, 3)); }, 0, 1000000, 1000000 - 524288},
  };
  for (const Case& c : cases) {
    Assembler a;
    c.body(a);
    a.br(14);
    ExecCode code(a.finish());
    EXPECT_EQ(code.fn<U2>()(c.x, c.y), c.want) << c.name;
  }
}

TEST(S390xEncoderRun, LoadImm64) {
  XTRAMP_REQUIRE_S390X();
  for (uint64_t v :
       {uint64_t{0}, uint64_t{1}, static_cast<uint64_t>(-1), uint64_t{32767}, uint64_t{32768},
        static_cast<uint64_t>(-32769), uint64_t{0x7fffffff}, uint64_t{0x80000000},
        uint64_t{0xffffffff}, uint64_t{0x100000000}, uint64_t{0x123456789abcdef0},
        uint64_t{0xffffffff00000001}, uint64_t{0x8000000000000000}}) {
    for (bool fixed : {false, true}) {
      Assembler a;
      a.lghi(2, 0x5555);  // must be overwritten entirely
      if (fixed)
        a.load_imm64_fixed(2, v);
      else
        a.load_imm64(2, v);
      a.br(14);
      ExecCode code(a.finish());
      EXPECT_EQ(code.fn<U1>()(0), v) << std::hex << v << (fixed ? " fixed" : "");
    }
  }
}

TEST(S390xEncoderRun, StackFrameSavesAndRestoresRegisters) {
  XTRAMP_REQUIRE_S390X();
  // inner(x, y) = 3x + y, computed in the callee-saved r6-r13 and in a stack
  // slot of its frame. outer(x, y) sets r6-r13 to 6..13, calls inner, and
  // returns 1000 * inner(x, y) + (r6 + ... + r13): 76 only if inner's
  // stmg/lmg gave them back.
  Assembler in;
  prologue(in);
  in.lgr(6, 2);
  in.lgr(7, 6);
  in.agr(7, 6);
  in.agr(7, 6);
  in.lgr(8, 3);
  for (unsigned r = 9; r <= 13; ++r) in.lghi(r, -1);
  in.stg(7, Mem(152, 15));
  in.lg(9, Mem(152, 15));
  in.agr(9, 8);
  in.lgr(2, 9);
  epilogue(in);
  ExecCode inner(in.finish());
  EXPECT_EQ(inner.fn<U2>()(5, 7), 22u);

  Assembler out;
  prologue(out);
  for (unsigned r = 6; r <= 13; ++r) out.lghi(r, r);
  out.load_imm64(1, inner.address());
  out.basr(14, 1);
  out.mghi(2, 1000);
  for (unsigned r = 6; r <= 13; ++r) out.agr(2, r);
  epilogue(out);
  ExecCode outer(out.finish());
  EXPECT_EQ(outer.fn<U2>()(100, 1), 301u * 1000 + 76);
}

uint64_t c_callee(uint64_t x) {
  return x * 2 + 1;
}

TEST(S390xEncoderRun, CallsCFunctionAndLocalSubroutine) {
  XTRAMP_REQUIRE_S390X();
  // f(x) = c_callee(x) + 100, the +100 done by a local subroutine via brasl.
  Assembler a;
  Label sub = a.new_label();
  prologue(a);
  a.load_imm64(1, reinterpret_cast<uintptr_t>(&c_callee));
  a.basr(14, 1);
  a.brasl(14, sub);
  epilogue(a);
  a.bind(sub);
  a.aghi(2, 100);
  a.br(14);
  ExecCode code(a.finish());
  EXPECT_EQ(code.fn<U1>()(20), 141u);
}

TEST(S390xEncoderRun, Loops) {
  XTRAMP_REQUIRE_S390X();
  {
    // sum 1..n with brc: n counts down, loop while the result is not zero.
    Assembler a;
    Label loop = a.new_label(), done = a.new_label();
    a.lghi(1, 0);
    a.ltgr(2, 2);
    a.brc(cond::e, done);
    a.bind(loop);
    a.agr(1, 2);
    a.aghi(2, -1);
    a.brc(cond::ne, loop);
    a.bind(done);
    a.lgr(2, 1);
    a.br(14);
    ExecCode code(a.finish());
    EXPECT_EQ(code.fn<U1>()(0), 0u);
    EXPECT_EQ(code.fn<U1>()(10), 55u);
    EXPECT_EQ(code.fn<U1>()(1000), 500500u);
  }
  {
    // brctg: r2 = 3 * r3 by counting r3 down.
    Assembler a;
    Label loop = a.new_label();
    a.lghi(2, 0);
    a.bind(loop);
    a.aghi(2, 3);
    a.brctg(3, loop);
    a.br(14);
    ExecCode code(a.finish());
    EXPECT_EQ(code.fn<U2>()(0, 7), 21u);
  }
}

TEST(S390xEncoderRun, CompareAndBranch) {
  XTRAMP_REQUIRE_S390X();
  // Each returns 1 if the branch is taken, else 0.
  auto run = [](const std::function<void(Assembler&, Label)>& cmp, uint64_t x, uint64_t y) {
    Assembler a;
    Label taken = a.new_label();
    cmp(a, taken);
    a.lghi(2, 0);
    a.br(14);
    a.bind(taken);
    a.lghi(2, 1);
    a.br(14);
    ExecCode code(a.finish());
    return code.fn<U2>()(x, y);
  };
  const uint64_t m1 = static_cast<uint64_t>(-1);
  auto cgrj_l = [](Assembler& a, Label t) { a.cgrj(2, 3, cond::l, t); };
  auto clgrj_l = [](Assembler& a, Label t) { a.clgrj(2, 3, cond::l, t); };
  EXPECT_EQ(run(cgrj_l, m1, 1), 1u);   // -1 < 1 signed
  EXPECT_EQ(run(clgrj_l, m1, 1), 0u);  // not unsigned
  auto cgij_e = [](Assembler& a, Label t) { a.cgij(2, -128, cond::e, t); };
  EXPECT_EQ(run(cgij_e, static_cast<uint64_t>(-128), 0), 1u);
  EXPECT_EQ(run(cgij_e, 128, 0), 0u);
  auto clgij_h = [](Assembler& a, Label t) { a.clgij(2, 255, cond::h, t); };
  EXPECT_EQ(run(clgij_h, 256, 0), 1u);
  EXPECT_EQ(run(clgij_h, 255, 0), 0u);
  auto cghi_le = [](Assembler& a, Label t) {
    a.cghi(2, -5);
    a.brc(cond::le, t);
  };
  EXPECT_EQ(run(cghi_le, static_cast<uint64_t>(-6), 0), 1u);
  EXPECT_EQ(run(cghi_le, static_cast<uint64_t>(-4), 0), 0u);
  auto cgfi_h = [](Assembler& a, Label t) {
    a.cgfi(2, -2147483648LL);
    a.brcl(cond::h, t);
  };
  EXPECT_EQ(run(cgfi_h, 0, 0), 1u);
  EXPECT_EQ(run(cgfi_h, static_cast<uint64_t>(-2147483648LL), 0), 0u);
  auto clgfi_he = [](Assembler& a, Label t) {
    a.clgfi(2, 0xffffffff);
    a.brc(cond::he, t);
  };
  EXPECT_EQ(run(clgfi_he, 0xffffffff, 0), 1u);
  EXPECT_EQ(run(clgfi_he, 0xfffffffe, 0), 0u);
  auto cgr_h = [](Assembler& a, Label t) {
    a.cgr(2, 3);
    a.brc(cond::h, t);
  };
  EXPECT_EQ(run(cgr_h, 2, 1), 1u);
  EXPECT_EQ(run(cgr_h, m1, 1), 0u);
  auto clgr_h = [](Assembler& a, Label t) {
    a.clgr(2, 3);
    a.brc(cond::h, t);
  };
  EXPECT_EQ(run(clgr_h, m1, 1), 1u);
  auto never = [](Assembler& a, Label t) {
    a.nop4();
    a.nop6();
    a.nopr();
    a.brc(cond::never, t);
  };
  EXPECT_EQ(run(never, 0, 0), 0u);
  auto bcr_always = [](Assembler& a, Label t) {
    a.larl(1, t);
    a.bcr(cond::always, 1);
  };
  EXPECT_EQ(run(bcr_always, 0, 0), 1u);
}

TEST(S390xEncoderRun, LoadsFromMemory) {
  XTRAMP_REQUIRE_S390X();
  // f(src, out): out[i] = the i-th load from src (memory is big-endian).
  alignas(8) uint8_t src[16];
  for (int i = 0; i < 16; ++i) src[i] = static_cast<uint8_t>(0x80 + i);
  auto be = [&](int off, int n) {
    uint64_t v = 0;
    for (int i = 0; i < n; ++i) v = v << 8 | src[off + i];
    return v;
  };
  auto sext = [](uint64_t v, int bits) {
    const int s = 64 - bits;
    return static_cast<uint64_t>(static_cast<int64_t>(v << s) >> s);
  };
  Assembler a;
  int slot = 0;
  auto store = [&] { a.stg(1, Mem(8 * slot++, 3)); };
  a.lgb(1, Mem(0, 2)), store();
  a.llgc(1, Mem(0, 2)), store();
  a.lgh(1, Mem(2, 2)), store();
  a.llgh(1, Mem(2, 2)), store();
  a.lgf(1, Mem(4, 2)), store();
  a.llgf(1, Mem(4, 2)), store();
  a.lg(1, Mem(8, 2)), store();
  a.lghi(1, -1), a.l(1, Mem(4, 2)), store();  // replaces the low word only
  a.la(4, Mem(16, 2));
  a.lghi(1, 0), a.ly(1, Mem(-12, 4)), store();
  a.lghi(5, 8);
  a.lg(1, Mem(-16, 5, 4)), store();  // index + base + negative displacement
  a.lmg(0, 1, Mem(0, 2));            // r0 = src[0..7], r1 = src[8..15]
  a.stg(0, Mem(8 * slot++, 3));
  store();
  a.br(14);
  ExecCode code(a.finish());
  uint64_t out[12] = {};
  code.fn<void (*)(const uint8_t*, uint64_t*)>()(src, out);
  EXPECT_EQ(out[0], sext(be(0, 1), 8));
  EXPECT_EQ(out[1], be(0, 1));
  EXPECT_EQ(out[2], sext(be(2, 2), 16));
  EXPECT_EQ(out[3], be(2, 2));
  EXPECT_EQ(out[4], sext(be(4, 4), 32));
  EXPECT_EQ(out[5], be(4, 4));
  EXPECT_EQ(out[6], be(8, 8));
  EXPECT_EQ(out[7], 0xffffffff00000000 | be(4, 4));
  EXPECT_EQ(out[8], be(4, 4));
  EXPECT_EQ(out[9], be(8, 8));
  EXPECT_EQ(out[10], be(0, 8));
  EXPECT_EQ(out[11], be(8, 8));
}

TEST(S390xEncoderRun, StoresToMemory) {
  XTRAMP_REQUIRE_S390X();
  // g(v, dst) stores v (and dst) in every width; the bytes are big-endian.
  Assembler a;
  a.stg(2, Mem(0, 3));
  a.st(2, Mem(8, 3));
  a.sth(2, Mem(12, 3));
  a.stc(2, Mem(14, 3));
  a.sty(2, Mem(16, 3));
  a.sthy(2, Mem(20, 3));
  a.stcy(2, Mem(22, 3));
  a.mvc(Mem(24, 3), Mem(0, 3), 8);
  a.mvghi(Mem(32, 3), -2);
  a.mvhi(Mem(40, 3), 7);
  a.stmg(2, 3, Mem(48, 3));
  a.br(14);
  ExecCode code(a.finish());
  uint8_t dst[64];
  std::memset(dst, 0xee, sizeof dst);
  const uint64_t v = 0x0102030405060708;
  code.fn<void (*)(uint64_t, uint8_t*)>()(v, dst);
  auto be = [](uint64_t x, int n) {  // the low n bytes of x, big-endian
    std::vector<uint8_t> r;
    for (int i = n - 1; i >= 0; --i) r.push_back(static_cast<uint8_t>(x >> (8 * i)));
    return r;
  };
  auto bytes = [&](int off, int n) { return std::vector<uint8_t>(dst + off, dst + off + n); };
  EXPECT_EQ(bytes(0, 8), be(v, 8));
  EXPECT_EQ(bytes(8, 4), be(v, 4));
  EXPECT_EQ(bytes(12, 2), be(v, 2));
  EXPECT_EQ(bytes(14, 1), be(v, 1));
  EXPECT_EQ(bytes(15, 1), std::vector<uint8_t>{0xee});
  EXPECT_EQ(bytes(16, 4), be(v, 4));
  EXPECT_EQ(bytes(20, 2), be(v, 2));
  EXPECT_EQ(bytes(22, 1), be(v, 1));
  EXPECT_EQ(bytes(23, 1), std::vector<uint8_t>{0xee});
  EXPECT_EQ(bytes(24, 8), be(v, 8));
  EXPECT_EQ(bytes(32, 8), be(static_cast<uint64_t>(-2), 8));
  EXPECT_EQ(bytes(40, 4), be(7, 4));
  EXPECT_EQ(bytes(44, 4), be(0xeeeeeeee, 4));
  EXPECT_EQ(bytes(48, 8), be(v, 8));
  EXPECT_EQ(bytes(56, 8), be(reinterpret_cast<uintptr_t>(dst), 8));
}

TEST(S390xEncoderRun, FloatingPoint) {
  XTRAMP_REQUIRE_S390X();
  {
    // double f(double* p): p[1] = p[0] (ld/std), p[2] = p[1] (ldy/stdy),
    // returns p[0] * 1 through ldr.
    Assembler a;
    a.ld(2, Mem(0, 2));
    a.std(2, Mem(8, 2));
    a.ldy(4, Mem(8, 2));
    a.stdy(4, Mem(16, 2));
    a.ldr(0, 4);
    a.br(14);
    ExecCode code(a.finish());
    double p[3] = {3.25, 0, 0};
    EXPECT_EQ(code.fn<double (*)(double*)>()(p), 3.25);
    EXPECT_EQ(p[1], 3.25);
    EXPECT_EQ(p[2], 3.25);
  }
  {
    // float g(float* p): the same with le/ste/ley/stey.
    Assembler a;
    a.le(2, Mem(0, 2));
    a.ste(2, Mem(4, 2));
    a.ley(0, Mem(4, 2));
    a.stey(0, Mem(8, 2));
    a.br(14);
    ExecCode code(a.finish());
    float p[3] = {-1.5f, 0, 0};
    EXPECT_EQ(code.fn<float (*)(float*)>()(p), -1.5f);
    EXPECT_EQ(p[1], -1.5f);
    EXPECT_EQ(p[2], -1.5f);
  }
  {
    // Bits between GPRs and FPRs: lgdr / ldgr.
    Assembler a;
    a.lgdr(2, 0);
    a.br(14);
    ExecCode to_bits(a.finish());
    Assembler b;
    b.ldgr(0, 2);
    b.br(14);
    ExecCode from_bits(b.finish());
    const double d = -2.0e-300;
    uint64_t bits;
    std::memcpy(&bits, &d, 8);
    EXPECT_EQ(to_bits.fn<uint64_t (*)(double)>()(d), bits);
    EXPECT_EQ(from_bits.fn<double (*)(uint64_t)>()(bits), d);
  }
}

TEST(S390xEncoderRun, PcRelative) {
  XTRAMP_REQUIRE_S390X();
  // lgrl loads an 8-byte aligned literal; larl gives its address.
  Assembler a;
  Label lit = a.new_label();
  a.lgrl(2, lit);
  a.br(14);
  const size_t larl_at = a.size();
  a.larl(2, lit);
  a.br(14);
  a.align(8);
  a.bind(lit);
  a.data64(0x1122334455667788);
  ExecCode code(a.finish());
  EXPECT_EQ(code.fn<U1>()(0), 0x1122334455667788u);
  EXPECT_EQ(code.fn<U1>(larl_at)(0), code.address() + a.label_offset(lit));
}

}  // namespace
