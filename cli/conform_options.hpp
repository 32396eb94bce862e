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
  std::string workdir;
  bool quiet = false;

  void add_to(CLI::App& sub);
  // Fills arches, policies, tools, workdir and progress; throws Error(bad_request).
  conform::ConformRequest request() const;
};

}  // namespace xtramp::cli
