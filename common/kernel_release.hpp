// A Linux kernel version, for the rules of btf_distill_func_proto() that
// changed over time. Parsed from a release string ("6.12.117+deb13-amd64",
// "7.2.13+deb14-arm64", uname -r); the default is the newest kernel xtramp
// models.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace xtramp {

struct KernelRelease {
  uint16_t major = 0, minor = 0, patch = 0;

  // The newest kernel whose rules xtramp models (the one docs/kernel.md runs).
  static constexpr KernelRelease newest() { return {7, 2, 0}; }
  // "<major>.<minor>[.<patch>]" followed by anything not a digit; nullopt otherwise.
  static std::optional<KernelRelease> parse(std::string_view release);

  constexpr bool at_least(uint16_t maj, uint16_t min) const {
    return major > maj || (major == maj && minor >= min);
  }
  std::string str() const;  // "6.12.117"

  // Union arguments: refused before v6.18 ("arg0 type UNION is unsupported"),
  // accepted since (commit ccb4f5d91ec4 "bpf: Allow union argument in
  // trampoline based programs": __btf_type_is_struct became
  // btf_type_is_struct in btf_distill_func_proto). Seen on Debian's 6.12.117
  // and 7.2.13 kernels by `xtramp kernel-check`.
  constexpr bool union_args() const { return at_least(6, 18); }
};

}  // namespace xtramp
