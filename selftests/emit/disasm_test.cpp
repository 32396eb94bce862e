// common/disasm: capstone 4 on all three architectures, ".byte" lines for
// undecodable bytes, and the objdump-like listing.
#include "common/disasm/disasm.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using xtramp::Arch;
using xtramp::DisasmLine;
using xtramp::disassemble;
using xtramp::format_disasm;

std::vector<std::string> texts(const std::vector<DisasmLine>& lines) {
  std::vector<std::string> out;
  for (const auto& l : lines)
    out.push_back(l.operands.empty() ? l.mnemonic : l.mnemonic + " " + l.operands);
  return out;
}

using Bytes = std::vector<uint8_t>;
using Texts = std::vector<std::string>;

TEST(Disasm, X86_64) {
  // c3 = ret; 55 = push rbp; 48 89 e5 = mov rbp, rsp (REX.W 89 /r);
  // 0f 0b = ud2 (capstone prints Intel syntax).
  const Bytes code = {0x55, 0x48, 0x89, 0xe5, 0x0f, 0x0b, 0xc3};
  const auto lines = disassemble(Arch::x86_64, code, 0x401000);
  EXPECT_EQ(texts(lines), (Texts{"push rbp", "mov rbp, rsp", "ud2", "ret"}));
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[1].address, 0x401001u);
  EXPECT_EQ(lines[1].bytes, (Bytes{0x48, 0x89, 0xe5}));
  EXPECT_EQ(lines[3].address, 0x401006u);
}

TEST(Disasm, Arm64) {
  // d65f03c0 = ret; a9bf7bfd = stp x29, x30, [sp, #-16]!; d503201f = nop.
  const Bytes code = {0xfd, 0x7b, 0xbf, 0xa9, 0x1f, 0x20, 0x03, 0xd5, 0xc0, 0x03, 0x5f, 0xd6};
  const auto lines = disassemble(Arch::arm64, code);
  EXPECT_EQ(texts(lines), (Texts{"stp x29, x30, [sp, #-0x10]!", "nop", "ret"}));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[2].address, 8u);
}

TEST(Disasm, S390x) {
  // 07fe = bcr 15,%r14 = br %r14; eb6ff0300024 = stmg %r6,%r15,48(%r15);
  // a7fbff60 = aghi %r15,-160; c0e500000000 = brasl %r14,. (target: itself).
  const Bytes code = {0xeb, 0x6f, 0xf0, 0x30, 0x00, 0x24, 0xa7, 0xfb, 0xff,
                      0x60, 0xc0, 0xe5, 0x00, 0x00, 0x00, 0x00, 0x07, 0xfe};
  const auto lines = disassemble(Arch::s390x, code, 0x100);
  EXPECT_EQ(texts(lines), (Texts{"stmg %r6, %r15, 0x30(%r15)", "aghi %r15, -0xa0",
                                 "brasl %r14, 0x10a", "br %r14"}));
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0].bytes.size(), 6u);
  EXPECT_EQ(lines[1].bytes.size(), 4u);
  EXPECT_EQ(lines[3].address, 0x110u);
}

TEST(Disasm, UndecodableBytesAreByteLines) {
  // x86-64: 06 (push es) is invalid in 64-bit mode; one byte per line.
  EXPECT_EQ(texts(disassemble(Arch::x86_64, Bytes{0x06, 0xc3})), (Texts{".byte 0x06", "ret"}));
  // arm64: all-ones is unallocated; a whole 4-byte word per line.
  EXPECT_EQ(texts(disassemble(Arch::arm64, Bytes{0xff, 0xff, 0xff, 0xff, 0xc0, 0x03, 0x5f, 0xd6})),
            (Texts{".byte 0xff, 0xff, 0xff, 0xff", "ret"}));
  // s390x: opcode 00 is invalid; its length code says 2 bytes.
  const auto s = disassemble(Arch::s390x, Bytes{0x00, 0x00, 0x07, 0xfe});
  EXPECT_EQ(texts(s), (Texts{".byte 0x00, 0x00", "br %r14"}));
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[1].address, 2u);
  // A truncated s390x instruction (e3 = RXY, 6 bytes) at the end: the rest.
  EXPECT_EQ(texts(disassemble(Arch::s390x, Bytes{0x07, 0xfe, 0xe3, 0x10})),
            (Texts{"br %r14", ".byte 0xe3, 0x10"}));
  // A trailing partial arm64 word.
  EXPECT_EQ(texts(disassemble(Arch::arm64, Bytes{0xc0, 0x03, 0x5f, 0xd6, 0x1f})),
            (Texts{"ret", ".byte 0x1f"}));
  // Every byte is covered.
  size_t n = 0;
  for (const auto& l : disassemble(Arch::x86_64, Bytes(16, 0x06))) n += l.bytes.size();
  EXPECT_EQ(n, 16u);
}

TEST(Disasm, Empty) {
  EXPECT_TRUE(disassemble(Arch::s390x, Bytes{}).empty());
  EXPECT_EQ(format_disasm({}), "");
}

TEST(Disasm, Listing) {
  const Bytes one = {0xeb, 0x6f, 0xf0, 0x30, 0x00, 0x24};
  EXPECT_EQ(format_disasm(disassemble(Arch::s390x, one)),
            "   0:  eb 6f f0 30 00 24   stmg  %r6, %r15, 0x30(%r15)\n");
  const Bytes two = {0xeb, 0x6f, 0xf0, 0x30, 0x00, 0x24, 0x07, 0xfe};
  EXPECT_EQ(format_disasm(disassemble(Arch::s390x, two, 0x1000)),
            "1000:  eb 6f f0 30 00 24   stmg  %r6, %r15, 0x30(%r15)\n"
            "1006:  07 fe               br    %r14\n");
  // No operands: no trailing blanks.
  EXPECT_EQ(format_disasm(disassemble(Arch::x86_64, Bytes{0xc3})), "   0:  c3   ret\n");
}

}  // namespace
