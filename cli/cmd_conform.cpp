// `xtramp conform`: every function a C file declares, round-tripped through
// xtramp trampolines under the real GCC of each requested architecture.
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/command.hpp"
#include "cli/conform_options.hpp"
#include "cli/conform_report.hpp"
#include "cli/exit_codes.hpp"
#include "cli/json_text.hpp"
#include "cli/pair_report.hpp"

namespace xtramp::cli {
namespace {

constexpr const char* kFooter =
    "Each FILE.c holds C type definitions and function declarations (definitions are\n"
    "not traced). With --declared-in PATH the functions traced are instead those\n"
    "declared in the headers under PATH (a header file or a directory) that FILE.c\n"
    "includes, e.g. to check a library's API:\n"
    "  echo '#include <chipmunk/chipmunk.h>' > t.c\n"
    "  xtramp conform --declared-in /usr/include/chipmunk t.c\n"
    "(static inline functions defined there are listed as unsupported).\n"
    "\n"
    "For every traced function, on every requested arch: GCC for that\n"
    "arch compiles a callee with the exact prototype (it records the bytes it receives)\n"
    "and a caller passing graffiti values (each byte encodes the argument and byte\n"
    "index); xtramp builds fentry+fexit and fmod_ret trampolines from the callee's BTF\n"
    "under each policy and puts them between the two, natively or under qemu-user.\n"
    "Checked: fentry's ctx holds the caller's bytes, the callee received exactly them,\n"
    "fexit sees the real return value, fmod_ret overrides it and skips the callee.\n"
    "A FAIL names the argument, the byte expected and found, and the layout's claim.\n"
    "\n"
    "One function never fails the file: one whose types xtramp does not model\n"
    "(non-standard floats, _Float16 and GCC vector types as members, complex\n"
    "types other than _Complex float, double and long double, _BitInt;\n"
    "read from the compiler's DWARF), varargs, or one an arch's GCC rejects (its\n"
    "declaration or its generated code; isolated by the error's line, else by\n"
    "bisection) is reported unsupported on that arch with the reason (the\n"
    "compiler's message), and the others run.\n"
    "\n"
    "Compiler pairs (--pair CALLER:CALLEE, --compilers): the callers compiled by one\n"
    "compiler, the callees by another, linked into one more library per arch; the\n"
    "trampoline is built from the debug info of the ordinary (GCC) library, psabi\n"
    "only. A direct call (no trampoline) runs first: where the two compilers disagree\n"
    "it is a FINDING with both values' bytes, neither a pass nor a failure of xtramp.\n"
    "\n"
    "Exit codes:\n"
    "  0  every psabi case that ran passed (linux failures and compiler findings are\n"
    "     not errors)\n"
    "  1  a psabi case failed\n"
    "  2  bad input: a file that does not compile on the host or declares no function\n"
    "     (under --declared-in: none under PATH, or PATH does not exist), a missing\n"
    "     toolchain, runner, qemu or --pair compiler (the message says which and how to\n"
    "     get it)\n";

class ConformCommand final : public Command {
 public:
  void configure(CLI::App& sub) override {
    sub.add_option("FILE", files_, "C files of type definitions and function declarations")
        ->required()
        ->check(CLI::ExistingFile);
    sub.add_option("--declared-in", declared_in_,
                   "Trace the functions declared in this header file, or in the headers under "
                   "this directory, that FILE includes (repeatable), instead of FILE's own "
                   "declarations");
    opts_.add_to(sub);
    sub.add_flag("--json", json_,
                 "JSON: an array of {function, arch, policy, status (pass/fail/unsupported/"
                 "finding), detail (the first mismatch, or why it is unsupported on that arch), "
                 "kernel_c; with a compiler pair also caller_cc, callee_cc}");
    sub.footer(kFooter);
  }

  int run() override {
    conform::ConformRequest req = opts_.request();
    req.files = files_;
    req.declared_in = declared_in_;
    require_compilers(req);
    const conform::ConformResult res = conform::run_conform(req);
    if (json_) {
      write_stdout(json_text(conform_json(res)));
    } else {
      write_stdout(conform_matrix_text(req, res));
      const std::string details = conform_details_text(res);
      if (!details.empty()) write_stdout("\n" + details);
      if (const std::string pairs = conform_pairs_text(res); !pairs.empty())
        write_stdout("\nCompiler pairs:\n" + pairs);
    }
    return psabi_passed(res) ? kExitOk : kExitRejected;
  }

 private:
  std::vector<std::string> files_, declared_in_;
  ConformOptions opts_;
  bool json_ = false;
};

}  // namespace

std::unique_ptr<Command> make_conform_command() {
  return std::make_unique<ConformCommand>();
}

}  // namespace xtramp::cli
