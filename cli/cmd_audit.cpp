// `xtramp audit`: every function of a BTF, placed under psabi and linux on
// each selected architecture; see audit_report.hpp and docs/audit.md.
#include <string>

#include <CLI/CLI.hpp>

#include "cli/arch_btf.hpp"
#include "cli/audit_report.hpp"
#include "cli/btf_source.hpp"
#include "cli/command.hpp"
#include "cli/exit_codes.hpp"
#include "cli/json_text.hpp"

namespace xtramp::cli {
namespace {

constexpr const char* kAuditHelp =
    "For every function of the BTF (default: the running kernel's) and each architecture:\n"
    "  (a) functions whose placement under the linux policy (what the upstream kernel JIT\n"
    "      does today) puts some byte elsewhere than the real ABI (psabi);\n"
    "  (b) functions whose psabi placement changes if an argument's uncertain alignment is\n"
    "      taken the other way (a hidden aligned(16), or a silent packed; docs/model.md);\n"
    "  (c) functions the kernel refuses (btf_distill_func_proto) but the extended model places.\n"
    "Each is grouped by cause (value kind, size, alignment and the locations involved), with\n"
    "example functions and the first byte that differs. Exit code 0 unless the input is bad.\n\n";

class AuditCommand final : public Command {
 public:
  void configure(CLI::App& sub) override {
    sub.footer(std::string(kAuditHelp) + kExitCodesHelp);
    source_.add_options(sub);
    arch_.add_option(sub, "Architecture(s) to audit");
    sub.add_option("--examples", examples_, "Example functions kept per cause (default: 5)")
        ->check(CLI::Range(0, 100000));
    sub.add_flag("--json", json_, "JSON: counts, causes and examples per architecture");
  }

  int run() override {
    ArchBtf files(source_);
    const AuditReport r = run_audit(files, arch_.arches(), examples_);
    write_stdout(json_ ? json_text(audit_json(r)) : audit_text(r));
    return kExitOk;
  }

 private:
  BtfSource source_;
  ArchSelection arch_;
  size_t examples_ = 5;
  bool json_ = false;
};

}  // namespace

std::unique_ptr<Command> make_audit_command() {
  return std::make_unique<AuditCommand>();
}

}  // namespace xtramp::cli
