// The s390x trampoline emitter (emitter.cpp beside this file).
#pragma once

#include <memory>

#include "common/tramp/emitter.hpp"

namespace xtramp::s390x {

std::unique_ptr<Emitter> make_emitter();

}  // namespace xtramp::s390x
