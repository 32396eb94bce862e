// A seeded random generator of C function signatures (declarations only) and
// the fixed corpus (kernel selftests, the 2025 RFC cases, odd-sized structs),
// for the conformance matrix that checks xtramp's argument placement against
// GCC on x86-64, arm64 and s390x. In the spirit of GCC's struct-layout-1 and
// abi-cafe: every type is a named file-scope definition, every aggregate is at
// most 40 bytes on all three architectures, and the output is valid GCC 12 C
// (-std=gnu11) for x86_64, aarch64 and s390x.
//
// Determinism: the output depends only on (seed, count) and is the same on
// every host (own PRNG, no <random> distributions). Signature i of a seed is
// the same text whatever `count` is: its PRNG state is derived from
// (seed, i) and its type names carry i (gs<i>_<k>, gu<i>_<k>, ge<i>_<k>,
// gf<i>_<k>), so `--seed S --count N` with N > i reproduces case i.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace xtramp::conform {

struct SigGenOptions {
  uint64_t seed = 1;
  uint32_t count = 2000;
};

struct GeneratedSignature {
  std::string name;   // gen_<group>_<i>, i the 0-based index
  std::string group;  // one of generated_groups()
};

struct GeneratedCorpus {
  // A header comment (seed, count), then per signature a "/* case <i>: ... */"
  // comment line, its type definitions and its declaration (one line).
  std::string c_source;
  std::vector<GeneratedSignature> functions;  // in declaration order
};

GeneratedCorpus generate_signatures(const SigGenOptions& opts);

// The group names generate_signatures can produce, in a stable display order.
// Signature i belongs to group generated_groups()[i % size()].
const std::vector<std::string>& generated_groups();

// The fixed corpus, embedded at build time from conform/corpus/*.h.
struct CorpusFile {
  std::string name;      // "selftests.h", "rfc.h", "odd_structs.h"
  std::string group;     // "selftests", "rfc", "odd_structs"
  std::string c_source;  // the header's text
};
const std::vector<CorpusFile>& builtin_corpus();

}  // namespace xtramp::conform
