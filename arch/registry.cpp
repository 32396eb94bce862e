// The backend registry: the list of backends is generated from the arch/
// folders present (arch/CMakeLists.txt writes xtramp_backends.inc).
#include <algorithm>
#include <vector>

#include "common/backend.hpp"
#include "common/error.hpp"

namespace xtramp {

#define XTRAMP_BACKEND(name) const Backend& backend_##name();
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

}  // namespace xtramp
