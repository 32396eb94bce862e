#include "raw_btf.hpp"

#include <algorithm>

namespace xtramp::fuzz {
namespace {

constexpr uint32_t kHeaderLen = 24;

uint32_t info(uint32_t kind, uint32_t vlen, bool kflag) {
  return (kflag ? 1u << 31 : 0u) | (kind & 0x1f) << 24 | (vlen & 0xffff);
}

// Words after the 3-word header, per kind (btf_type_size in libbpf).
std::optional<uint32_t> extra_words(uint32_t kind, uint32_t vlen) {
  switch (kind) {
    case kFwd:
    case kConst:
    case kVolatile:
    case kRestrict:
    case kPtr:
    case kTypedef:
    case kFunc:
    case kFloat:
    case kTypeTag:
      return 0;
    case kInt:
    case kVar:
    case kDeclTag:
      return 1;
    case kArray:
      return 3;
    case kStruct:
    case kUnion:
    case kDatasec:
    case kEnum64:
      return 3 * vlen;
    case kEnum:
    case kFuncProto:
      return 2 * vlen;
    default:
      return std::nullopt;
  }
}

}  // namespace

uint32_t load_u32(const std::vector<uint8_t>& b, size_t off, bool be) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) {
    const uint32_t byte = b[off + static_cast<size_t>(i)];
    v |= be ? byte << (8 * (3 - i)) : byte << (8 * i);
  }
  return v;
}

void store_u32(std::vector<uint8_t>& b, size_t off, uint32_t v, bool be) {
  for (int i = 0; i < 4; ++i) {
    b[off + static_cast<size_t>(i)] = static_cast<uint8_t>(be ? v >> (8 * (3 - i)) : v >> (8 * i));
  }
}

uint32_t RawBtfBuilder::str(const std::string& s) {
  if (s.empty()) return 0;
  const auto off = static_cast<uint32_t>(strings_.size());
  strings_ += s;
  strings_ += '\0';
  return off;
}

uint32_t RawBtfBuilder::add(uint32_t kind, const std::string& name, uint32_t vlen, bool kflag,
                            uint32_t size_or_type, const std::vector<uint32_t>& extra) {
  std::vector<uint32_t> words{str(name), info(kind, vlen, kflag), size_or_type};
  words.insert(words.end(), extra.begin(), extra.end());
  types_.push_back(std::move(words));
  return static_cast<uint32_t>(types_.size());
}

uint32_t RawBtfBuilder::int_(const std::string& name, uint32_t size, uint32_t bits,
                             bool is_signed) {
  return add(kInt, name, 0, false, size, {(is_signed ? 1u << 24 : 0u) | bits});
}

uint32_t RawBtfBuilder::float_(const std::string& name, uint32_t size) {
  return add(kFloat, name, 0, false, size);
}

uint32_t RawBtfBuilder::ptr(uint32_t type) {
  return add(kPtr, "", 0, false, type);
}

uint32_t RawBtfBuilder::modifier(uint32_t kind, uint32_t type, const std::string& name) {
  return add(kind, name, 0, false, type);
}

uint32_t RawBtfBuilder::array(uint32_t elem, uint32_t nelems, uint32_t index_type) {
  return add(kArray, "", 0, false, 0, {elem, index_type, nelems});
}

uint32_t RawBtfBuilder::aggregate(uint32_t kind, const std::string& name, uint32_t size,
                                  const std::vector<Member>& members, bool kflag) {
  std::vector<uint32_t> extra;
  for (const Member& m : members) extra.insert(extra.end(), {str(m.name), m.type, m.offset});
  return add(kind, name, static_cast<uint32_t>(members.size()), kflag, size, extra);
}

uint32_t RawBtfBuilder::enum_(const std::string& name, uint32_t size, uint32_t values) {
  std::vector<uint32_t> extra;
  for (uint32_t i = 0; i < values; ++i)
    extra.insert(extra.end(), {str(name + std::to_string(i)), i});
  return add(kEnum, name, values, false, size, extra);
}

uint32_t RawBtfBuilder::func_proto(uint32_t ret, const std::vector<Member>& params) {
  std::vector<uint32_t> extra;
  for (const Member& p : params) extra.insert(extra.end(), {str(p.name), p.type});
  return add(kFuncProto, "", static_cast<uint32_t>(params.size()), false, ret, extra);
}

uint32_t RawBtfBuilder::func(const std::string& name, uint32_t proto) {
  return add(kFunc, name, 1 /* global linkage */, false, proto);
}

std::vector<uint8_t> RawBtfBuilder::bytes(bool be) const {
  size_t type_words = 0;
  for (const auto& t : types_) type_words += t.size();
  const auto type_len = static_cast<uint32_t>(4 * type_words);
  const auto str_len = static_cast<uint32_t>(strings_.size());
  std::vector<uint8_t> out(kHeaderLen + type_len + str_len);
  out[be ? 0 : 1] = 0xeb;  // magic 0xeB9F in the blob's byte order
  out[be ? 1 : 0] = 0x9f;
  out[2] = 1;  // version
  store_u32(out, 4, kHeaderLen, be);
  store_u32(out, 8, 0, be);  // type_off
  store_u32(out, 12, type_len, be);
  store_u32(out, 16, type_len, be);  // str_off
  store_u32(out, 20, str_len, be);
  size_t off = kHeaderLen;
  for (const auto& t : types_) {
    for (uint32_t w : t) {
      store_u32(out, off, w, be);
      off += 4;
    }
  }
  std::copy(strings_.begin(), strings_.end(), out.begin() + static_cast<long>(off));
  return out;
}

std::optional<RawBtfLayout> walk_raw_btf(const std::vector<uint8_t>& blob) {
  if (blob.size() < kHeaderLen) return std::nullopt;
  RawBtfLayout l;
  if (blob[0] == 0x9f && blob[1] == 0xeb) {
    l.big_endian = false;
  } else if (blob[0] == 0xeb && blob[1] == 0x9f) {
    l.big_endian = true;
  } else {
    return std::nullopt;
  }
  l.hdr_len = load_u32(blob, 4, l.big_endian);
  l.type_off = load_u32(blob, 8, l.big_endian);
  l.type_len = load_u32(blob, 12, l.big_endian);
  l.str_off = load_u32(blob, 16, l.big_endian);
  l.str_len = load_u32(blob, 20, l.big_endian);
  const uint64_t start = uint64_t{l.hdr_len} + l.type_off;
  const uint64_t end = start + l.type_len;
  if (end > blob.size()) return std::nullopt;
  uint64_t off = start;
  while (off + 12 <= end) {
    l.record_offsets.push_back(static_cast<uint32_t>(off));
    const uint32_t i = load_u32(blob, off + 4, l.big_endian);
    const auto words = extra_words(i >> 24 & 0x1f, i & 0xffff);
    if (!words) break;
    off += 12 + 4 * uint64_t{*words};
  }
  return l;
}

}  // namespace xtramp::fuzz
