// Arch names and facts, read from the target descriptions (common/target.hpp).
#include "common/arch.hpp"

#include "common/error.hpp"
#include "common/target.hpp"

namespace xtramp {

std::string_view arch_name(Arch a) {
  for (const TargetDesc* t : targets())
    if (t->arch == a) return t->name;
  return "?";
}

std::optional<Arch> parse_arch(std::string_view s) {
  for (const TargetDesc* t : targets()) {
    if (s == t->name) return t->arch;
    for (std::string_view alias : t->aliases)
      if (s == alias) return t->arch;
  }
  return std::nullopt;
}

Arch host_arch() {
  static const Arch host = [] {
    for (const TargetDesc* t : targets())
      if (t->is_host) return t->arch;
    throw Error(Errc::unsupported, "xtramp runs on " + arch_list("or") + " hosts");
  }();
  return host;
}

Endian arch_endian(Arch a) {
  return target(a).endian;
}

uint32_t int128_align(Arch a) {
  return target(a).int128_align;
}
uint32_t long_double_align(Arch a) {
  return target(a).long_double_align;
}

const TargetDesc& target(Arch a) {
  for (const TargetDesc* t : targets())
    if (t->arch == a) return *t;
  throw Error(Errc::bad_request,
              "no target description for architecture " + std::to_string(static_cast<unsigned>(a)));
}

const TargetDesc* target_of_elf_machine(uint16_t e_machine) {
  for (const TargetDesc* t : targets())
    if (t->elf_machine == e_machine) return t;
  return nullptr;
}

std::string arch_list(std::string_view last) {
  std::string s;
  const auto all = targets();
  for (size_t i = 0; i < all.size(); ++i) {
    if (i > 0) s += (i + 1 == all.size() && !last.empty()) ? " " + std::string(last) + " " : ", ";
    s += all[i]->name;
  }
  return s;
}

}  // namespace xtramp
