#include "cli/conform_options.hpp"

#include <algorithm>
#include <cstdio>

#include <CLI/CLI.hpp>

#include "cli/arch_btf.hpp"
#include "common/error.hpp"
#include "common/target.hpp"
#include "conform/host/compilers.hpp"

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
  std::string names;
  for (const std::string& n : conform::compiler_names()) names += (names.empty() ? "" : ",") + n;
  sub.add_option("--pair", pairs,
                 "CALLER:CALLEE (repeatable): also run psabi with the callers compiled by "
                 "CALLER and the callees by CALLEE, each one of " +
                     names +
                     " (gcc12: the arch's GCC as chosen by --cc; gcc16: the Debian unstable "
                     "build root of ci/install-buildroot; clang14: clang-14 --target). A "
                     "direct call on which the two disagree is a finding, not a failure");
  sub.add_option("--compilers", compilers,
                 "A comma-separated list of " + names +
                     ", or all: the pairs C:gcc12 and gcc12:C for every C but gcc12 (default: " +
                     (compilers.empty() ? std::string("none") : compilers) + ")");
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
  std::vector<std::string> names;
  for (size_t at = 0; !compilers.empty() && at <= compilers.size();) {
    const size_t end = std::min(compilers.find(',', at), compilers.size());
    const std::string n = compilers.substr(at, end - at);
    if (n == "all") {
      names = conform::compiler_names();
    } else {
      names.push_back(conform::parse_pair(n + ":" + n, "--compilers").caller);
    }
    at = end + 1;
  }
  std::vector<conform::CompilerPair> want = conform::pairs_against_base(names);
  for (const std::string& p : pairs) want.push_back(conform::parse_pair(p, "--pair"));
  for (const conform::CompilerPair& p : want)  // the ordinary library is always run
    if (!p.base() && std::find(r.pairs.begin(), r.pairs.end(), p) == r.pairs.end())
      r.pairs.push_back(p);
  r.workdir = workdir;
  if (!quiet)
    r.progress = [](const std::string& s) { std::fprintf(stderr, "conform: %s\n", s.c_str()); };
  return r;
}

void require_compilers(const conform::ConformRequest& req) {
  for (Arch a : req.arches) {
    const std::string cc = conform::find_toolchain(a, req.tools).cc;
    for (const conform::CompilerPair& p : req.pairs)
      for (const std::string& n : {p.caller, p.callee})
        if (std::string m = conform::find_compiler(n, a, cc).missing; !m.empty())
          throw Error(Errc::bad_request, "missing compiler: " + m);
  }
}

}  // namespace xtramp::cli
