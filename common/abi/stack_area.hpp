// The caller's outgoing argument area (AAPCS64 NSAA, the psABI's memory
// arguments, s390x's parameter area), in stack-pointer offsets at entry.
#pragma once

#include <cstdint>

namespace xtramp::abi {

inline uint32_t align_up(uint32_t v, uint32_t a) {
  return a <= 1 ? v : (v + a - 1) / a * a;
}

class StackArea {
 public:
  explicit StackArea(int32_t base) : base_(base) {}

  // Rounds the next free byte up to `align`, reserves `size` bytes rounded up
  // to `slot` (8 on all our ABIs), returns the SP-relative offset of the start.
  int32_t alloc(uint32_t size, uint32_t align, uint32_t slot = 8) {
    used_ = align_up(used_, align);
    const int32_t at = base_ + static_cast<int32_t>(used_);
    used_ += align_up(size, slot);
    return at;
  }
  uint32_t used() const { return used_; }  // bytes from the area's start, incl. padding
  int32_t base() const { return base_; }

 private:
  int32_t base_;
  uint32_t used_ = 0;
};

}  // namespace xtramp::abi
