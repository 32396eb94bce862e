// Built instead of emitter.cpp where asmjit is missing (Debian builds
// libasmjit-dev for amd64 and arm64, not for s390x): this xtramp cannot
// generate arm64 code, and says so.
#include "arch/arm64/emit/emitter.hpp"

#include "common/error.hpp"

namespace xtramp::arm64 {

std::unique_ptr<Emitter> make_emitter() {
  throw Error(Errc::unsupported,
              "arm64 code generation is not available in this build: it needs asmjit, which was "
              "not found when xtramp was built (Debian has no libasmjit-dev for this host)");
}

}  // namespace xtramp::arm64
