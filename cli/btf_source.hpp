// The options every BTF-reading subcommand shares (--btf, --btf-base,
// --target, --no-dwarf) and the one place that turns them into a BtfFile.
#pragma once

#include <string>

#include "btf/btf_file.hpp"

namespace CLI {
class App;
}

namespace xtramp::cli {

struct BtfSource {
  std::string path;
  std::string base_path;
  std::string target;
  bool no_dwarf = false;

  void add_options(CLI::App& sub);
  // Throws xtramp::Error (io, malformed_btf, bad_request) naming the file.
  btf::BtfFile open() const;
  btf::OpenOptions options() const;
};

}  // namespace xtramp::cli
