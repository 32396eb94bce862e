// The generator's PRNG: splitmix64 (Steele, Lea, Flood 2014), written out here
// so that the stream is the same with every standard library. Only `% n` and
// shifts are used to derive choices from it (no <random> distributions).
#pragma once

#include <cstdint>
#include <vector>

namespace xtramp::conform::detail {

inline uint64_t splitmix64_mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

class Rng {
 public:
  // The state for case `index` of `seed`: independent of how many cases exist.
  static Rng for_case(uint64_t seed, uint64_t index) {
    return Rng(splitmix64_mix(splitmix64_mix(seed) ^ (index * 0x9e3779b97f4a7c15ull + 1)));
  }
  explicit Rng(uint64_t state) : state_(state) {}

  uint64_t next() {
    state_ += 0x9e3779b97f4a7c15ull;
    return splitmix64_mix(state_);
  }
  // 0 .. n-1 (0 when n == 0).
  uint32_t below(uint32_t n) { return n == 0 ? 0 : static_cast<uint32_t>(next() % n); }
  // lo .. hi inclusive.
  uint32_t range(uint32_t lo, uint32_t hi) { return lo + below(hi - lo + 1); }
  // True with probability num/den.
  bool chance(uint32_t num, uint32_t den) { return below(den) < num; }
  template <class T>
  const T& pick(const std::vector<T>& v) {
    return v[below(static_cast<uint32_t>(v.size()))];
  }

 private:
  uint64_t state_;
};

}  // namespace xtramp::conform::detail
