// Reading the kernel's verdict on btf_distill_func_proto() out of a verifier log.
//
// The kernel distils a function prototype in two places reachable from user
// space, each followed by checks of its own; the log and the error code tell
// whether distillation ran, and what it said:
//
//  * fentry route: BPF_PROG_TYPE_TRACING / BPF_TRACE_FENTRY with
//    attach_btf_id = the FUNC. kernel/bpf/verifier.c: bpf_check() ->
//    check_attach_btf_id() -> bpf_check_attach_target(): "attach_btf_id %u is
//    not a function" / func_proto checks, then btf_distill_func_proto(), then
//    the address lookup ("The address of function %s cannot be found"), the
//    sleepable / fmod_ret checks, and back in check_attach_btf_id() the
//    btf_id_deny set ("Attaching tracing programs to function '%s' is
//    rejected.", silent before 6.17) -- all after distillation. Instruction
//    checking (do_check) only starts once check_attach_btf_id() succeeded.
//
//  * kfunc route: a socket filter whose first instruction calls the FUNC as a
//    kfunc (BPF_PSEUDO_KFUNC_CALL). bpf_check() -> add_subprog_and_kfunc() ->
//    add_kfunc_call(): "kernel btf_id %u is not a function", func_proto check,
//    kallsyms lookup ("cannot find address for kernel function %s"), the
//    device-bound kfunc check -- before distillation -- then
//    btf_distill_func_proto(); whether the function really is a kfunc allowed
//    for the program type is checked later, in do_check() ->
//    check_kfunc_call() ("calling kernel function %s is not allowed").
//
// In both routes a distillation failure logs exactly one of the five lines of
// btf_distill_func_proto() (kernel/bpf/btf.c) and fails with -EINVAL, and any
// evidence that a later stage ran (the load succeeded, the verifier processed
// instructions, or a message from a later check) means distillation passed.
// Anything else is "undetermined".
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace xtramp::oracle {

enum class Route { fentry, kfunc };
std::string_view route_name(Route r);  // "fentry", "kfunc"

enum class Verdict { accepted, rejected, undetermined };

struct KernelVerdict {
  Verdict verdict = Verdict::undetermined;
  std::string message;  // rejected: the distill line (no newline); otherwise why we think so
};

// The line btf_distill_func_proto() logged for `func`, if any: one of
//   "The function %s has %d arguments. Too many."
//   "The function %s return type %s is unsupported."
//   "The function %s with variable args is unsupported."
//   "The function %s arg%d type %s is unsupported."
//   "The function %s has malformed void argument."
std::optional<std::string> find_distill_message(std::string_view log, std::string_view func);

// N from the verifier's closing "processed N insns (limit ...) ..." line, or -1.
long processed_insns(std::string_view log);

// `err`: 0 when the program loaded, else the errno of BPF_PROG_LOAD.
KernelVerdict classify(Route route, std::string_view func, int err, std::string_view log);

// First line of the log that says something (skips the closing statistics), or "".
std::string first_log_line(std::string_view log);

// "EPERM", "EINVAL", "ENOTSUPP", ... (or the number).
std::string errno_name(int err);

}  // namespace xtramp::oracle
