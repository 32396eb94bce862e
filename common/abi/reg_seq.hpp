// A register class handed out in order: AAPCS64's NGRN/NSRN, the psABI's
// next-register counters, s390x's gr/fr. Arch rules decide when to round,
// skip or close; this only counts.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace xtramp::abi {

class RegSeq {
 public:
  explicit RegSeq(std::span<const uint16_t> regs) : regs_(regs) {}

  size_t next() const { return next_; }  // index of the next free register (NGRN, NSRN, ...)
  size_t left() const { return next_ < regs_.size() ? regs_.size() - next_ : 0; }
  bool fits(size_t n) const { return n <= left(); }

  // Takes `n` consecutive registers, all or nothing; empty when they do not fit.
  std::vector<uint16_t> take(size_t n) {
    std::vector<uint16_t> out;
    if (!fits(n)) return out;
    out.assign(regs_.begin() + static_cast<std::ptrdiff_t>(next_),
               regs_.begin() + static_cast<std::ptrdiff_t>(next_ + n));
    next_ += n;
    return out;
  }
  void round_up_even() { next_ += next_ & 1; }  // AAPCS64 C.10
  void close() { next_ = regs_.size(); }        // AAPCS64 C.3 / C.13

 private:
  std::span<const uint16_t> regs_;
  size_t next_ = 0;
};

}  // namespace xtramp::abi
