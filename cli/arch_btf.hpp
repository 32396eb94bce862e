// `--arch x86_64|arm64|s390x|all` and the BTF each selected architecture's
// model is read from. A FuncModel belongs to one target (scalar alignments
// differ: s390x aligns __int128 to 8), so for every placement architecture the
// BTF is opened with that target — unless --target fixes what the BTF
// describes, in which case that one model is placed on every architecture.
// Sizes and member offsets always come from the BTF as written.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "btf/btf_file.hpp"
#include "cli/btf_source.hpp"
#include "common/arch.hpp"
#include "common/call_layout.hpp"

namespace CLI {
class App;
}

namespace xtramp::cli {

struct ArchSelection {
  std::string arch = "all";
  void add_option(CLI::App& sub, const std::string& what);
  // Throws Error(bad_request) for an unknown name.
  std::vector<Arch> arches() const;
};

// "all" (or nothing) or a comma-separated list ("arm64,s390x"), each name once
// in the result, in the order given. Throws Error(bad_request) naming `who`
// (the command) and the unknown name.
std::vector<Arch> parse_arch_list(const std::string& text, const std::string& who);

struct PolicySelection {
  std::string policy;
  void add_option(CLI::App& sub, const std::string& default_value);
  std::vector<Policy> policies() const;  // "both" gives psabi, linux
};

// Opens the BTF once per distinct model target and hands out the file for
// each placement architecture.
class ArchBtf {
 public:
  explicit ArchBtf(const BtfSource& source) : source_(source) {}
  const btf::BtfFile& for_arch(Arch a);
  // The architecture the BTF itself describes (its ELF machine, or as
  // btf/ guesses for raw BTF), ignoring --arch.
  Arch native_target();

 private:
  const BtfSource& source_;
  std::map<Arch, btf::BtfFile> files_;
  std::optional<Arch> native_;
};

}  // namespace xtramp::cli
