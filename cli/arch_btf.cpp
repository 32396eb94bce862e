#include "cli/arch_btf.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>

#include "common/error.hpp"

namespace xtramp::cli {

void ArchSelection::add_option(CLI::App& sub, const std::string& what) {
  sub.add_option("--arch", arch, what + ": " + arch_list() + " or all (default: all)")
      ->option_text("ARCH");
}

std::vector<Arch> ArchSelection::arches() const {
  if (arch == "all") return {std::begin(kAllArches), std::end(kAllArches)};
  if (auto a = parse_arch(arch)) return {*a};
  throw Error(Errc::bad_request,
              "unknown architecture '" + arch + "' (expected " + arch_list() + " or all)");
}

std::vector<Arch> parse_arch_list(const std::string& text, const std::string& who) {
  if (text.empty() || text == "all") return {std::begin(kAllArches), std::end(kAllArches)};
  std::vector<Arch> out;
  for (size_t at = 0; at <= text.size();) {
    const size_t end = std::min(text.find(',', at), text.size());
    const std::string one = text.substr(at, end - at);
    const auto a = parse_arch(one);
    if (!a)
      throw Error(Errc::bad_request, who + ": unknown architecture '" + one + "' (expected " +
                                         arch_list() + ", a comma-separated list of them, or all)");
    if (std::find(out.begin(), out.end(), *a) == out.end()) out.push_back(*a);
    at = end + 1;
  }
  return out;
}

void PolicySelection::add_option(CLI::App& sub, const std::string& default_value) {
  policy = default_value;
  sub.add_option("--policy", policy,
                 "Placement policy: psabi (the real ABI), linux (what the upstream kernel JIT "
                 "does today; only for functions the kernel accepts) or both (default: " +
                     default_value + ")")
      ->option_text("POLICY");
}

std::vector<Policy> PolicySelection::policies() const {
  if (policy == "both") return {Policy::psabi, Policy::linux_jit};
  if (auto p = parse_policy(policy)) return {*p};
  throw Error(Errc::bad_request, "unknown policy '" + policy + "' (expected psabi, linux or both)");
}

const btf::BtfFile& ArchBtf::for_arch(Arch a) {
  const Arch target = source_.options().target.value_or(a);
  if (auto it = files_.find(target); it != files_.end()) return it->second;
  if (files_.empty()) {
    // The first open keeps the BTF's own target, so native_target() is free.
    btf::BtfFile first = source_.open();
    const Arch native = first.target();
    files_.emplace(native, std::move(first));
    native_ = native;
    if (native == target) return files_.at(native);
  }
  btf::OpenOptions o = source_.options();
  o.target = target;
  return files_.emplace(target, btf::BtfFile::open(o)).first->second;
}

Arch ArchBtf::native_target() {
  if (!native_) for_arch(kAllArches[0]);
  return *native_;
}

}  // namespace xtramp::cli
