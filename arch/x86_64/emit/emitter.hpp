// The x86_64 trampoline emitter (emitter.cpp beside this file).
#pragma once

#include <memory>

#include "common/tramp/emitter.hpp"

namespace xtramp::x86_64 {

std::unique_ptr<Emitter> make_emitter();

}  // namespace xtramp::x86_64
