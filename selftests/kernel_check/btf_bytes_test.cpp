// btf/btf_bytes.hpp: non-native BTF with Linux 7.x's 32-byte header, which
// libbpf 1.1 refuses (ENOTSUP), swapped into host order.
#include "btf/btf_bytes.hpp"

#include <bpf/btf.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "btf/btf_file.hpp"
#include "common/error.hpp"

namespace {

using xtramp::btf::host_order_btf;

bool host_big() {
  const uint16_t one = 1;
  uint8_t b = 0;
  std::memcpy(&b, &one, 1);
  return b == 0;
}

// One BTF in the byte order the host does not use: `int` (id 1) and
// `struct s { int a; }` (id 2), with a header of `hdr_len` bytes (24 or 32).
std::vector<uint8_t> foreign_btf(uint32_t hdr_len) {
  std::vector<uint8_t> v;
  auto w16 = [&](uint16_t x) {
    const bool big = !host_big();  // the other order
    v.push_back(static_cast<uint8_t>(big ? x >> 8 : x));
    v.push_back(static_cast<uint8_t>(big ? x : x >> 8));
  };
  auto w32 = [&](uint32_t x) {
    for (int i = 0; i < 4; ++i) {
      const int sh = host_big() ? 8 * i : 24 - 8 * i;
      v.push_back(static_cast<uint8_t>(x >> sh));
    }
  };
  const std::string strs("\0int\0s\0a\0", 9);
  const uint32_t type_len = 16 + 24;  // INT (12 + 4), STRUCT (12 + one member of 12)
  w16(0xeb9f);
  v.push_back(1);  // version
  v.push_back(0);  // flags
  w32(hdr_len);
  w32(0);         // type_off
  w32(type_len);  // type_len
  w32(type_len);  // str_off
  w32(static_cast<uint32_t>(strs.size()));
  while (v.size() < hdr_len) v.push_back(0);
  w32(1);              // "int"
  w32(1u << 24);       // BTF_KIND_INT
  w32(4);              // size
  w32(1u << 24 | 32);  // BTF_INT_SIGNED, 32 bits
  w32(5);              // "s"
  w32(4u << 24 | 1);   // BTF_KIND_STRUCT, vlen 1
  w32(4);              // size
  w32(7);              // "a"
  w32(1);              // type int
  w32(0);              // offset
  v.insert(v.end(), strs.begin(), strs.end());
  return v;
}

TEST(BtfBytes, HostOrderIsLeftAlone) {
  std::vector<uint8_t> v(24, 0);
  const uint16_t magic = 0xeb9f;
  std::memcpy(v.data(), &magic, 2);
  EXPECT_FALSE(host_order_btf(v).has_value());
}

TEST(BtfBytes, SwapsTheLinux7HeaderAndEveryTypeWord) {
  for (uint32_t hdr : {24u, 32u}) {
    const std::vector<uint8_t> in = foreign_btf(hdr);
    const auto out = host_order_btf(in);
    ASSERT_TRUE(out.has_value()) << hdr;
    EXPECT_EQ(out->size(), in.size() - hdr + 24) << hdr;
    struct btf* b = btf__new(out->data(), static_cast<uint32_t>(out->size()));
    ASSERT_NE(b, nullptr) << hdr;
    EXPECT_EQ(btf__type_cnt(b), 3u);
    const struct btf_type* s = btf__type_by_id(b, 2);
    ASSERT_NE(s, nullptr);
    EXPECT_STREQ(btf__name_by_offset(b, s->name_off), "s");
    EXPECT_EQ(btf_vlen(s), 1);
    EXPECT_EQ(s->size, 4u);
    EXPECT_STREQ(btf__name_by_offset(b, btf_members(s)[0].name_off), "a");
    btf__free(b);
  }
}

TEST(BtfBytes, RefusesSectionsPastTheEnd) {
  std::vector<uint8_t> v = foreign_btf(32);
  v.resize(v.size() - 4);  // the strings end early
  EXPECT_THROW((void)host_order_btf(v), xtramp::Error);
  v = foreign_btf(32);
  v[host_big() ? 4 : 7] = 0x40;  // hdr_len 64: more than the data allows
  v[host_big() ? 5 : 6] = 0x7f;
  EXPECT_THROW((void)host_order_btf(v), xtramp::Error);
}

// BtfFile opens such a raw file (libbpf 1.1 alone fails with ENOTSUP) and
// still reports the file's own byte order.
TEST(BtfBytes, BtfFileOpensTheForeignLinux7Layout) {
  const std::string path = std::filesystem::temp_directory_path() /
                           ("xtramp-btf-bytes-" + std::to_string(getpid()) + ".btf");
  const std::vector<uint8_t> v = foreign_btf(32);
  {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(v.data()), static_cast<std::streamsize>(v.size()));
  }
  xtramp::btf::OpenOptions o;
  o.path = path;
  o.use_dwarf = false;
  const xtramp::btf::BtfFile f = xtramp::btf::BtfFile::open(o);
  EXPECT_EQ(f.endianness(), host_big() ? xtramp::Endian::little : xtramp::Endian::big);
  std::filesystem::remove(path);
}

}  // namespace
