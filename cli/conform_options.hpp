// Options `xtramp conform` and `xtramp matrix` share: architectures,
// policies, toolchain overrides, the work directory.
#pragma once

#include <string>
#include <vector>

#include "conform/host/conform_run.hpp"

namespace CLI {
class App;
}

namespace xtramp::cli {

struct ConformOptions {
  std::string arch = "all";
  std::string policy = "both";
  std::vector<std::string> runner, cc;  // ARCH=PATH
  std::vector<std::string> pairs;       // CALLER:CALLEE
  std::string compilers;                // a comma-separated list, or "all"
  std::string workdir;
  bool quiet = false;

  void add_to(CLI::App& sub);
  // Fills arches, policies, tools, pairs, workdir and progress; throws
  // Error(bad_request).
  conform::ConformRequest request() const;
};

// Throws Error(bad_request) when a compiler of `req.pairs` is missing on
// one of `req.arches` (for `xtramp conform`, which was asked for them; the
// matrix reports them as unsupported instead).
void require_compilers(const conform::ConformRequest& req);

}  // namespace xtramp::cli
