// `xtramp place`: where every argument and the return value of a function
// live at the call boundary, per architecture and placement policy.
#include <cstdio>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/arch_btf.hpp"
#include "cli/btf_source.hpp"
#include "cli/command.hpp"
#include "cli/exit_codes.hpp"
#include "cli/json_text.hpp"
#include "cli/place_report.hpp"
#include "common/backend.hpp"
#include "common/error.hpp"

namespace xtramp::cli {
namespace {

constexpr const char* kPlaceHelp =
    "For each architecture and policy, a table: argument, type, size, alignment ('?' when BTF\n"
    "cannot make it certain), location and ctx slot(s). Locations: registers (x2:x3 for a value\n"
    "split over two), stack+N (bytes from the first stack argument), *x1 (by ref) for a pointer\n"
    "to a copy. psabi is the real ABI; linux models what the upstream kernel JIT does today and\n"
    "only applies to functions the kernel accepts (see xtramp model --kernel-compat).\n"
    "The model is read for each architecture's scalar rules (sizes as the BTF says) unless\n"
    "--target fixes it.\n\n";

class PlaceCommand final : public Command {
 public:
  void configure(CLI::App& sub) override {
    sub.footer(std::string(kPlaceHelp) + kExitCodesHelp);
    source_.add_options(sub);
    arch_.add_option(sub, "Architecture(s) to place on");
    policy_.add_option(sub, "psabi");
    sub.add_flag("--json", json_,
                 "JSON: per function {name, layouts[]}, each layout with the parts of every "
                 "argument (an array with several FUNCs)");
    sub.add_option("FUNC", functions_, "Function names")->required();
  }

  int run() override {
    const std::vector<Arch> arches = arch_.arches();
    const std::vector<Policy> policies = policy_.policies();
    ArchBtf files(source_);
    // Resolve every name first: one bad name fails the command before output.
    for (const std::string& name : functions_) files.for_arch(arches.front()).find_function(name);

    bool all_placed = true;
    nlohmann::ordered_json array = nlohmann::ordered_json::array();
    std::string text;
    for (const std::string& name : functions_) {
      nlohmann::ordered_json layouts = nlohmann::ordered_json::array();
      for (Arch a : arches) {
        const btf::BtfFile& file = files.for_arch(a);
        std::optional<FuncModel> model;
        std::string model_error;
        try {
          model = file.model_by_id(file.find_function(name));
        } catch (const Error& e) {
          if (e.code() != Errc::unsupported && e.code() != Errc::too_many_args) throw;
          model_error = e.what();
        }
        for (Policy p : policies) {
          const Placement placed = place_function(backend(a), p, model, model_error);
          all_placed &= placed.layout.has_value();
          if (json_) {
            layouts.push_back(placement_json(placed));
          } else {
            text += (text.empty() ? "" : "\n") + placement_text(name, placed);
          }
        }
      }
      if (json_) {
        nlohmann::ordered_json f;
        f["name"] = name;
        f["layouts"] = std::move(layouts);
        array.push_back(std::move(f));
      }
    }
    if (json_) {
      write_stdout(json_text(functions_.size() == 1 ? array[0] : array));
    } else {
      write_stdout(text);
    }
    return all_placed ? kExitOk : kExitRejected;
  }

 private:
  BtfSource source_;
  ArchSelection arch_;
  PolicySelection policy_;
  std::vector<std::string> functions_;
  bool json_ = false;
};

}  // namespace

std::unique_ptr<Command> make_place_command() {
  return std::make_unique<PlaceCommand>();
}

}  // namespace xtramp::cli
