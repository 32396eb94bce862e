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

// Whether xtramp patches live function entries on `a` (when it runs there).
bool entry_patch_available(Arch a) {
  switch (a) {
    case Arch::x86_64:  // arch/x86_64/patch.hpp: five nops <-> call (int3-guarded)
    case Arch::arm64:   // arch/arm64/patch.hpp: NOP <-> B
    case Arch::s390x:   // arch/s390x/patch.hpp: brcl mask 0 <-> 15, per-site stub
      return true;
  }
  return false;
}

class ArchesCommand final : public Command {
 public:
  void configure(CLI::App& sub) override {
    sub.add_flag("--json", json_,
                 "JSON: an array of {arch, host, endian, policies[], entry_patch}");
  }

  int run() override {
    const Arch host = host_arch();
    nlohmann::ordered_json array = nlohmann::ordered_json::array();
    TextTable table({TextTable::Align::left, TextTable::Align::left, TextTable::Align::left,
                     TextTable::Align::left, TextTable::Align::left});
    table.add_row({"arch", "endian", "policies", "entry_patch", ""});
    for (const Backend* b : backends()) {
      const Arch a = b->arch();
      const char* endian = arch_endian(a) == Endian::big ? "big" : "little";
      nlohmann::ordered_json j;
      j["arch"] = arch_name(a);
      j["host"] = a == host;
      j["endian"] = endian;
      j["policies"] = {policy_name(Policy::psabi), policy_name(Policy::linux_jit)};
      // Live entry patching of a process of that arch (arch/<a>/patch.hpp):
      // x86-64, arm64 and s390x all have it; it needs a kernel that lets the
      // process run code it rewrote (not qemu-user: runtime/poke_probe.hpp).
      j["entry_patch"] = entry_patch_available(a);
      array.push_back(std::move(j));
      table.add_row({std::string(arch_name(a)), endian, "psabi,linux",
                     entry_patch_available(a) ? "yes" : "no", a == host ? "(host)" : ""});
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
