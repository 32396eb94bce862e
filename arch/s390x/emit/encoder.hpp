// A small table-driven s390x (z/Architecture) instruction encoder: the
// assembler the s390x trampoline emitter is built on (xbyak and asmjit play
// this role on x86-64 and arm64; no library encodes s390x).
//
// Instruction formats and field names follow the z/Architecture Principles of
// Operation (SA22-7832, chapter 5 "Instruction Formats"); bit positions below
// are counted from the leftmost bit of the instruction, as there. Every
// instruction is one row of a table {mnemonic, format, opcode, immediate
// kind}; each format has exactly one encoder. Code is emitted big-endian
// (s390x byte order) whatever the host.
//
// Operands are checked: a register outside 0..15, a displacement, immediate,
// length or branch offset its field cannot hold throws
// xtramp::Error(Errc::bad_request, "s390x: displacement 600000 out of range
// for lg (-524288..524287)"). Nothing is ever truncated silently.
//
// Registers are plain numbers, 0..15, for general (%rN) and floating-point
// (%fN) registers alike. Base or index register 0 means "none" (r0 cannot
// address memory on s390x).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace xtramp::s390x {

// The instruction formats the encoder knows (POP names).
enum class Format : uint8_t {
  RR,     // op:8 R1:4 R2:4                                          2 bytes
  RRE,    // op:16 ////:8 R1:4 R2:4                                  4 bytes
  RX_a,   // op:8 R1:4 X2:4 B2:4 D2:12                               4 bytes
  RXY_a,  // op:8 R1:4 X2:4 B2:4 DL2:12 DH2:8 op:8                   6 bytes
  RS_a,   // op:8 R1:4 R3:4 B2:4 D2:12                               4 bytes
  RSY_a,  // op:8 R1:4 R3:4 B2:4 DL2:12 DH2:8 op:8                   6 bytes
  RI_a,   // op:8 R1:4 op:4 I2:16                                    4 bytes
  RI_b,   // op:8 R1:4 op:4 RI2:16                                   4 bytes
  RI_c,   // op:8 M1:4 op:4 RI2:16                                   4 bytes
  RIL_a,  // op:8 R1:4 op:4 I2:32                                    6 bytes
  RIL_b,  // op:8 R1:4 op:4 RI2:32                                   6 bytes
  RIL_c,  // op:8 M1:4 op:4 RI2:32                                   6 bytes
  RIE_b,  // op:8 R1:4 R2:4 RI4:16 M3:4 ////:4 op:8                  6 bytes
  RIE_c,  // op:8 R1:4 M3:4 RI4:16 I2:8 op:8                         6 bytes
  SS_a,   // op:8 L:8 B1:4 D1:12 B2:4 D2:12                          6 bytes
  SIL,    // op:16 B1:4 D1:12 I2:16                                  6 bytes
};

// What the immediate field of an instruction holds.
enum class ImmKind : uint8_t { none, s8, u8, s16, u16, s32, u32 };

// One row per instruction. `opcode` holds the opcode bits in order: 8 bits
// (RR, RX, RS, SS), 16 bits (RRE, SIL; and RXY/RSY/RIE, whose two opcode
// bytes are the first and last byte of the instruction), or 12 bits (RI,
// RIL: the 8-bit opcode then the 4-bit extension in bits 12-15).
struct InsnInfo {
  std::string_view mnemonic;
  Format format;
  uint16_t opcode;
  ImmKind imm;
};

// clang-format off
#define XTRAMP_S390X_INSNS(X)                                                                 \
  /* RR */                                                                                    \
  X(lr,    RR,    0x18,   none) /* load (32)                          LR R1,R2             */ \
  X(ldr,   RR,    0x28,   none) /* load (long FPR)                    LDR R1,R2            */ \
  X(basr,  RR,    0x0d,   none) /* branch and save                    BASR R1,R2           */ \
  X(bcr,   RR,    0x07,   none) /* branch on condition                BCR M1,R2            */ \
  /* RRE */                                                                                   \
  X(lgr,   RRE,   0xb904, none) /* load (64)                          LGR R1,R2            */ \
  X(ltgr,  RRE,   0xb902, none) /* load and test (64)                 LTGR R1,R2           */ \
  X(lcgr,  RRE,   0xb903, none) /* load complement (64)               LCGR R1,R2           */ \
  X(lgbr,  RRE,   0xb906, none) /* load byte (64<-8)                  LGBR R1,R2           */ \
  X(lghr,  RRE,   0xb907, none) /* load halfword (64<-16)             LGHR R1,R2           */ \
  X(agr,   RRE,   0xb908, none) /* add (64)                           AGR R1,R2            */ \
  X(sgr,   RRE,   0xb909, none) /* subtract (64)                      SGR R1,R2            */ \
  X(lgfr,  RRE,   0xb914, none) /* load (64<-32)                      LGFR R1,R2           */ \
  X(llgfr, RRE,   0xb916, none) /* load logical (64<-32)              LLGFR R1,R2          */ \
  X(cgr,   RRE,   0xb920, none) /* compare (64)                       CGR R1,R2            */ \
  X(clgr,  RRE,   0xb921, none) /* compare logical (64)               CLGR R1,R2           */ \
  X(ngr,   RRE,   0xb980, none) /* and (64)                           NGR R1,R2            */ \
  X(ogr,   RRE,   0xb981, none) /* or (64)                            OGR R1,R2            */ \
  X(xgr,   RRE,   0xb982, none) /* exclusive or (64)                  XGR R1,R2            */ \
  X(llgcr, RRE,   0xb984, none) /* load logical character (64<-8)     LLGCR R1,R2          */ \
  X(llghr, RRE,   0xb985, none) /* load logical halfword (64<-16)     LLGHR R1,R2          */ \
  X(ear,   RRE,   0xb24f, none) /* extract access (GR bits 32-63<-AR) EAR R1,R2            */ \
  X(ldgr,  RRE,   0xb3c1, none) /* load FPR from GR (long)            LDGR R1,R2           */ \
  X(lgdr,  RRE,   0xb3cd, none) /* load GR from FPR (long)            LGDR R1,R2           */ \
  /* RX-a */                                                                                  \
  X(sth,   RX_a,  0x40,   none) /* store halfword                     STH R1,D2(X2,B2)     */ \
  X(la,    RX_a,  0x41,   none) /* load address                       LA R1,D2(X2,B2)      */ \
  X(stc,   RX_a,  0x42,   none) /* store character                    STC R1,D2(X2,B2)     */ \
  X(st,    RX_a,  0x50,   none) /* store (32)                         ST R1,D2(X2,B2)      */ \
  X(l,     RX_a,  0x58,   none) /* load (32)                          L R1,D2(X2,B2)       */ \
  X(std,   RX_a,  0x60,   none) /* store (long FPR)                   STD R1,D2(X2,B2)     */ \
  X(ld,    RX_a,  0x68,   none) /* load (long FPR)                    LD R1,D2(X2,B2)      */ \
  X(ste,   RX_a,  0x70,   none) /* store (short FPR)                  STE R1,D2(X2,B2)     */ \
  X(le,    RX_a,  0x78,   none) /* load (short FPR)                   LE R1,D2(X2,B2)      */ \
  /* RXY-a */                                                                                 \
  X(ltg,   RXY_a, 0xe302, none) /* load and test (64)                 LTG R1,D2(X2,B2)     */ \
  X(lg,    RXY_a, 0xe304, none) /* load (64)                          LG R1,D2(X2,B2)      */ \
  X(lgf,   RXY_a, 0xe314, none) /* load (64<-32)                      LGF R1,D2(X2,B2)     */ \
  X(lgh,   RXY_a, 0xe315, none) /* load halfword (64<-16)             LGH R1,D2(X2,B2)     */ \
  X(llgf,  RXY_a, 0xe316, none) /* load logical (64<-32)              LLGF R1,D2(X2,B2)    */ \
  X(stg,   RXY_a, 0xe324, none) /* store (64)                         STG R1,D2(X2,B2)     */ \
  X(sty,   RXY_a, 0xe350, none) /* store (32)                         STY R1,D2(X2,B2)     */ \
  X(ly,    RXY_a, 0xe358, none) /* load (32)                          LY R1,D2(X2,B2)      */ \
  X(sthy,  RXY_a, 0xe370, none) /* store halfword                     STHY R1,D2(X2,B2)    */ \
  X(lay,   RXY_a, 0xe371, none) /* load address                       LAY R1,D2(X2,B2)     */ \
  X(stcy,  RXY_a, 0xe372, none) /* store character                    STCY R1,D2(X2,B2)    */ \
  X(lgb,   RXY_a, 0xe377, none) /* load byte (64<-8)                  LGB R1,D2(X2,B2)     */ \
  X(llgc,  RXY_a, 0xe390, none) /* load logical character (64<-8)     LLGC R1,D2(X2,B2)    */ \
  X(llgh,  RXY_a, 0xe391, none) /* load logical halfword (64<-16)     LLGH R1,D2(X2,B2)    */ \
  X(ley,   RXY_a, 0xed64, none) /* load (short FPR)                   LEY R1,D2(X2,B2)     */ \
  X(ldy,   RXY_a, 0xed65, none) /* load (long FPR)                    LDY R1,D2(X2,B2)     */ \
  X(stey,  RXY_a, 0xed66, none) /* store (short FPR)                  STEY R1,D2(X2,B2)    */ \
  X(stdy,  RXY_a, 0xed67, none) /* store (long FPR)                   STDY R1,D2(X2,B2)    */ \
  /* RS-a (R3 unused: shifts by the second-operand address D2(B2)) */                         \
  X(srl,   RS_a,  0x88,   none) /* shift right single logical (32)    SRL R1,D2(B2)        */ \
  X(sll,   RS_a,  0x89,   none) /* shift left single logical (32)     SLL R1,D2(B2)        */ \
  X(sra,   RS_a,  0x8a,   none) /* shift right single (32)            SRA R1,D2(B2)        */ \
  /* RSY-a */                                                                                 \
  X(lmg,   RSY_a, 0xeb04, none) /* load multiple (64)                 LMG R1,R3,D2(B2)     */ \
  X(srag,  RSY_a, 0xeb0a, none) /* shift right single (64)            SRAG R1,R3,D2(B2)    */ \
  X(srlg,  RSY_a, 0xeb0c, none) /* shift right single logical (64)    SRLG R1,R3,D2(B2)    */ \
  X(sllg,  RSY_a, 0xeb0d, none) /* shift left single logical (64)     SLLG R1,R3,D2(B2)    */ \
  X(stmg,  RSY_a, 0xeb24, none) /* store multiple (64)                STMG R1,R3,D2(B2)    */ \
  X(laag,  RSY_a, 0xebe8, none) /* load and add (64), interlocked     LAAG R1,R3,D2(B2)    */ \
  /* RI-a / RI-c */                                                                           \
  X(tmll,  RI_a,  0xa71,  u16)  /* test under mask (low low)          TMLL R1,I2           */ \
  X(brc,   RI_c,  0xa74,  s16)  /* branch relative on condition       BRC M1,RI2           */ \
  X(brctg, RI_b,  0xa77,  s16)  /* branch relative on count (64)      BRCTG R1,RI2         */ \
  X(lghi,  RI_a,  0xa79,  s16)  /* load halfword immediate (64<-16)   LGHI R1,I2           */ \
  X(aghi,  RI_a,  0xa7b,  s16)  /* add halfword immediate (64<-16)    AGHI R1,I2           */ \
  X(mghi,  RI_a,  0xa7d,  s16)  /* multiply halfword immediate (64)   MGHI R1,I2           */ \
  X(cghi,  RI_a,  0xa7f,  s16)  /* compare halfword immediate (64)    CGHI R1,I2           */ \
  /* RIL-a / RIL-b / RIL-c */                                                                 \
  X(larl,  RIL_b, 0xc00,  s32)  /* load address relative long         LARL R1,RI2          */ \
  X(lgfi,  RIL_a, 0xc01,  s32)  /* load immediate (64<-32)            LGFI R1,I2           */ \
  X(brcl,  RIL_c, 0xc04,  s32)  /* branch relative on cond. long      BRCL M1,RI2          */ \
  X(brasl, RIL_b, 0xc05,  s32)  /* branch relative and save long      BRASL R1,RI2         */ \
  X(iihf,  RIL_a, 0xc08,  u32)  /* insert immediate (high)            IIHF R1,I2           */ \
  X(iilf,  RIL_a, 0xc09,  u32)  /* insert immediate (low)             IILF R1,I2           */ \
  X(llihf, RIL_a, 0xc0e,  u32)  /* load logical immediate (high)      LLIHF R1,I2          */ \
  X(llilf, RIL_a, 0xc0f,  u32)  /* load logical immediate (low)       LLILF R1,I2          */ \
  X(agfi,  RIL_a, 0xc28,  s32)  /* add immediate (64<-32)             AGFI R1,I2           */ \
  X(cgfi,  RIL_a, 0xc2c,  s32)  /* compare immediate (64<-32)         CGFI R1,I2           */ \
  X(clgfi, RIL_a, 0xc2e,  u32)  /* compare logical immediate          CLGFI R1,I2          */ \
  X(lgrl,  RIL_b, 0xc48,  s32)  /* load relative long (64)            LGRL R1,RI2          */ \
  X(stgrl, RIL_b, 0xc4b,  s32)  /* store relative long (64)           STGRL R1,RI2         */ \
  /* RIE-b / RIE-c */                                                                         \
  X(cgrj,  RIE_b, 0xec64, s16)  /* compare and branch relative (64)   CGRJ R1,R2,M3,RI4    */ \
  X(clgrj, RIE_b, 0xec65, s16)  /* compare logical and branch rel.    CLGRJ R1,R2,M3,RI4   */ \
  X(cgij,  RIE_c, 0xec7c, s8)   /* compare immediate and branch rel.  CGIJ R1,I2,M3,RI4    */ \
  X(clgij, RIE_c, 0xec7d, u8)   /* compare logical imm. and branch    CLGIJ R1,I2,M3,RI4   */ \
  /* SS-a */                                                                                  \
  X(mvc,   SS_a,  0xd2,   none) /* move character (1..256 bytes)      MVC D1(L,B1),D2(B2)  */ \
  /* SIL */                                                                                   \
  X(mvghi, SIL,   0xe548, s16)  /* move (64<-16)                      MVGHI D1(B1),I2      */ \
  X(mvhi,  SIL,   0xe54c, s16)  /* move (32<-16)                      MVHI D1(B1),I2       */
// clang-format on

enum class Insn : uint8_t {
#define XTRAMP_S390X_ENUM(name, fmt, op, imm) name,
  XTRAMP_S390X_INSNS(XTRAMP_S390X_ENUM)
#undef XTRAMP_S390X_ENUM
      count_
};

// Bytes of an instruction of this format: 2, 4 or 6 (the instruction-length
// code, bits 0-1 of the first opcode byte: 00 -> 2, 01/10 -> 4, 11 -> 6).
size_t insn_length(Format format);

// The whole table, in Insn order.
std::span<const InsnInfo> insn_table();
const InsnInfo& insn_info(Insn insn);

// Condition-code masks (M1/M3 fields): bit 8 = cc0, 4 = cc1, 2 = cc2, 1 = cc3.
// After a compare cc0 is "equal", cc1 "first operand low", cc2 "high"; after
// LTGR / arithmetic cc0 is zero, cc1 negative, cc2 positive, cc3 overflow.
namespace cond {
inline constexpr unsigned never = 0;
inline constexpr unsigned o = 1;  // cc3: overflow
inline constexpr unsigned h = 2;  // cc2: high / greater / positive
inline constexpr unsigned l = 4;  // cc1: low / less / negative
inline constexpr unsigned e = 8;  // cc0: equal / zero
inline constexpr unsigned ne = 7;
inline constexpr unsigned le = 12;
inline constexpr unsigned he = 10;
inline constexpr unsigned always = 15;
}  // namespace cond

// A storage operand D(X,B): displacement, index register, base register
// (0 = none). Constructed like the assembler syntax: Mem(8, 15) is 8(%r15),
// Mem(-8, 2, 15) is -8(%r2,%r15).
struct Mem {
  int64_t disp = 0;
  unsigned index = 0;
  unsigned base = 0;
  constexpr explicit Mem(int64_t d) : disp(d) {}
  constexpr Mem(int64_t d, unsigned b) : disp(d), base(b) {}
  constexpr Mem(int64_t d, unsigned x, unsigned b) : disp(d), index(x), base(b) {}
};

// A position in the code, for relative branches. Obtained from
// Assembler::new_label(); bound once with bind().
class Label {
 public:
  uint32_t id() const { return id_; }

 private:
  friend class Assembler;
  explicit Label(uint32_t id) : id_(id) {}
  uint32_t id_;
};

class Assembler {
 public:
  Assembler() = default;

  // ---- buffer --------------------------------------------------------------
  size_t size() const { return buf_.size(); }
  // The bytes emitted so far. References to labels not bound yet are still
  // zero here; finish() checks that none is left.
  const std::vector<uint8_t>& bytes() const { return buf_; }
  // Throws if a branch refers to a label that was never bound; returns the code.
  const std::vector<uint8_t>& finish();

  // ---- data ----------------------------------------------------------------
  // Pads with 2-byte no-ops (BCR 0,%r0) to a multiple of `alignment` (a power
  // of two, at least 2), e.g. before data64() for LGRL, which needs an
  // 8-byte aligned operand.
  void align(size_t alignment);
  // 8 bytes of data (big-endian) in the code, e.g. a literal for LGRL.
  void data64(uint64_t value);

  // ---- labels --------------------------------------------------------------
  Label new_label();
  // Binds the label to the current offset and patches the branches already
  // emitted to it. Binding a label twice throws.
  void bind(Label label);
  bool is_bound(Label label) const;
  // The offset a bound label stands for (throws if unbound).
  size_t label_offset(Label label) const;

  // ---- RR ------------------------------------------------------------------
  void lr(unsigned r1, unsigned r2) { rr(Insn::lr, r1, r2); }
  void ldr(unsigned f1, unsigned f2) { rr(Insn::ldr, f1, f2); }
  void basr(unsigned r1, unsigned r2) { rr(Insn::basr, r1, r2); }
  void bcr(unsigned mask, unsigned r2) { rr(Insn::bcr, mask, r2); }
  void br(unsigned r2) { bcr(cond::always, r2); }  // BR R2 = BCR 15,R2
  // 2-byte no-op: BCR 0,R2 (never branches). nopr(0) is "bcr 0,%r0".
  void nopr(unsigned r2 = 0) { bcr(cond::never, r2); }

  // ---- RRE -----------------------------------------------------------------
  void lgr(unsigned r1, unsigned r2) { rre(Insn::lgr, r1, r2); }
  void ltgr(unsigned r1, unsigned r2) { rre(Insn::ltgr, r1, r2); }
  void lcgr(unsigned r1, unsigned r2) { rre(Insn::lcgr, r1, r2); }
  void lgbr(unsigned r1, unsigned r2) { rre(Insn::lgbr, r1, r2); }
  void lghr(unsigned r1, unsigned r2) { rre(Insn::lghr, r1, r2); }
  void agr(unsigned r1, unsigned r2) { rre(Insn::agr, r1, r2); }
  void sgr(unsigned r1, unsigned r2) { rre(Insn::sgr, r1, r2); }
  void lgfr(unsigned r1, unsigned r2) { rre(Insn::lgfr, r1, r2); }
  void llgfr(unsigned r1, unsigned r2) { rre(Insn::llgfr, r1, r2); }
  void cgr(unsigned r1, unsigned r2) { rre(Insn::cgr, r1, r2); }
  void clgr(unsigned r1, unsigned r2) { rre(Insn::clgr, r1, r2); }
  void ngr(unsigned r1, unsigned r2) { rre(Insn::ngr, r1, r2); }
  void ogr(unsigned r1, unsigned r2) { rre(Insn::ogr, r1, r2); }
  void xgr(unsigned r1, unsigned r2) { rre(Insn::xgr, r1, r2); }
  void llgcr(unsigned r1, unsigned r2) { rre(Insn::llgcr, r1, r2); }
  void llghr(unsigned r1, unsigned r2) { rre(Insn::llghr, r1, r2); }
  // EAR R1,R2: access register %aR2 into bits 32-63 of %rR1; bits 0-31 stay
  // (POP, "EXTRACT ACCESS").
  void ear(unsigned r1, unsigned a2) { rre(Insn::ear, r1, a2); }
  void ldgr(unsigned f1, unsigned r2) { rre(Insn::ldgr, f1, r2); }  // %f1 <- %r2 (bits)
  void lgdr(unsigned r1, unsigned f2) { rre(Insn::lgdr, r1, f2); }  // %r1 <- %f2 (bits)

  // ---- RX-a: displacement 0..4095 ------------------------------------------
  void sth(unsigned r1, const Mem& m) { rx(Insn::sth, r1, m); }
  void la(unsigned r1, const Mem& m) { rx(Insn::la, r1, m); }
  void stc(unsigned r1, const Mem& m) { rx(Insn::stc, r1, m); }
  void st(unsigned r1, const Mem& m) { rx(Insn::st, r1, m); }
  void l(unsigned r1, const Mem& m) { rx(Insn::l, r1, m); }
  void std(unsigned f1, const Mem& m) { rx(Insn::std, f1, m); }
  void ld(unsigned f1, const Mem& m) { rx(Insn::ld, f1, m); }
  void ste(unsigned f1, const Mem& m) { rx(Insn::ste, f1, m); }
  void le(unsigned f1, const Mem& m) { rx(Insn::le, f1, m); }

  // ---- RXY-a: displacement -524288..524287 ----------------------------------
  void ltg(unsigned r1, const Mem& m) { rxy(Insn::ltg, r1, m); }  // cc: 0 zero, 1 <0, 2 >0
  void lg(unsigned r1, const Mem& m) { rxy(Insn::lg, r1, m); }
  void lgf(unsigned r1, const Mem& m) { rxy(Insn::lgf, r1, m); }
  void lgh(unsigned r1, const Mem& m) { rxy(Insn::lgh, r1, m); }
  void llgf(unsigned r1, const Mem& m) { rxy(Insn::llgf, r1, m); }
  void stg(unsigned r1, const Mem& m) { rxy(Insn::stg, r1, m); }
  void sty(unsigned r1, const Mem& m) { rxy(Insn::sty, r1, m); }
  void ly(unsigned r1, const Mem& m) { rxy(Insn::ly, r1, m); }
  void sthy(unsigned r1, const Mem& m) { rxy(Insn::sthy, r1, m); }
  void lay(unsigned r1, const Mem& m) { rxy(Insn::lay, r1, m); }
  void stcy(unsigned r1, const Mem& m) { rxy(Insn::stcy, r1, m); }
  void lgb(unsigned r1, const Mem& m) { rxy(Insn::lgb, r1, m); }
  void llgc(unsigned r1, const Mem& m) { rxy(Insn::llgc, r1, m); }
  void llgh(unsigned r1, const Mem& m) { rxy(Insn::llgh, r1, m); }
  void ley(unsigned f1, const Mem& m) { rxy(Insn::ley, f1, m); }
  void ldy(unsigned f1, const Mem& m) { rxy(Insn::ldy, f1, m); }
  void stey(unsigned f1, const Mem& m) { rxy(Insn::stey, f1, m); }
  void stdy(unsigned f1, const Mem& m) { rxy(Insn::stdy, f1, m); }

  // ---- RS-a: 32-bit shifts of R1 by D2(B2) (the low 6 bits of that address) --
  // Without a base register the amount must be 0..63.
  void srl(unsigned r1, unsigned shift, unsigned base = 0) { shift_rs(Insn::srl, r1, shift, base); }
  void sll(unsigned r1, unsigned shift, unsigned base = 0) { shift_rs(Insn::sll, r1, shift, base); }
  void sra(unsigned r1, unsigned shift, unsigned base = 0) { shift_rs(Insn::sra, r1, shift, base); }

  // ---- RSY-a ---------------------------------------------------------------
  // STMG/LMG R1,R3,D2(B2): registers R1 up to R3 (wrapping from 15 to 0).
  void stmg(unsigned r1, unsigned r3, const Mem& m) { rsy(Insn::stmg, r1, r3, m); }
  void lmg(unsigned r1, unsigned r3, const Mem& m) { rsy(Insn::lmg, r1, r3, m); }
  // LAAG R1,R3,D2(B2): R1 = the old doubleword, which becomes old + R3,
  // atomically (interlocked-access facility 1, z196).
  void laag(unsigned r1, unsigned r3, const Mem& m) { rsy(Insn::laag, r1, r3, m); }
  // 64-bit shifts: R1 = R3 shifted by D2(B2); without a base the amount is 0..63.
  void sllg(unsigned r1, unsigned r3, unsigned shift, unsigned base = 0) {
    shift_rsy(Insn::sllg, r1, r3, shift, base);
  }
  void srlg(unsigned r1, unsigned r3, unsigned shift, unsigned base = 0) {
    shift_rsy(Insn::srlg, r1, r3, shift, base);
  }
  void srag(unsigned r1, unsigned r3, unsigned shift, unsigned base = 0) {
    shift_rsy(Insn::srag, r1, r3, shift, base);
  }

  // ---- RI-a: signed 16-bit immediate ----------------------------------------
  void lghi(unsigned r1, int64_t imm) { ri(Insn::lghi, r1, imm); }
  void aghi(unsigned r1, int64_t imm) { ri(Insn::aghi, r1, imm); }
  void mghi(unsigned r1, int64_t imm) { ri(Insn::mghi, r1, imm); }
  void cghi(unsigned r1, int64_t imm) { ri(Insn::cghi, r1, imm); }
  // TMLL R1,I2 (unsigned 16 bits): tests the bits of R1's bits 48-63 that I2
  // selects: cc0 all zero, cc1 mixed with the leftmost selected bit zero, cc2
  // mixed with it one, cc3 all one (POP, "TEST UNDER MASK").
  void tmll(unsigned r1, int64_t imm) { ri(Insn::tmll, r1, imm); }

  // ---- RIL-a: 32-bit immediate (signed or unsigned, per instruction) --------
  void lgfi(unsigned r1, int64_t imm) { ril(Insn::lgfi, r1, imm); }
  void iihf(unsigned r1, int64_t imm) { ril(Insn::iihf, r1, imm); }
  void iilf(unsigned r1, int64_t imm) { ril(Insn::iilf, r1, imm); }
  void llihf(unsigned r1, int64_t imm) { ril(Insn::llihf, r1, imm); }
  void llilf(unsigned r1, int64_t imm) { ril(Insn::llilf, r1, imm); }
  void agfi(unsigned r1, int64_t imm) { ril(Insn::agfi, r1, imm); }
  void cgfi(unsigned r1, int64_t imm) { ril(Insn::cgfi, r1, imm); }
  void clgfi(unsigned r1, int64_t imm) { ril(Insn::clgfi, r1, imm); }

  // Loads any 64-bit value with the shortest sequence: LGHI (4 bytes), LGFI,
  // LLILF or LLIHF (6), else LLIHF + IILF (12).
  void load_imm64(unsigned r1, uint64_t value);
  // Always LLIHF + IILF (12 bytes): a fixed-size sequence whose value can be
  // patched later (bytes 2..5 hold the high word, 8..11 the low word).
  void load_imm64_fixed(unsigned r1, uint64_t value);

  // ---- relative branches and PC-relative loads --------------------------------
  // Label forms: the offset is filled in when the label is bound (at once if
  // it already is). Offset forms: `rel` is the byte distance from the start
  // of this instruction to the target (even). RI/RIE fields hold rel/2 in 16
  // bits (-65536..65534 bytes), RIL fields in 32 bits (about +-4 GiB).
  void brc(unsigned mask, Label target) { rel(Insn::brc, mask, target); }
  void brc(unsigned mask, int64_t rel) { rel_ri(Insn::brc, mask, rel); }
  void j(Label target) { brc(cond::always, target); }
  void brctg(unsigned r1, Label target) { rel(Insn::brctg, r1, target); }
  void brctg(unsigned r1, int64_t rel) { rel_ri(Insn::brctg, r1, rel); }
  void brcl(unsigned mask, Label target) { rel(Insn::brcl, mask, target); }
  void brcl(unsigned mask, int64_t rel) { rel_ri(Insn::brcl, mask, rel); }
  void brasl(unsigned r1, Label target) { rel(Insn::brasl, r1, target); }
  void brasl(unsigned r1, int64_t rel) { rel_ri(Insn::brasl, r1, rel); }
  void larl(unsigned r1, Label target) { rel(Insn::larl, r1, target); }
  void larl(unsigned r1, int64_t rel) { rel_ri(Insn::larl, r1, rel); }
  // LGRL/STGRL: the operand must be 8-byte aligned (see align()).
  void lgrl(unsigned r1, Label target) { rel(Insn::lgrl, r1, target); }
  void lgrl(unsigned r1, int64_t rel) { rel_ri(Insn::lgrl, r1, rel); }
  void stgrl(unsigned r1, Label target) { rel(Insn::stgrl, r1, target); }
  void stgrl(unsigned r1, int64_t rel) { rel_ri(Insn::stgrl, r1, rel); }
  // 4-byte no-op: BRC 0,0. 6-byte no-op: BRCL 0,0 (the kernel's patchable
  // function entry on s390x, "jgnop").
  void nop4() { brc(cond::never, int64_t{0}); }
  void nop6() { brcl(cond::never, int64_t{0}); }

  // ---- RIE-b / RIE-c: compare and branch (16-bit relative) --------------------
  // CGRJ/CLGRJ R1,R2,M3,target; CGIJ R1,I2,M3,target (I2 signed 8 bits);
  // CLGIJ R1,I2,M3,target (I2 unsigned 8 bits). Branch if the comparison
  // result is in the mask M3 (cond::e, cond::l, cond::h and combinations).
  void cgrj(unsigned r1, unsigned r2, unsigned mask, Label t) { rel(Insn::cgrj, r1, t, r2, mask); }
  void cgrj(unsigned r1, unsigned r2, unsigned mask, int64_t rel) {
    rie(Insn::cgrj, r1, r2, mask, rel);
  }
  void clgrj(unsigned r1, unsigned r2, unsigned mask, Label t) {
    rel(Insn::clgrj, r1, t, r2, mask);
  }
  void clgrj(unsigned r1, unsigned r2, unsigned mask, int64_t rel) {
    rie(Insn::clgrj, r1, r2, mask, rel);
  }
  void cgij(unsigned r1, int64_t imm, unsigned mask, Label t) { rel(Insn::cgij, r1, t, imm, mask); }
  void cgij(unsigned r1, int64_t imm, unsigned mask, int64_t rel) {
    rie(Insn::cgij, r1, imm, mask, rel);
  }
  void clgij(unsigned r1, int64_t imm, unsigned mask, Label t) {
    rel(Insn::clgij, r1, t, imm, mask);
  }
  void clgij(unsigned r1, int64_t imm, unsigned mask, int64_t rel) {
    rie(Insn::clgij, r1, imm, mask, rel);
  }

  // ---- SS-a ----------------------------------------------------------------
  // MVC D1(L,B1),D2(B2): copies `length` (1..256) bytes; the L field holds length-1.
  void mvc(const Mem& dst, const Mem& src, unsigned length);

  // ---- SIL -----------------------------------------------------------------
  void mvghi(const Mem& dst, int64_t imm) { sil(Insn::mvghi, dst, imm); }
  void mvhi(const Mem& dst, int64_t imm) { sil(Insn::mvhi, dst, imm); }

 private:
  struct Fixup {
    size_t insn_offset;  // start of the branch instruction
    uint32_t label;
    Insn insn;
  };

  // One encoder per format.
  void rr(Insn insn, unsigned r1, unsigned r2);
  void rre(Insn insn, unsigned r1, unsigned r2);
  void rx(Insn insn, unsigned r1, const Mem& m);
  void rxy(Insn insn, unsigned r1, const Mem& m);
  void rs(Insn insn, unsigned r1, unsigned r3, const Mem& m);
  void rsy(Insn insn, unsigned r1, unsigned r3, const Mem& m);
  void ri(Insn insn, unsigned r1, int64_t imm);
  void ril(Insn insn, unsigned r1, int64_t imm);
  void sil(Insn insn, const Mem& m, int64_t imm);
  void shift_rs(Insn insn, unsigned r1, unsigned shift, unsigned base);
  void shift_rsy(Insn insn, unsigned r1, unsigned r3, unsigned shift, unsigned base);
  // RI-b/c, RIL-b/c: a 4-bit register or mask field and a relative offset.
  void rel_ri(Insn insn, unsigned r1, int64_t rel);
  // RIE-b (second = R2) and RIE-c (second = I2): R1, second operand, M3, offset.
  void rie(Insn insn, unsigned r1, int64_t second, unsigned m3, int64_t rel);
  // Emits the instruction with offset 0, then links it to the label.
  void rel(Insn insn, unsigned r1, Label target, int64_t second = 0, unsigned m3 = 0);

  void patch(const Fixup& f, size_t target);
  void put8(uint8_t b) { buf_.push_back(b); }
  void put16(uint16_t v);
  void put32(uint32_t v);

  std::vector<uint8_t> buf_;
  std::vector<int64_t> labels_;  // offset, or -1 while unbound
  std::vector<Fixup> fixups_;    // references to labels not bound yet
};

}  // namespace xtramp::s390x
