#include "btf/btf_bytes.hpp"

#include <cstring>
#include <string>

#include "common/error.hpp"

namespace xtramp::btf {
namespace {

constexpr uint16_t kMagic = 0xeb9f;
constexpr uint32_t kHeaderLen = 24;  // sizeof(struct btf_header) in libbpf 1.1

uint32_t load32(const uint8_t* p, bool swap) {
  uint32_t v = 0;
  std::memcpy(&v, p, 4);
  return swap ? __builtin_bswap32(v) : v;
}

void store32(uint8_t* p, uint32_t v) {
  std::memcpy(p, &v, 4);
}

[[noreturn]] void bad(const std::string& why) {
  throw Error(Errc::malformed_btf, "malformed BTF: " + why);
}

}  // namespace

std::optional<std::vector<uint8_t>> host_order_btf(std::span<const uint8_t> raw) {
  if (raw.size() < kHeaderLen) bad("shorter than a BTF header");
  uint16_t magic = 0;
  std::memcpy(&magic, raw.data(), 2);
  if (magic == kMagic) return std::nullopt;
  if (magic != __builtin_bswap16(kMagic)) bad("no BTF magic");
  const uint8_t* p = raw.data();
  const uint32_t hdr_len = load32(p + 4, true), type_off = load32(p + 8, true),
                 type_len = load32(p + 12, true), str_off = load32(p + 16, true),
                 str_len = load32(p + 20, true);
  const uint64_t size = raw.size();
  if (hdr_len < kHeaderLen || hdr_len > size) bad("header length " + std::to_string(hdr_len));
  const uint64_t data = size - hdr_len;
  if (uint64_t{type_off} + type_len > data || uint64_t{str_off} + str_len > data)
    bad("a section past the end");
  if (type_off % 4 != 0 || type_len % 4 != 0) bad("type section not in 32-bit words");
  if (uint64_t{type_off} + type_len > str_off) bad("the type section overlaps the strings");

  std::vector<uint8_t> out(kHeaderLen + data);
  const uint16_t m = kMagic;
  std::memcpy(out.data(), &m, 2);
  out[2] = p[2];  // version
  out[3] = p[3];  // flags
  store32(out.data() + 4, kHeaderLen);
  store32(out.data() + 8, type_off);
  store32(out.data() + 12, type_len);
  store32(out.data() + 16, str_off);
  store32(out.data() + 20, str_len);
  std::memcpy(out.data() + kHeaderLen, p + hdr_len, data);
  uint8_t* types = out.data() + kHeaderLen + type_off;
  for (uint32_t k = 0; k < type_len; k += 4) store32(types + k, load32(types + k, true));
  return out;
}

}  // namespace xtramp::btf
