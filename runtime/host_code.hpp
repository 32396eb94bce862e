// The host architecture's code facts (common/host_code.hpp), from the host's
// backend: what code memory, text poke and the poke probe need to know.
#pragma once

#include "common/host_code.hpp"

namespace xtramp {

// The host backend's HostCode; a default one (no probe, nothing after a code
// store) if it has none.
const HostCode& host_code();

}  // namespace xtramp
