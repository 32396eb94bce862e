// capstone wrapper; see disasm.hpp.
#include "common/disasm/disasm.hpp"

#include <capstone/capstone.h>

#include <algorithm>
#include <cstdio>
#include <string_view>

#include "common/error.hpp"
#include "common/target.hpp"

namespace xtramp {

namespace {

// The capstone handle and one instruction buffer, closed on every path.
class Capstone {
 public:
  explicit Capstone(Arch arch) {
    const CapstoneIds ids = target(arch).capstone;
    const cs_err err =
        cs_open(static_cast<cs_arch>(ids.arch), static_cast<cs_mode>(ids.mode), &handle_);
    if (err != CS_ERR_OK) {
      throw Error(Errc::bad_request, "disassemble: capstone cannot open " +
                                         std::string(arch_name(arch)) + ": " + cs_strerror(err));
    }
    insn_ = cs_malloc(handle_);
    if (insn_ == nullptr) {
      cs_close(&handle_);
      throw Error(Errc::bad_request, "disassemble: capstone cs_malloc failed");
    }
  }
  ~Capstone() {
    cs_free(insn_, 1);
    cs_close(&handle_);
  }
  Capstone(const Capstone&) = delete;
  Capstone& operator=(const Capstone&) = delete;

  csh handle() const { return handle_; }
  cs_insn* insn() const { return insn_; }

 private:
  csh handle_ = 0;
  cs_insn* insn_ = nullptr;
};

std::string hex_byte(uint8_t b) {
  static constexpr char kDigits[] = "0123456789abcdef";
  return {kDigits[b >> 4], kDigits[b & 0xf]};
}

}  // namespace

std::vector<DisasmLine> disassemble(Arch arch, std::span<const uint8_t> code, uint64_t address) {
  Capstone cs(arch);
  std::vector<DisasmLine> out;
  const uint8_t* p = code.data();
  size_t left = code.size();
  uint64_t addr = address;
  while (left > 0) {
    const uint8_t* at = p;
    const uint64_t at_addr = addr;
    if (cs_disasm_iter(cs.handle(), &p, &left, &addr, cs.insn())) {
      const cs_insn* i = cs.insn();
      out.push_back({at_addr, std::vector<uint8_t>(at, at + i->size), i->mnemonic, i->op_str});
      continue;
    }
    // cs_disasm_iter leaves p/left/addr alone on failure.
    const size_t n = std::min(target(arch).undecodable_length(*at), left);
    DisasmLine line{at_addr, std::vector<uint8_t>(at, at + n), ".byte", ""};
    for (size_t k = 0; k < n; ++k) {
      if (k) line.operands += ", ";
      line.operands += "0x" + hex_byte(at[k]);
    }
    out.push_back(std::move(line));
    p = at + n;
    left -= n;
    addr = at_addr + n;
  }
  return out;
}

std::string format_disasm(const std::vector<DisasmLine>& lines) {
  size_t max_bytes = 0, max_mnemonic = 0;
  for (const DisasmLine& l : lines) {
    max_bytes = std::max(max_bytes, l.bytes.size());
    max_mnemonic = std::max(max_mnemonic, l.mnemonic.size());
  }
  const size_t bytes_width = max_bytes == 0 ? 0 : max_bytes * 3 - 1;
  std::string out;
  for (const DisasmLine& l : lines) {
    char addr[32];
    std::snprintf(addr, sizeof addr, "%4llx:  ", static_cast<unsigned long long>(l.address));
    std::string row = addr;
    std::string bytes;
    for (size_t k = 0; k < l.bytes.size(); ++k) {
      if (k) bytes += ' ';
      bytes += hex_byte(l.bytes[k]);
    }
    bytes.resize(bytes_width, ' ');
    row += bytes;
    row += "   ";
    row += l.mnemonic;
    if (!l.operands.empty()) {
      row.append(max_mnemonic - l.mnemonic.size() + 2, ' ');
      row += l.operands;
    }
    while (!row.empty() && row.back() == ' ') row.pop_back();
    out += row;
    out += '\n';
  }
  return out;
}

}  // namespace xtramp
