// Fuzz seeds: hand-built raw BTF with adversarial type graphs, the BTF of
// compiled objects, and mangled variants of any seed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace xtramp::fuzz {

struct Seed {
  std::string name;
  std::vector<uint8_t> bytes;
};

// Raw BTF built by hand: a valid baseline ("valid_*") plus cycles, dangling
// ids, absurd sizes and counts, deep nesting, odd kinds where types belong.
std::vector<Seed> crafted_seeds();

// An ELF object as is, plus its .BTF as raw BTF (re-serialised by libbpf in
// the object's byte order). Throws std::runtime_error when it cannot be read.
std::vector<Seed> object_seeds(const std::string& path);

// Deterministic mangled variants: truncations, byte flips, corrupted header
// fields and, for raw BTF, corrupted type records (ids, sizes, counts, kinds).
std::vector<Seed> mangled_variants(const Seed& seed, size_t max_variants);

}  // namespace xtramp::fuzz
