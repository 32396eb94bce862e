// Entry point of the `xtramp` command: builds the CLI11 app from the
// subcommand table, parses, runs, and turns every failure into one line on
// stderr and an exit code (exit_codes.hpp). Nothing escapes as a crash.
#include <cstdio>
#include <exception>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/command.hpp"
#include "cli/exit_codes.hpp"
#include "common/arch.hpp"
#include "common/error.hpp"

namespace {

using xtramp::cli::CommandInfo;

// One line per subcommand.
constexpr CommandInfo kCommands[] = {
    {"model", "Distil function prototypes from BTF into xtramp's function model",
     xtramp::cli::make_model_command},
    {"place",
     "Where every argument and the return value live at the call boundary, per architecture "
     "and policy",
     xtramp::cli::make_place_command},
    {"audit",
     "Every function of a BTF: what the kernel JITs misplace, what depends on uncertain "
     "alignment, what only the extended model handles",
     xtramp::cli::make_audit_command},
    {"arches", "List the backends built into xtramp and mark the host's",
     xtramp::cli::make_arches_command},
    {"gen", "Generate a trampoline for any architecture (no execution): size, frame, disassembly",
     xtramp::cli::make_gen_command},
    {"conform",
     "Round-trip every function a C file declares through xtramp trampolines under the real "
     "GCC of each arch (natively or under qemu-user): pass / FAIL / unsupported",
     xtramp::cli::make_conform_command},
    {"matrix",
     "The built-in corpus (kernel selftests, RFC cases, generated signatures) through conform "
     "on {arches} under psabi and linux; writes docs/matrix.md",
     xtramp::cli::make_matrix_command},
    {"vm",
     "Boot the Debian kernel of each arch under qemu-system and run tests inside (one boot per "
     "arch)",
     xtramp::cli::make_vm_command},
    {"kernel-check",
     "Real fentry/fexit/fmod_ret BPF programs on a module's functions in each arch's Debian "
     "kernel (qemu-system): what the kernel's trampoline saw vs xtramp's linux model",
     xtramp::cli::make_kernel_check_command},
};

bool is_command(std::string_view name) {
  for (const CommandInfo& info : kCommands) {
    if (name == info.name) return true;
  }
  return false;
}

void print_error(const std::string& what) {
  std::string line = what;
  for (char& c : line) {
    if (c == '\n') c = ' ';
  }
  std::fprintf(stderr, "xtramp: error: %s\n", line.c_str());
}

// `text` with "{arches}" replaced by the registered arches ("x, y and z").
std::string with_arches(std::string text) {
  for (size_t at; (at = text.find("{arches}")) != std::string::npos;)
    text.replace(at, 8, xtramp::arch_list("and"));
  return text;
}

int run(int argc, char** argv) {
  CLI::App app{
      with_arches("xtramp: kernel-style BPF trampolines for {arches}, built from a BTF "
                  "function model.")};
  app.name("xtramp");
  app.set_version_flag("--version", std::string("xtramp ") + XTRAMP_VERSION);
  app.require_subcommand(1, 1);
  app.footer(xtramp::cli::kExitCodesHelp);

  std::vector<std::unique_ptr<xtramp::cli::Command>> commands;
  xtramp::cli::Command* selected = nullptr;
  for (const CommandInfo& info : kCommands) {
    CLI::App* sub = app.add_subcommand(info.name, with_arches(info.description));
    sub->footer(xtramp::cli::kExitCodesHelp);
    auto command = info.make();
    command->configure(*sub);
    sub->final_callback([&selected, c = command.get()] { selected = c; });
    commands.push_back(std::move(command));
  }

  if (argc > 1 && argv[1][0] != '-' && !is_command(argv[1])) {
    print_error(std::string("unknown subcommand '") + argv[1] + "' (run 'xtramp --help')");
    return xtramp::cli::kExitBadInput;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return app.exit(e);
    print_error(std::string(e.what()) + " (run 'xtramp --help')");
    return xtramp::cli::kExitBadInput;
  }
  if (selected == nullptr) {
    print_error("no subcommand given (run 'xtramp --help')");
    return xtramp::cli::kExitBadInput;
  }
  return selected->run();
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const xtramp::Error& e) {
    print_error(e.what());
    return xtramp::cli::kExitBadInput;
  } catch (const std::exception& e) {
    print_error(std::string("internal error: ") + e.what());
    return xtramp::cli::kExitInternal;
  } catch (...) {
    print_error("internal error: unknown exception");
    return xtramp::cli::kExitInternal;
  }
}
