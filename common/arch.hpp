// Target architectures xtramp knows, and the per-target facts the frontend
// needs before any backend is involved (endianness, scalar alignments).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace xtramp {

enum class Arch : uint8_t { x86_64, arm64, s390x };

inline constexpr Arch kAllArches[] = {Arch::x86_64, Arch::arm64, Arch::s390x};

enum class Endian : uint8_t { little, big };

// "x86_64", "arm64", "s390x".
std::string_view arch_name(Arch a);

// Accepts the canonical names plus the common aliases (x86-64, amd64, aarch64, s390).
std::optional<Arch> parse_arch(std::string_view s);

// The architecture this process runs on (decided at build time of the library,
// reported at run time so the CLI can mark it).
Arch host_arch();

Endian arch_endian(Arch a);

// Alignment of the scalars whose alignment differs between our targets
// (psABI tables: x86-64 and AAPCS64 use 16, s390x uses 8 for both).
uint32_t int128_align(Arch a);
uint32_t long_double_align(Arch a);

}  // namespace xtramp
