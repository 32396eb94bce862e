// The backend and target registry: the list is generated from the arch/
// folders present (arch/CMakeLists.txt writes xtramp_backends.inc); each folder
// defines backend_<name>() and target_<name>().
#include <algorithm>
#include <vector>

#include "common/backend.hpp"
#include "common/error.hpp"
#include "common/target.hpp"

namespace xtramp {

#define XTRAMP_BACKEND(name)       \
  const Backend& backend_##name(); \
  const TargetDesc& target_##name();
#include "xtramp_backends.inc"
#undef XTRAMP_BACKEND

namespace {

Arch arch_of(const Backend* b) {
  return b->arch();
}
Arch arch_of(const TargetDesc* t) {
  return t->arch;
}

// `all` in Arch order.
template <class T>
std::vector<const T*> in_arch_order(std::vector<const T*> all) {
  std::sort(all.begin(), all.end(), [](const T* a, const T* b) { return arch_of(a) < arch_of(b); });
  return all;
}

}  // namespace

std::span<const Backend* const> backends() {
  static const std::vector<const Backend*> list = in_arch_order<Backend>({
#define XTRAMP_BACKEND(name) &backend_##name(),
#include "xtramp_backends.inc"
#undef XTRAMP_BACKEND
  });
  return list;
}

const Backend& backend(Arch a) {
  for (const Backend* b : backends())
    if (b->arch() == a) return *b;
  throw Error(Errc::bad_request,
              "no backend for " + std::string(arch_name(a)) + " is built into xtramp");
}

std::span<const TargetDesc* const> targets() {
  static const std::vector<const TargetDesc*> list = in_arch_order<TargetDesc>({
#define XTRAMP_BACKEND(name) &target_##name(),
#include "xtramp_backends.inc"
#undef XTRAMP_BACKEND
  });
  return list;
}

}  // namespace xtramp
