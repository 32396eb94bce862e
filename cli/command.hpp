// The subcommand interface of the `xtramp` command. A subcommand is one file
// (cmd_<name>.cpp) with a factory declared here and one line in main.cpp's
// table; it declares its options on the CLI11 sub-app and runs after parsing.
#pragma once

#include <memory>

namespace CLI {
class App;
}

namespace xtramp::cli {

class Command {
 public:
  virtual ~Command() = default;
  // Declares options and positionals on `sub` (already named and described).
  virtual void configure(CLI::App& sub) = 0;
  // Runs after a successful parse; returns the process exit code (exit_codes.hpp).
  // May throw xtramp::Error: main prints it on one line and exits with kExitBadInput.
  virtual int run() = 0;
};

struct CommandInfo {
  const char* name;
  const char* description;
  std::unique_ptr<Command> (*make)();
};

std::unique_ptr<Command> make_model_command();
std::unique_ptr<Command> make_place_command();
std::unique_ptr<Command> make_audit_command();
std::unique_ptr<Command> make_arches_command();
std::unique_ptr<Command> make_gen_command();
std::unique_ptr<Command> make_conform_command();
std::unique_ptr<Command> make_matrix_command();
std::unique_ptr<Command> make_vm_command();
std::unique_ptr<Command> make_kernel_check_command();

}  // namespace xtramp::cli
