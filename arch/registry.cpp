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

std::span<const Backend* const> backends() {
  static const std::vector<const Backend*> list = [] {
    std::vector<const Backend*> all = {
#define XTRAMP_BACKEND(name) &backend_##name(),
#include "xtramp_backends.inc"
#undef XTRAMP_BACKEND
    };
    std::sort(all.begin(), all.end(),
              [](const Backend* a, const Backend* b) { return a->arch() < b->arch(); });
    return all;
  }();
  return list;
}

const Backend& backend(Arch a) {
  for (const Backend* b : backends())
    if (b->arch() == a) return *b;
  throw Error(Errc::bad_request,
              "no backend for " + std::string(arch_name(a)) + " is built into xtramp");
}

std::span<const TargetDesc* const> targets() {
  static const std::vector<const TargetDesc*> list = [] {
    std::vector<const TargetDesc*> all = {
#define XTRAMP_BACKEND(name) &target_##name(),
#include "xtramp_backends.inc"
#undef XTRAMP_BACKEND
    };
    std::sort(all.begin(), all.end(),
              [](const TargetDesc* a, const TargetDesc* b) { return a->arch < b->arch; });
    return all;
  }();
  return list;
}

}  // namespace xtramp
