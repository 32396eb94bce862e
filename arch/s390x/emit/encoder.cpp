// The s390x encoder: one function per instruction format, the instruction
// table, operand range checks and label fixups. Field layouts are those of
// the z/Architecture Principles of Operation, chapter 5 (see encoder.hpp).
#include "arch/s390x/emit/encoder.hpp"

#include <array>
#include <string>

#include "common/error.hpp"

namespace xtramp::s390x {

namespace {

constexpr std::array<InsnInfo, static_cast<size_t>(Insn::count_)> kTable = {{
#define XTRAMP_S390X_ROW(name, fmt, op, imm) {#name, Format::fmt, op, ImmKind::imm},
    XTRAMP_S390X_INSNS(XTRAMP_S390X_ROW)
#undef XTRAMP_S390X_ROW
}};

[[noreturn]] void fail(std::string what) {
  throw Error(Errc::bad_request, "s390x: " + std::move(what));
}

std::string range(int64_t lo, int64_t hi) {
  return " (" + std::to_string(lo) + ".." + std::to_string(hi) + ")";
}

// Width of the relative-offset field (in halfwords) of a branch format; it
// always starts in bit 16: RI-b/c and RIE-b/c have RI:16 in bits 16-31,
// RIL-b/c have RI2:32 in bits 16-47. 0: no relative operand.
unsigned rel_bits(Format f) {
  switch (f) {
    case Format::RI_b:
    case Format::RI_c:
    case Format::RIE_b:
    case Format::RIE_c:
      return 16;
    case Format::RIL_b:
    case Format::RIL_c:
      return 32;
    default:
      return 0;
  }
}

}  // namespace

// Instruction-length code (POP): bits 0-1 of the first opcode byte give the
// length, 00 -> 2 bytes, 01/10 -> 4 bytes, 11 -> 6 bytes.
size_t insn_length(Format f) {
  switch (f) {
    case Format::RR:
      return 2;
    case Format::RRE:
    case Format::RX_a:
    case Format::RS_a:
    case Format::RI_a:
    case Format::RI_b:
    case Format::RI_c:
      return 4;
    case Format::RXY_a:
    case Format::RSY_a:
    case Format::RIL_a:
    case Format::RIL_b:
    case Format::RIL_c:
    case Format::RIE_b:
    case Format::RIE_c:
    case Format::SS_a:
    case Format::SIL:
      return 6;
  }
  return 0;
}

std::span<const InsnInfo> insn_table() {
  return kTable;
}

const InsnInfo& insn_info(Insn insn) {
  return kTable.at(static_cast<size_t>(insn));
}

namespace {

const InsnInfo& row(Insn insn, Format expected) {
  const InsnInfo& info = insn_info(insn);
  if (info.format != expected) {
    // A table/encoder mismatch is a bug of this file, not of the caller.
    throw std::logic_error("s390x encoder: " + std::string(info.mnemonic) +
                           " used with the wrong format encoder");
  }
  return info;
}

void check_reg(const InsnInfo& info, unsigned r, const char* what = "register") {
  if (r > 15)
    fail(std::string(what) + " " + std::to_string(r) + " out of range for " +
         std::string(info.mnemonic) + " (0..15)");
}

void check_mask(const InsnInfo& info, unsigned m) {
  check_reg(info, m, "mask");
}

// D2 of RX/RS/SS/SIL: unsigned 12 bits.
uint32_t disp12(const InsnInfo& info, int64_t d) {
  if (d < 0 || d > 4095)
    fail("displacement " + std::to_string(d) + " out of range for " + std::string(info.mnemonic) +
         range(0, 4095));
  return static_cast<uint32_t>(d);
}

// DL2+DH2 of RXY/RSY: signed 20 bits.
uint32_t disp20(const InsnInfo& info, int64_t d) {
  if (d < -524288 || d > 524287)
    fail("displacement " + std::to_string(d) + " out of range for " + std::string(info.mnemonic) +
         range(-524288, 524287));
  return static_cast<uint32_t>(d) & 0xfffff;
}

void check_base(const InsnInfo& info, const Mem& m) {
  check_reg(info, m.base, "base register");
  check_reg(info, m.index, "index register");
}

void check_no_index(const InsnInfo& info, const Mem& m) {
  if (m.index != 0)
    fail(std::string(info.mnemonic) + " has no index register (got %r" + std::to_string(m.index) +
         ")");
}

// The immediate, checked against its field, as the field's bit pattern.
uint32_t imm_field(const InsnInfo& info, int64_t v) {
  int64_t lo = 0, hi = 0;
  switch (info.imm) {
    case ImmKind::s8:
      lo = -128, hi = 127;
      break;
    case ImmKind::u8:
      lo = 0, hi = 255;
      break;
    case ImmKind::s16:
      lo = -32768, hi = 32767;
      break;
    case ImmKind::u16:
      lo = 0, hi = 65535;
      break;
    case ImmKind::s32:
      lo = INT32_MIN, hi = INT32_MAX;
      break;
    case ImmKind::u32:
      lo = 0, hi = UINT32_MAX;
      break;
    case ImmKind::none:
      throw std::logic_error("s390x encoder: " + std::string(info.mnemonic) + " has no immediate");
  }
  if (v < lo || v > hi)
    fail("immediate " + std::to_string(v) + " out of range for " + std::string(info.mnemonic) +
         range(lo, hi));
  return static_cast<uint32_t>(v);
}

void check_rel(const InsnInfo& info, int64_t rel) {
  const unsigned bits = rel_bits(info.format);
  if (bits == 0)
    throw std::logic_error("s390x encoder: " + std::string(info.mnemonic) +
                           " has no relative operand");
  const int64_t lim = int64_t{1} << bits;  // halfwords * 2 bytes
  if (rel % 2 != 0)
    fail("branch offset " + std::to_string(rel) + " is odd for " + std::string(info.mnemonic));
  if (rel < -lim || rel > lim - 2)
    fail("branch offset " + std::to_string(rel) + " out of range for " +
         std::string(info.mnemonic) + range(-lim, lim - 2));
}
}  // namespace

// ---- buffer ------------------------------------------------------------------

void Assembler::put16(uint16_t v) {
  put8(static_cast<uint8_t>(v >> 8));
  put8(static_cast<uint8_t>(v));
}

void Assembler::put32(uint32_t v) {
  put16(static_cast<uint16_t>(v >> 16));
  put16(static_cast<uint16_t>(v));
}

const std::vector<uint8_t>& Assembler::finish() {
  for (const Fixup& f : fixups_) {
    fail("label " + std::to_string(f.label) + " used by " +
         std::string(insn_info(f.insn).mnemonic) + " at offset " + std::to_string(f.insn_offset) +
         " is never bound");
  }
  return buf_;
}

void Assembler::align(size_t alignment) {
  if (alignment < 2 || (alignment & (alignment - 1)) != 0)
    fail("alignment " + std::to_string(alignment) + " is not a power of two >= 2");
  while (buf_.size() % alignment != 0) nopr();
}

void Assembler::data64(uint64_t value) {
  put32(static_cast<uint32_t>(value >> 32));
  put32(static_cast<uint32_t>(value));
}

// ---- labels ------------------------------------------------------------------

Label Assembler::new_label() {
  labels_.push_back(-1);
  return Label(static_cast<uint32_t>(labels_.size() - 1));
}

bool Assembler::is_bound(Label label) const {
  return label.id() < labels_.size() && labels_[label.id()] >= 0;
}

size_t Assembler::label_offset(Label label) const {
  if (!is_bound(label)) fail("label " + std::to_string(label.id()) + " is not bound");
  return static_cast<size_t>(labels_[label.id()]);
}

void Assembler::bind(Label label) {
  if (label.id() >= labels_.size()) fail("label " + std::to_string(label.id()) + " is unknown");
  if (labels_[label.id()] >= 0) fail("label " + std::to_string(label.id()) + " bound twice");
  labels_[label.id()] = static_cast<int64_t>(buf_.size());
  std::vector<Fixup> rest;
  for (const Fixup& f : fixups_) {
    if (f.label == label.id())
      patch(f, buf_.size());
    else
      rest.push_back(f);
  }
  fixups_ = std::move(rest);
}

// Writes the halfword offset target-insn into the instruction's RI field.
void Assembler::patch(const Fixup& f, size_t target) {
  const InsnInfo& info = insn_info(f.insn);
  const int64_t rel = static_cast<int64_t>(target) - static_cast<int64_t>(f.insn_offset);
  check_rel(info, rel);
  const auto field = static_cast<uint32_t>(rel / 2);
  uint8_t* p = buf_.data() + f.insn_offset + 2;  // every RI field starts in bit 16
  if (rel_bits(info.format) == 16) {
    p[0] = static_cast<uint8_t>(field >> 8);
    p[1] = static_cast<uint8_t>(field);
  } else {
    p[0] = static_cast<uint8_t>(field >> 24);
    p[1] = static_cast<uint8_t>(field >> 16);
    p[2] = static_cast<uint8_t>(field >> 8);
    p[3] = static_cast<uint8_t>(field);
  }
}

// ---- RR: op:8 R1:4 R2:4 --------------------------------------------------------

void Assembler::rr(Insn insn, unsigned r1, unsigned r2) {
  const InsnInfo& info = row(insn, Format::RR);
  check_reg(info, r1, insn == Insn::bcr ? "mask" : "register");
  check_reg(info, r2);
  put8(static_cast<uint8_t>(info.opcode));
  put8(static_cast<uint8_t>(r1 << 4 | r2));
}

// ---- RRE: op:16 ////:8 R1:4 R2:4 -------------------------------------------------

void Assembler::rre(Insn insn, unsigned r1, unsigned r2) {
  const InsnInfo& info = row(insn, Format::RRE);
  check_reg(info, r1);
  check_reg(info, r2);
  put16(info.opcode);
  put8(0);
  put8(static_cast<uint8_t>(r1 << 4 | r2));
}

// ---- RX-a: op:8 R1:4 X2:4 B2:4 D2:12 -------------------------------------------

void Assembler::rx(Insn insn, unsigned r1, const Mem& m) {
  const InsnInfo& info = row(insn, Format::RX_a);
  check_reg(info, r1);
  check_base(info, m);
  const uint32_t d = disp12(info, m.disp);
  put8(static_cast<uint8_t>(info.opcode));
  put8(static_cast<uint8_t>(r1 << 4 | m.index));
  put16(static_cast<uint16_t>(m.base << 12 | d));
}

// ---- RXY-a: op:8 R1:4 X2:4 B2:4 DL2:12 DH2:8 op:8 ------------------------------
// The 20-bit signed displacement is DH2 (high 8 bits, bits 32-39) : DL2 (low
// 12 bits, bits 20-31).

void Assembler::rxy(Insn insn, unsigned r1, const Mem& m) {
  const InsnInfo& info = row(insn, Format::RXY_a);
  check_reg(info, r1);
  check_base(info, m);
  const uint32_t d = disp20(info, m.disp);
  put8(static_cast<uint8_t>(info.opcode >> 8));
  put8(static_cast<uint8_t>(r1 << 4 | m.index));
  put16(static_cast<uint16_t>(m.base << 12 | (d & 0xfff)));
  put8(static_cast<uint8_t>(d >> 12));
  put8(static_cast<uint8_t>(info.opcode));
}

// ---- RS-a: op:8 R1:4 R3:4 B2:4 D2:12 -------------------------------------------

void Assembler::rs(Insn insn, unsigned r1, unsigned r3, const Mem& m) {
  const InsnInfo& info = row(insn, Format::RS_a);
  check_reg(info, r1);
  check_reg(info, r3);
  check_base(info, m);
  check_no_index(info, m);
  const uint32_t d = disp12(info, m.disp);
  put8(static_cast<uint8_t>(info.opcode));
  put8(static_cast<uint8_t>(r1 << 4 | r3));
  put16(static_cast<uint16_t>(m.base << 12 | d));
}

namespace {
void check_shift(const InsnInfo& info, unsigned shift, unsigned base) {
  if (base == 0 && shift > 63)
    fail("shift " + std::to_string(shift) + " out of range for " + std::string(info.mnemonic) +
         range(0, 63));
}
}  // namespace

void Assembler::shift_rs(Insn insn, unsigned r1, unsigned shift, unsigned base) {
  check_shift(insn_info(insn), shift, base);
  rs(insn, r1, 0, Mem(shift, base));
}

void Assembler::shift_rsy(Insn insn, unsigned r1, unsigned r3, unsigned shift, unsigned base) {
  check_shift(insn_info(insn), shift, base);
  rsy(insn, r1, r3, Mem(shift, base));
}

// ---- RSY-a: op:8 R1:4 R3:4 B2:4 DL2:12 DH2:8 op:8 ------------------------------

void Assembler::rsy(Insn insn, unsigned r1, unsigned r3, const Mem& m) {
  const InsnInfo& info = row(insn, Format::RSY_a);
  check_reg(info, r1);
  check_reg(info, r3);
  check_base(info, m);
  check_no_index(info, m);
  const uint32_t d = disp20(info, m.disp);
  put8(static_cast<uint8_t>(info.opcode >> 8));
  put8(static_cast<uint8_t>(r1 << 4 | r3));
  put16(static_cast<uint16_t>(m.base << 12 | (d & 0xfff)));
  put8(static_cast<uint8_t>(d >> 12));
  put8(static_cast<uint8_t>(info.opcode));
}

// ---- RI-a: op:8 R1:4 op:4 I2:16 ------------------------------------------------

void Assembler::ri(Insn insn, unsigned r1, int64_t imm) {
  const InsnInfo& info = row(insn, Format::RI_a);
  check_reg(info, r1);
  const uint32_t i2 = imm_field(info, imm);
  put8(static_cast<uint8_t>(info.opcode >> 4));
  put8(static_cast<uint8_t>(r1 << 4 | (info.opcode & 0xf)));
  put16(static_cast<uint16_t>(i2));
}

// ---- RIL-a: op:8 R1:4 op:4 I2:32 -----------------------------------------------

void Assembler::ril(Insn insn, unsigned r1, int64_t imm) {
  const InsnInfo& info = row(insn, Format::RIL_a);
  check_reg(info, r1);
  const uint32_t i2 = imm_field(info, imm);
  put8(static_cast<uint8_t>(info.opcode >> 4));
  put8(static_cast<uint8_t>(r1 << 4 | (info.opcode & 0xf)));
  put32(i2);
}

void Assembler::load_imm64(unsigned r1, uint64_t value) {
  const auto sv = static_cast<int64_t>(value);
  if (sv >= -32768 && sv <= 32767) {
    lghi(r1, sv);
  } else if (sv >= INT32_MIN && sv <= INT32_MAX) {
    lgfi(r1, sv);
  } else if (value <= UINT32_MAX) {
    llilf(r1, static_cast<int64_t>(value));
  } else if ((value & 0xffffffffu) == 0) {
    llihf(r1, static_cast<int64_t>(value >> 32));
  } else {
    load_imm64_fixed(r1, value);
  }
}

void Assembler::load_imm64_fixed(unsigned r1, uint64_t value) {
  llihf(r1, static_cast<int64_t>(value >> 32));
  iilf(r1, static_cast<int64_t>(value & 0xffffffffu));
}

// ---- relative forms ---------------------------------------------------------------

// RI-b:  op:8 R1:4 op:4 RI2:16      RI-c:  op:8 M1:4 op:4 RI2:16
// RIL-b: op:8 R1:4 op:4 RI2:32      RIL-c: op:8 M1:4 op:4 RI2:32
void Assembler::rel_ri(Insn insn, unsigned r1, int64_t rel) {
  const InsnInfo& info = insn_info(insn);
  const bool mask = info.format == Format::RI_c || info.format == Format::RIL_c;
  if (!mask && info.format != Format::RI_b && info.format != Format::RIL_b)
    throw std::logic_error("s390x encoder: " + std::string(info.mnemonic) +
                           " is not an RI/RIL relative instruction");
  check_reg(info, r1, mask ? "mask" : "register");
  check_rel(info, rel);
  const auto field = static_cast<uint32_t>(rel / 2);
  put8(static_cast<uint8_t>(info.opcode >> 4));
  put8(static_cast<uint8_t>(r1 << 4 | (info.opcode & 0xf)));
  if (rel_bits(info.format) == 16)
    put16(static_cast<uint16_t>(field));
  else
    put32(field);
}

// RIE-b: op:8 R1:4 R2:4 RI4:16 M3:4 ////:4 op:8
// RIE-c: op:8 R1:4 M3:4 RI4:16 I2:8 op:8
void Assembler::rie(Insn insn, unsigned r1, int64_t second, unsigned m3, int64_t rel) {
  const InsnInfo& info = insn_info(insn);
  check_reg(info, r1);
  check_mask(info, m3);
  uint8_t byte1 = 0, byte4 = 0;
  if (info.format == Format::RIE_b) {
    if (second < 0 || second > 15)
      fail("register " + std::to_string(second) + " out of range for " +
           std::string(info.mnemonic) + " (0..15)");
    byte1 = static_cast<uint8_t>(r1 << 4 | static_cast<unsigned>(second));
    byte4 = static_cast<uint8_t>(m3 << 4);
  } else if (info.format == Format::RIE_c) {
    byte1 = static_cast<uint8_t>(r1 << 4 | m3);
    byte4 = static_cast<uint8_t>(imm_field(info, second));
  } else {
    throw std::logic_error("s390x encoder: " + std::string(info.mnemonic) + " is not RIE-b/c");
  }
  check_rel(info, rel);
  put8(static_cast<uint8_t>(info.opcode >> 8));
  put8(byte1);
  put16(static_cast<uint16_t>(rel / 2));
  put8(byte4);
  put8(static_cast<uint8_t>(info.opcode));
}

void Assembler::rel(Insn insn, unsigned r1, Label target, int64_t second, unsigned m3) {
  if (target.id() >= labels_.size()) fail("label " + std::to_string(target.id()) + " is unknown");
  const size_t at = buf_.size();
  const Format f = insn_info(insn).format;
  if (f == Format::RIE_b || f == Format::RIE_c)
    rie(insn, r1, second, m3, 0);
  else
    rel_ri(insn, r1, 0);
  const Fixup fix{at, target.id(), insn};
  if (is_bound(target))
    patch(fix, label_offset(target));
  else
    fixups_.push_back(fix);
}

// ---- SS-a: op:8 L:8 B1:4 D1:12 B2:4 D2:12 ----------------------------------------

void Assembler::mvc(const Mem& dst, const Mem& src, unsigned length) {
  const InsnInfo& info = row(Insn::mvc, Format::SS_a);
  check_base(info, dst);
  check_base(info, src);
  check_no_index(info, dst);
  check_no_index(info, src);
  if (length < 1 || length > 256)
    fail("length " + std::to_string(length) + " out of range for mvc" + range(1, 256));
  const uint32_t d1 = disp12(info, dst.disp);
  const uint32_t d2 = disp12(info, src.disp);
  put8(static_cast<uint8_t>(info.opcode));
  put8(static_cast<uint8_t>(length - 1));  // L holds the length minus one
  put16(static_cast<uint16_t>(dst.base << 12 | d1));
  put16(static_cast<uint16_t>(src.base << 12 | d2));
}

// ---- SIL: op:16 B1:4 D1:12 I2:16 -------------------------------------------------

void Assembler::sil(Insn insn, const Mem& m, int64_t imm) {
  const InsnInfo& info = row(insn, Format::SIL);
  check_base(info, m);
  check_no_index(info, m);
  const uint32_t d = disp12(info, m.disp);
  const uint32_t i2 = imm_field(info, imm);
  put16(info.opcode);
  put16(static_cast<uint16_t>(m.base << 12 | d));
  put16(static_cast<uint16_t>(i2));
}

}  // namespace xtramp::s390x
