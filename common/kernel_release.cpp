#include "common/kernel_release.hpp"

#include <cctype>

namespace xtramp {

std::optional<KernelRelease> KernelRelease::parse(std::string_view s) {
  uint32_t part[3] = {0, 0, 0};
  size_t i = 0;
  int n = 0;
  for (; n < 3; ++n) {
    const size_t start = i;
    uint32_t v = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])) != 0 && v < 100000)
      v = v * 10 + static_cast<uint32_t>(s[i++] - '0');
    if (i == start || v > 65535) return std::nullopt;
    part[n] = v;
    if (i >= s.size() || s[i] != '.') break;
    ++i;
  }
  if (n < 1) return std::nullopt;  // "<major>" alone is not a release
  if (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])) != 0) return std::nullopt;
  return KernelRelease{static_cast<uint16_t>(part[0]), static_cast<uint16_t>(part[1]),
                       static_cast<uint16_t>(part[2])};
}

std::string KernelRelease::str() const {
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

}  // namespace xtramp
