// Disassembly of generated code with capstone 4 (x86-64, arm64, s390x), for
// tests, the CLI and debugging. Undecodable bytes are reported as ".byte"
// lines, never dropped: a listing always covers every byte it was given.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/arch.hpp"

namespace xtramp {

struct DisasmLine {
  uint64_t address;            // of the first byte
  std::vector<uint8_t> bytes;  // the instruction's bytes
  std::string mnemonic;        // ".byte" for bytes capstone cannot decode
  std::string operands;        // capstone's operand text ("%r6, %r15, 0x30(%r15)")
};

// Disassembles all of `code`, the first byte at `address`. Relative branch
// targets are printed as absolute addresses (address + offset). When capstone
// cannot decode an instruction, one ".byte" line takes the undecodable unit:
// 1 byte on x86-64, 4 on arm64, and on s390x the length the first opcode byte
// gives (2, 4 or 6), each at most what is left. Throws
// Error(Errc::bad_request) if capstone cannot be opened for `arch`.
std::vector<DisasmLine> disassemble(Arch arch, std::span<const uint8_t> code, uint64_t address = 0);

// An objdump-like listing, one line per instruction:
//   "   0:  eb 6f f0 30 00 24   stmg  %r6, %r15, 0x30(%r15)\n"
// (hex address, the bytes, the mnemonic padded to the longest one, the
// operands).
std::string format_disasm(const std::vector<DisasmLine>& lines);

}  // namespace xtramp
