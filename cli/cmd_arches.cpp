// `xtramp arches`: the backends built into this xtramp, the host's marked.
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/command.hpp"
#include "cli/exit_codes.hpp"
#include "cli/json_text.hpp"
#include "cli/text_table.hpp"
#include "common/backend.hpp"
#include "common/target.hpp"

namespace xtramp::cli {
namespace {

class ArchesCommand final : public Command {
 public:
  void configure(CLI::App& sub) override {
    sub.add_flag("--json", json_,
                 "JSON: an array of the target descriptions: {arch, host, endian, policies[], "
                 "entry_patch, aliases[], elf_machine, gnu_triple, debian_arch, qemu_user, "
                 "qemu_system, toolchain_file, ci_stage}");
  }

  int run() override {
    const Arch host = host_arch();
    nlohmann::ordered_json array = nlohmann::ordered_json::array();
    TextTable table({TextTable::Align::left, TextTable::Align::left, TextTable::Align::left,
                     TextTable::Align::left, TextTable::Align::left});
    table.add_row({"arch", "endian", "policies", "entry_patch", ""});
    for (const Backend* b : backends()) {
      const Arch a = b->arch();
      const TargetDesc& t = target(a);
      const char* endian = t.endian == Endian::big ? "big" : "little";
      nlohmann::ordered_json j;
      j["arch"] = arch_name(a);
      j["host"] = a == host;
      j["endian"] = endian;
      j["policies"] = {policy_name(Policy::psabi), policy_name(Policy::linux_jit)};
      // Live entry patching of a process of that arch (arch/<a>/patch.hpp); it
      // needs a kernel that lets the process run code it rewrote (not
      // qemu-user: runtime/poke_probe.hpp).
      j["entry_patch"] = t.entry_patch;
      j["aliases"] = nlohmann::ordered_json::array();
      for (std::string_view alias : t.aliases) j["aliases"].push_back(alias);
      j["elf_machine"] = t.elf_machine;
      j["gnu_triple"] = t.gnu_triple;
      j["debian_arch"] = t.debian_arch;
      j["qemu_user"] = t.qemu_user;
      j["qemu_system"] = t.qemu_system;
      j["toolchain_file"] = t.toolchain_file;
      j["ci_stage"] = t.ci_stage;
      array.push_back(std::move(j));
      table.add_row({std::string(arch_name(a)), endian, "psabi,linux", t.entry_patch ? "yes" : "no",
                     a == host ? "(host)" : ""});
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
