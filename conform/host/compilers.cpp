#include "conform/host/compilers.hpp"

#include <stdlib.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "common/error.hpp"
#include "common/target.hpp"

namespace xtramp::conform {
namespace {

namespace fs = std::filesystem;

std::string buildroot() {
  const char* e = std::getenv("XTRAMP_BUILDROOT");
  return e != nullptr && *e != '\0' ? e : "/opt/xtramp/buildroot";
}

// A directory under the root's /tmp, removed with the object.
class RootTemp {
 public:
  explicit RootTemp(const std::string& root) {
    std::string t = root + "/tmp/xtramp-cc-XXXXXX";
    if (mkdtemp(t.data()) == nullptr) throw Error(Errc::io, "cannot create a directory in " + root);
    path_ = t;
  }
  ~RootTemp() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  RootTemp(const RootTemp&) = delete;
  RootTemp& operator=(const RootTemp&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

ProcessResult chroot_compile(const ArchCompiler& c, const std::string& base_cc,
                             const std::string& include_dir, const std::string& source,
                             const std::string& object) {
  const std::string pre = object + ".i";
  const std::vector<std::string> pp{base_cc,     "-std=gnu11", "-E", "-I",
                                    include_dir, "-o",         pre,  source};
  ProcessResult r = run_process(pp);
  if (!r.ok()) return r;
  const RootTemp tmp(c.root);
  const std::string inside = tmp.path().substr(c.root.size());
  std::error_code ec;
  fs::copy_file(pre, tmp.path() + "/case.i", ec);
  if (ec) throw Error(Errc::io, "cannot copy " + pre + " into " + tmp.path());
  std::vector<std::string> cmd{"chroot", c.root};
  cmd.insert(cmd.end(), c.command.begin(), c.command.end());
  cmd.insert(cmd.end(), {"-std=gnu11", "-O2", "-fPIC", "-w", "-c", inside + "/case.i", "-o",
                         inside + "/case.o"});
  r = run_process(cmd);
  if (r.ok()) {
    fs::copy_file(tmp.path() + "/case.o", object, fs::copy_options::overwrite_existing, ec);
    if (ec) throw Error(Errc::io, "cannot copy the object out of " + tmp.path());
  }
  return r;
}

}  // namespace

const std::vector<std::string>& compiler_names() {
  static const std::vector<std::string> names{kBaseCompiler, "gcc16", "clang14"};
  return names;
}

CompilerPair parse_pair(const std::string& text, const std::string& opt) {
  auto known = [](std::string n) -> std::string {
    if (n == "clang") n = "clang14";
    for (const std::string& k : compiler_names())
      if (k == n) return n;
    return "";
  };
  const size_t colon = text.find(':');
  CompilerPair p;
  if (colon != std::string::npos) {
    p.caller = known(text.substr(0, colon));
    p.callee = known(text.substr(colon + 1));
  }
  if (p.caller.empty() || p.callee.empty()) {
    std::string list;
    for (const std::string& k : compiler_names()) list += (list.empty() ? "" : ", ") + k;
    throw Error(Errc::bad_request,
                opt + " " + text + ": expected CALLER:CALLEE, each one of " + list);
  }
  return p;
}

std::vector<CompilerPair> pairs_against_base(const std::vector<std::string>& names) {
  std::vector<CompilerPair> out;
  for (const std::string& n : names) {
    if (n == kBaseCompiler) continue;
    out.push_back({n, kBaseCompiler});
    out.push_back({kBaseCompiler, n});
  }
  return out;
}

ArchCompiler find_compiler(const std::string& name, Arch a, const std::string& base_cc) {
  ArchCompiler c;
  c.name = name;
  const std::string triple(target(a).gnu_triple), arch(arch_name(a));
  if (name == kBaseCompiler) {
    c.command = {base_cc};
  } else if (name == "clang14") {
    c.command = {"clang-14", "--target=" + triple};
    if (find_in_path("clang-14").empty())
      c.missing = "clang14: no clang-14 in PATH (apt-get install clang-14, or run ci/install-deps)";
  } else if (name == "gcc16") {
    const std::string br = buildroot();
    c.root = br + "/root";
    c.command = {triple + "-gcc-16"};
    if (!fs::exists(br + "/ready"))
      c.missing = "gcc16: the build root " + br + " is not ready (run ci/install-buildroot)";
    else if (access((c.root + "/usr/bin/" + c.command[0]).c_str(), X_OK) != 0)
      c.missing =
          "gcc16: no " + c.command[0] + " in " + c.root + " (ci/install-buildroot --refresh)";
    else if (geteuid() != 0)
      c.missing = "gcc16: running " + c.command[0] + " in " + c.root + " needs chroot (root)";
  } else {
    c.missing = name + ": not a known compiler";
  }
  if (!c.missing.empty()) c.missing = arch + ": " + c.missing;
  return c;
}

ProcessResult compile_object(const ArchCompiler& c, const std::string& base_cc,
                             const std::string& include_dir, const std::string& source,
                             const std::string& object) {
  if (!c.root.empty()) return chroot_compile(c, base_cc, include_dir, source, object);
  std::vector<std::string> cmd = c.command;
  cmd.insert(cmd.end(),
             {"-std=gnu11", "-O2", "-fPIC", "-w", "-I", include_dir, "-c", source, "-o", object});
  return run_process(cmd);
}

}  // namespace xtramp::conform
