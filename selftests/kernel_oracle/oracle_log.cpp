#include "oracle_log.hpp"

#include <cerrno>
#include <cstdlib>
#include <regex>
#include <vector>

namespace xtramp::oracle {

namespace {

std::vector<std::string_view> lines(std::string_view log) {
  std::vector<std::string_view> out;
  while (!log.empty()) {
    const size_t nl = log.find('\n');
    out.push_back(log.substr(0, nl));
    if (nl == std::string_view::npos) break;
    log.remove_prefix(nl + 1);
  }
  return out;
}

bool contains(std::string_view log, const std::string& needle) {
  return log.find(needle) != std::string_view::npos;
}

}  // namespace

std::string_view route_name(Route r) {
  return r == Route::fentry ? "fentry" : "kfunc";
}

std::optional<std::string> find_distill_message(std::string_view log, std::string_view func) {
  // The tails of the five bpf_log() formats in btf_distill_func_proto(); %s of
  // a type is btf_type_str(), i.e. btf_kind_str[] ("INT", "STRUCT", "UNKNOWN").
  static const std::regex tail(R"(has [0-9]+ arguments\. Too many\.)"
                               R"(|return type [A-Z0-9_]+ is unsupported\.)"
                               R"(|with variable args is unsupported\.)"
                               R"(|arg[0-9]+ type [A-Z0-9_]+ is unsupported\.)"
                               R"(|has malformed void argument\.)");
  const std::string prefix = "The function " + std::string(func) + " ";
  for (std::string_view line : lines(log)) {
    if (line.substr(0, prefix.size()) != prefix) continue;
    const std::string rest(line.substr(prefix.size()));
    if (std::regex_match(rest, tail)) return std::string(line);
  }
  return std::nullopt;
}

long processed_insns(std::string_view log) {
  static const std::string key = "processed ";
  for (std::string_view line : lines(log)) {
    if (line.substr(0, key.size()) != key) continue;
    const std::string rest(line.substr(key.size()));
    char* end = nullptr;
    const long n = std::strtol(rest.c_str(), &end, 10);
    if (end != rest.c_str() && std::string_view(end).substr(0, 7) == " insns ") return n;
  }
  return -1;
}

std::string first_log_line(std::string_view log) {
  for (std::string_view line : lines(log)) {
    if (line.empty() || line.substr(0, 10) == "processed ") continue;
    return std::string(line);
  }
  return {};
}

std::string errno_name(int err) {
  switch (err) {
    case 0:
      return "OK";
    case EPERM:
      return "EPERM";
    case ENOENT:
      return "ENOENT";
    case E2BIG:
      return "E2BIG";
    case ENOMEM:
      return "ENOMEM";
    case EACCES:
      return "EACCES";
    case EFAULT:
      return "EFAULT";
    case EBUSY:
      return "EBUSY";
    case EINVAL:
      return "EINVAL";
    case ENOSPC:
      return "ENOSPC";
    case ENOSYS:
      return "ENOSYS";
    case EOPNOTSUPP:
      return "EOPNOTSUPP";
    case 524:
      return "ENOTSUPP";  // kernel-internal, leaks out of bpf()
    default:
      return "errno " + std::to_string(err);
  }
}

KernelVerdict classify(Route route, std::string_view func, int err, std::string_view log) {
  const std::string name(func);
  if (auto line = find_distill_message(log, func)) {
    if (err == EINVAL) return {Verdict::rejected, *line};
    // Every failure path of btf_distill_func_proto() returns -EINVAL.
    return {Verdict::undetermined, "distill message with " + errno_name(err) + ": " + *line};
  }
  if (err == 0) return {Verdict::accepted, "program loaded"};
  // do_check() runs only after both distill sites (see the header).
  if (const long n = processed_insns(log); n > 0)
    return {Verdict::accepted, "verifier processed " + std::to_string(n) + " insns"};

  // Messages of checks that come after btf_distill_func_proto().
  std::vector<std::string> later;
  if (route == Route::fentry) {
    later = {"The address of function " + name + " cannot be found", name + " is not sleepable",
             name + "() is not modifiable",
             "Attaching tracing programs to function '" + name + "' is rejected.",
             "Attaching fexit/fmod_ret to __noreturn function"};
  } else {
    later = {"address of kernel function " + name + " is out of range",
             "address of kernel func_id "};
  }
  for (const std::string& m : later)
    if (contains(log, m)) return {Verdict::accepted, "after distill: " + first_log_line(log)};

  std::string why;
  if (route == Route::kfunc && contains(log, "cannot find address for kernel function " + name))
    why = "no kallsyms address for the name (add_kfunc_call looks it up before distilling)";
  else if (route == Route::kfunc && contains(log, "metadata kfuncs require device-bound program"))
    why = "device-bound kfunc (add_kfunc_call checks this before distilling)";
  else if (first_log_line(log).empty())
    why = errno_name(err) + " with an empty verifier log";
  else
    why = errno_name(err) + ": " + first_log_line(log);
  return {Verdict::undetermined, why};
}

}  // namespace xtramp::oracle
