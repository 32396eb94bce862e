// `xtramp arches`: the backends built into this xtramp, the host's marked.
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/command.hpp"
#include "cli/exit_codes.hpp"
#include "cli/json_text.hpp"
#include "cli/text_table.hpp"
#include "common/backend.hpp"

namespace xtramp::cli {
namespace {

class ArchesCommand final : public Command {
 public:
  void configure(CLI::App& sub) override {
    sub.add_flag("--json", json_, "JSON: an array of {arch, host, endian, policies[]}");
  }

  int run() override {
    const Arch host = host_arch();
    nlohmann::ordered_json array = nlohmann::ordered_json::array();
    TextTable table({TextTable::Align::left, TextTable::Align::left, TextTable::Align::left,
                     TextTable::Align::left});
    table.add_row({"arch", "endian", "policies", ""});
    for (const Backend* b : backends()) {
      const Arch a = b->arch();
      const char* endian = arch_endian(a) == Endian::big ? "big" : "little";
      nlohmann::ordered_json j;
      j["arch"] = arch_name(a);
      j["host"] = a == host;
      j["endian"] = endian;
      j["policies"] = {policy_name(Policy::psabi), policy_name(Policy::linux_jit)};
      array.push_back(std::move(j));
      table.add_row({std::string(arch_name(a)), endian, "psabi,linux", a == host ? "(host)" : ""});
    }
    write_stdout(json_ ? json_text(array) : table.render(""));
    return kExitOk;
  }

 private:
  bool json_ = false;
};

}  // namespace

std::unique_ptr<Command> make_arches_command() {
  return std::make_unique<ArchesCommand>();
}

}  // namespace xtramp::cli
