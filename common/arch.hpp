// Target architectures xtramp knows: the one enum line a new architecture adds
// (its facts live in arch/<a>/target.cpp, common/target.hpp), and shorthands
// for the facts the frontend asks most.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace xtramp {

// Arch{} is the first enumerator: the default of a struct's arch field.
enum class Arch : uint8_t { x86_64, arm64, s390x };

inline constexpr Arch kAllArches[] = {Arch::x86_64, Arch::arm64, Arch::s390x};

enum class Endian : uint8_t { little, big };

// "x86_64", "arm64", "s390x".
std::string_view arch_name(Arch a);

// Accepts the canonical names plus each target's aliases.
std::optional<Arch> parse_arch(std::string_view s);

// The registered arches' names, comma-separated, with `last` (e.g. "or",
// "and") before the last one when given: help and error text list them so.
std::string arch_list(std::string_view last = "");

// The architecture this process runs on (decided at build time of the library,
// reported at run time so the CLI can mark it).
Arch host_arch();

Endian arch_endian(Arch a);

// Alignment of the scalars whose alignment differs between our targets
// (the psABI scalar tables; TargetDesc::int128_align, long_double_align).
uint32_t int128_align(Arch a);
uint32_t long_double_align(Arch a);

}  // namespace xtramp
