// Deterministic mangling of a seed: what a truncated download, a flipped bit
// or a hostile producer does to BTF. Mutations are listed as small edits
// first and only the picked ones are materialised (seeds can be megabytes).
#include <algorithm>

#include "raw_btf.hpp"
#include "seeds.hpp"

namespace xtramp::fuzz {
namespace {

constexpr uint32_t kEvil[] = {0, 1, 0x7fff, 0xffff, 0x7fffffff, 0xfffffff0, 0xffffffff};

struct Edit {
  enum class Op { truncate, set_byte, set_u32, set_u64 } op;
  size_t at = 0;  // new length, or byte offset
  uint64_t value = 0;
  bool big_endian = false;
  std::string what;
};

// Offset of the first raw BTF header in the blob (0 for raw BTF, the .BTF
// section inside an ELF file), if any.
std::optional<size_t> find_btf(const std::vector<uint8_t>& b) {
  for (size_t i = 0; i + 24 <= b.size(); ++i) {
    const bool le = b[i] == 0x9f && b[i + 1] == 0xeb;
    const bool be = b[i] == 0xeb && b[i + 1] == 0x9f;
    if ((le || be) && b[i + 2] == 1 && b[i + 3] == 0) return i;
  }
  return std::nullopt;
}

void truncations(size_t n, std::vector<Edit>& out) {
  for (size_t len : {size_t{0}, size_t{1}, size_t{4}, size_t{23}, size_t{24}, size_t{25}, n / 4,
                     n / 2, 3 * n / 4, n > 0 ? n - 1 : 0}) {
    if (len < n) out.push_back({Edit::Op::truncate, len, 0, false, "trunc-" + std::to_string(len)});
  }
}

void byte_flips(const std::vector<uint8_t>& b, size_t count, std::vector<Edit>& out) {
  uint64_t state = 0x9e3779b97f4a7c15ull ^ b.size();
  for (size_t i = 0; i < count && !b.empty(); ++i) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    const size_t pos = (state >> 33) % b.size();
    const uint8_t values[] = {0x00, 0xff, static_cast<uint8_t>(b[pos] ^ 0x80),
                              static_cast<uint8_t>(b[pos] + 1)};
    out.push_back({Edit::Op::set_byte, pos, values[i % 4], false, "flip-" + std::to_string(pos)});
  }
}

// Header fields and type records of the raw BTF at `base` inside the seed.
void structured(const std::vector<uint8_t>& bytes, size_t base, std::vector<Edit>& out) {
  const std::vector<uint8_t> raw(bytes.begin() + static_cast<long>(base), bytes.end());
  const auto layout = walk_raw_btf(raw);
  if (!layout) return;
  const bool be = layout->big_endian;
  auto set = [&](const std::string& what, size_t off, uint32_t value) {
    out.push_back({Edit::Op::set_u32, base + off, value, be, what});
  };
  for (size_t field = 4; field < 24; field += 4) {
    for (uint32_t value : kEvil) {
      set("hdr-" + std::to_string(field) + "=" + std::to_string(value), field, value);
    }
  }
  const auto& recs = layout->record_offsets;
  const auto nr_types = static_cast<uint32_t>(recs.size());
  const uint64_t types_end = uint64_t{layout->hdr_len} + layout->type_off + layout->type_len;
  for (uint32_t i = 0; i < nr_types; ++i) {
    const uint32_t off = recs[i];
    const uint32_t id = i + 1;
    const std::string at = "type-" + std::to_string(id);
    const uint32_t info = load_u32(raw, off + 4, be);
    // size_or_type: void, itself, the next type, past the end, absurd.
    for (uint32_t value : {0u, id, id + 1, nr_types + 1, 0x7fffffffu, 0xffffffffu}) {
      set(at + ".type=" + std::to_string(value), off + 8, value);
    }
    set(at + ".vlen=max", off + 4, info | 0xffff);
    set(at + ".vlen=0", off + 4, info & ~0xffffu);
    set(at + ".kflag", off + 4, info ^ (1u << 31));
    for (uint32_t kind = 1; kind <= 19; ++kind) {
      set(at + ".kind=" + std::to_string(kind), off + 4, (info & ~(0x1fu << 24)) | kind << 24);
    }
    // The first kind-specific words: member/param types, array counts, int bits.
    const uint64_t end = i + 1 < nr_types ? recs[i + 1] : types_end;
    for (uint64_t w = off + 12; w < end && w < off + 12 + 4 * 6; w += 4) {
      for (uint32_t value : {0u, id, nr_types + 1, 0xffffffffu}) {
        set(at + ".w" + std::to_string((w - off) / 4) + "=" + std::to_string(value), w, value);
      }
    }
  }
}

// ELF64 section headers: every section made NOBITS, moved past the end or
// made huge (libelf and libbpf see these before any BTF is parsed).
void elf_sections(const std::vector<uint8_t>& b, std::vector<Edit>& out) {
  if (b.size() < 64 || b[0] != 0x7f || b[1] != 'E' || b[2] != 'L' || b[3] != 'F' || b[4] != 2) {
    return;
  }
  const bool be = b[5] == 2;
  auto u16 = [&](size_t off) {
    return be ? static_cast<uint32_t>(b[off] << 8 | b[off + 1])
              : static_cast<uint32_t>(b[off + 1] << 8 | b[off]);
  };
  const uint64_t shoff = uint64_t{load_u32(b, be ? 0x2c : 0x28, be)} |
                         uint64_t{load_u32(b, be ? 0x28 : 0x2c, be)} << 32;
  const uint32_t shentsize = u16(0x3a), shnum = u16(0x3c);
  if (shentsize < 64 || shoff + uint64_t{shnum} * shentsize > b.size()) return;
  for (uint32_t i = 1; i < shnum; ++i) {
    const size_t sh = shoff + size_t{i} * shentsize;
    const std::string at = "shdr-" + std::to_string(i);
    out.push_back({Edit::Op::set_u32, sh + 4, 8 /* SHT_NOBITS */, be, at + ".nobits"});
    out.push_back({Edit::Op::set_u64, sh + 24, b.size() + 16, be, at + ".offset=past-end"});
    out.push_back({Edit::Op::set_u64, sh + 32, uint64_t{1} << 40, be, at + ".size=huge"});
    out.push_back({Edit::Op::set_u64, sh + 32, 0, be, at + ".size=0"});
  }
}

std::vector<uint8_t> apply(const std::vector<uint8_t>& bytes, const Edit& e) {
  if (e.op == Edit::Op::truncate) {
    return std::vector<uint8_t>(bytes.begin(), bytes.begin() + static_cast<long>(e.at));
  }
  std::vector<uint8_t> b = bytes;
  if (e.op == Edit::Op::set_byte) {
    b[e.at] = static_cast<uint8_t>(e.value);
  } else if (e.op == Edit::Op::set_u32 && e.at + 4 <= b.size()) {
    store_u32(b, e.at, static_cast<uint32_t>(e.value), e.big_endian);
  } else if (e.op == Edit::Op::set_u64 && e.at + 8 <= b.size()) {
    const auto lo = static_cast<uint32_t>(e.value), hi = static_cast<uint32_t>(e.value >> 32);
    store_u32(b, e.at, e.big_endian ? hi : lo, e.big_endian);
    store_u32(b, e.at + 4, e.big_endian ? lo : hi, e.big_endian);
  }
  return b;
}

}  // namespace

std::vector<Seed> mangled_variants(const Seed& seed, size_t max_variants) {
  // Truncations, flips and ELF section edits are few: all of them. The
  // per-type BTF edits are many: an evenly spread subset fills the rest.
  std::vector<Edit> edits;
  truncations(seed.bytes.size(), edits);
  byte_flips(seed.bytes, 64, edits);
  elf_sections(seed.bytes, edits);
  if (edits.size() > max_variants) edits.resize(max_variants);
  std::vector<Edit> btf_edits;
  if (const auto base = find_btf(seed.bytes)) structured(seed.bytes, *base, btf_edits);
  const size_t room = std::min(btf_edits.size(), max_variants - edits.size());
  for (size_t i = 0; i < room; ++i) edits.push_back(btf_edits[i * btf_edits.size() / room]);

  std::vector<Seed> out;
  out.reserve(edits.size());
  for (const Edit& e : edits) out.push_back(Seed{seed.name + "~" + e.what, apply(seed.bytes, e)});
  return out;
}

}  // namespace xtramp::fuzz
