// The arm64 trampoline emitter (emitter.cpp beside this file).
#pragma once

#include <memory>

#include "common/tramp/emitter.hpp"

namespace xtramp::arm64 {

std::unique_ptr<Emitter> make_emitter();

}  // namespace xtramp::arm64
