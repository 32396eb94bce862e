// `xtramp model`: the function model of one or more functions, or a summary
// over every function of a BTF.
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/btf_source.hpp"
#include "cli/command.hpp"
#include "cli/exit_codes.hpp"
#include "cli/function_report.hpp"
#include "cli/json_model.hpp"
#include "cli/json_text.hpp"
#include "cli/model_summary.hpp"
#include "cli/model_text.hpp"
#include "common/error.hpp"

namespace xtramp::cli {
namespace {

constexpr const char* kModelHelp =
    "Per argument and for the return value: C type, kind, size, alignment with its source\n"
    "(abi, btf-inferred, dwarf; '?' marks an alignment BTF alone cannot make certain),\n"
    "natural alignment, largest member size and flags; then the kernel's btf_func_model.\n"
    "Default (extended) mode accepts floats, structs of any size, struct returns and any\n"
    "argument count; varargs are rejected. --kernel-compat accepts and rejects exactly as\n"
    "the kernel's btf_distill_func_proto does, with the kernel's messages.\n\n";

class ModelCommand final : public Command {
 public:
  void configure(CLI::App& sub) override {
    sub.footer(std::string(kModelHelp) + kExitCodesHelp);
    source_.add_options(sub);
    sub.add_option("FUNC", functions_, "Function names to model");
    auto* all = sub.add_flag("--all", all_, "Every function of the BTF (in BTF id order)");
    all->excludes(sub.get_option("FUNC"));
    sub.add_flag("--summary", summary_,
                 "With --all: counts, rejections grouped by reason with example functions, and "
                 "the time taken, instead of one block per function. Exit code 0 unless the "
                 "input is bad")
        ->needs(all);
    sub.add_flag("--kernel-compat", kernel_compat_,
                 "Accept and reject as the kernel does (a rejected function prints the kernel's "
                 "message)");
    sub.add_flag("--json", json_,
                 "JSON output: one object per function (an array with several FUNCs or --all), "
                 "or the summary object");
    sub.add_flag("--fields", fields_,
                 "Text output: list the flattened scalar fields of aggregate arguments");
  }

  int run() override {
    if (functions_.empty() && !all_) {
      throw Error(Errc::bad_request, "model: name at least one FUNC, or use --all");
    }
    const auto start = std::chrono::steady_clock::now();
    const btf::BtfFile file = source_.open();
    const double open_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    const btf::Mode mode = kernel_compat_ ? btf::Mode::kernel_compat : btf::Mode::extended;

    if (summary_) {
      const ModelSummary s = summarise(file, mode, open_ms);
      write_stdout(json_ ? json_text(summary_json(s)) : format_summary_text(s));
      return kExitOk;
    }

    // Resolve every name first: one bad name fails the whole command, before output.
    std::vector<uint32_t> ids;
    if (all_) {
      ids = file.function_ids();
    } else {
      for (const std::string& name : functions_) ids.push_back(file.find_function(name));
    }
    return print_functions(file, ids, mode);
  }

 private:
  int print_functions(const btf::BtfFile& file, const std::vector<uint32_t>& ids,
                      btf::Mode mode) const {
    bool any_rejected = false;
    const bool as_array = all_ || ids.size() > 1;
    nlohmann::ordered_json array = nlohmann::ordered_json::array();
    const TextOptions text{mode, file.target(), fields_};
    for (size_t i = 0; i < ids.size(); ++i) {
      const FunctionReport r = analyse_function(file, ids[i]);
      any_rejected |= !r.accepted(mode);
      if (!json_) {
        write_stdout((i ? "\n" : "") + format_function_text(r, text));
      } else if (as_array) {
        array.push_back(function_json(r, mode, file.target()));
      } else {
        write_stdout(json_text(function_json(r, mode, file.target())));
      }
    }
    if (json_ && as_array) write_stdout(json_text(array));
    return any_rejected ? kExitRejected : kExitOk;
  }

  BtfSource source_;
  std::vector<std::string> functions_;
  bool all_ = false;
  bool summary_ = false;
  bool kernel_compat_ = false;
  bool json_ = false;
  bool fields_ = false;
};

}  // namespace

std::unique_ptr<Command> make_model_command() {
  return std::make_unique<ModelCommand>();
}

}  // namespace xtramp::cli
