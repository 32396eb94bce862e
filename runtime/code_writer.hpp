// The CodeWriter (common/code_writer.hpp) of this process: what the arch
// entry-patch protocols write and wait with, from the run-time layer
// (text_poke.hpp, poke_probe.hpp, reclaim.hpp, exec_memory.hpp).
#pragma once

#include "common/code_writer.hpp"

namespace xtramp {

// The one instance; Attachment passes it to the backend's entry patching.
CodeWriter& process_code_writer();

}  // namespace xtramp
