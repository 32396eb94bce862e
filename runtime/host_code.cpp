#include "runtime/host_code.hpp"

#include "common/backend.hpp"

namespace xtramp {

const HostCode& host_code() {
  static const HostCode* const code = [] {
    const HostCode* c = backend(host_arch()).host_code();
    return c != nullptr ? c : new HostCode();
  }();
  return *code;
}

}  // namespace xtramp
