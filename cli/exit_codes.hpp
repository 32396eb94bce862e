// Exit codes shared by every subcommand; the text is the --help footer.
#pragma once

namespace xtramp::cli {

inline constexpr int kExitOk = 0;        // success; every function accepted in the selected mode
inline constexpr int kExitRejected = 1;  // a function rejected, or a layout refused
inline constexpr int kExitBadInput = 2;  // usage error, unknown/non-function name, bad BTF file
inline constexpr int kExitInternal = 3;  // a bug in xtramp (an unexpected exception)

inline constexpr const char* kExitCodesHelp =
    "Exit codes:\n"
    "  0  success (model: every requested function is accepted in the selected mode; place:\n"
    "     every requested layout was computed; audit, arches: always, given good input)\n"
    "  1  model: at least one function is rejected in the selected mode; place: at least one\n"
    "     requested layout is refused by the model or the policy (the reason is printed)\n"
    "  2  bad input: usage error, unknown function, a name that is not a function,\n"
    "     missing or malformed BTF file (one line on stderr: \"xtramp: error: ...\")\n"
    "  3  internal error (a bug in xtramp; please report it)\n";

}  // namespace xtramp::cli
