#include "common/arch.hpp"

namespace xtramp {

std::string_view arch_name(Arch a) {
  switch (a) {
    case Arch::x86_64:
      return "x86_64";
    case Arch::arm64:
      return "arm64";
    case Arch::s390x:
      return "s390x";
  }
  return "?";
}

std::optional<Arch> parse_arch(std::string_view s) {
  if (s == "x86_64" || s == "x86-64" || s == "amd64" || s == "x64") return Arch::x86_64;
  if (s == "arm64" || s == "aarch64") return Arch::arm64;
  if (s == "s390x" || s == "s390") return Arch::s390x;
  return std::nullopt;
}

Arch host_arch() {
#if defined(__x86_64__)
  return Arch::x86_64;
#elif defined(__aarch64__)
  return Arch::arm64;
#elif defined(__s390x__)
  return Arch::s390x;
#else
#error "xtramp runs on x86_64, arm64 or s390x hosts"
#endif
}

Endian arch_endian(Arch a) {
  return a == Arch::s390x ? Endian::big : Endian::little;
}

// x86-64 psABI Fig. 3.1 and AAPCS64 Table 1: __int128 and long double are
// 16-aligned; s390x ELF ABI "Scalar types": both are 8-aligned.
uint32_t int128_align(Arch a) {
  return a == Arch::s390x ? 8 : 16;
}
uint32_t long_double_align(Arch a) {
  return a == Arch::s390x ? 8 : 16;
}

}  // namespace xtramp
