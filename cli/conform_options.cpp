#include "cli/conform_options.hpp"

#include <cstdio>

#include <CLI/CLI.hpp>

#include "cli/arch_btf.hpp"
#include "common/error.hpp"
#include "common/target.hpp"

namespace xtramp::cli {
namespace {

void parse_overrides(const std::vector<std::string>& items, const char* opt,
                     std::map<Arch, std::string>& out) {
  for (const std::string& it : items) {
    const size_t eq = it.find('=');
    const auto a = eq == std::string::npos ? std::nullopt : parse_arch(it.substr(0, eq));
    if (!a)
      throw Error(Errc::bad_request, std::string(opt) + " " + it +
                                         ": expected ARCH=VALUE with ARCH " + arch_list("or"));
    out[*a] = it.substr(eq + 1);
  }
}

// "build/aarch64, build/s390x": the sibling cross builds of the foreign arches.
std::string cross_build_dirs() {
  std::string s;
  for (const TargetDesc* t : targets())
    if (!t->is_host) s += (s.empty() ? "build/" : ", build/") + std::string(t->gnu_cpu);
  return s;
}

}  // namespace

void ConformOptions::add_to(CLI::App& sub) {
  sub.add_option("--arch", arch,
                 arch_list() + ", a comma-separated list of them, or all (default)");
  sub.add_option("--policy", policy,
                 "psabi (the real ABI), linux (models of the kernel JITs) or both (default)");
  sub.add_option("--runner", runner,
                 "ARCH=PATH: the xtramp-conform-runner built for ARCH (repeatable). Default: "
                 "$XTRAMP_CONFORM_RUNNER_<ARCH>, then this build tree and its sibling cross "
                 "builds (" +
                     cross_build_dirs() + ")");
  sub.add_option("--cc", cc,
                 "ARCH=CMD: the C compiler for ARCH (repeatable). Default: $XTRAMP_CC_<ARCH>, "
                 "then gcc on the host arch and <triple>-gcc for the others");
  sub.add_option("--workdir", workdir,
                 "Keep the generated sources, case libraries and BTF in this directory "
                 "(default: a temporary directory, removed afterwards)");
  sub.add_flag("--quiet", quiet, "No progress lines on stderr");
}

conform::ConformRequest ConformOptions::request() const {
  conform::ConformRequest r;
  r.arches = parse_arch_list(arch, "--arch");
  if (policy == "both") {
    r.policies = {Policy::psabi, Policy::linux_jit};
  } else if (auto p = parse_policy(policy)) {
    r.policies = {*p};
  } else {
    throw Error(Errc::bad_request, "--policy: '" + policy + "' is not psabi, linux or both");
  }
  parse_overrides(runner, "--runner", r.tools.runner);
  parse_overrides(cc, "--cc", r.tools.cc);
  r.workdir = workdir;
  if (!quiet)
    r.progress = [](const std::string& s) { std::fprintf(stderr, "conform: %s\n", s.c_str()); };
  return r;
}

}  // namespace xtramp::cli
