// `xtramp vm`: boot the Debian kernel of each requested arch under
// qemu-system (TCG) and run tests inside it — one boot per arch for all of
// them (conform/vm/guest_run.hpp says how).
#include <cstdio>
#include <regex>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/arch_btf.hpp"
#include "cli/command.hpp"
#include "cli/exit_codes.hpp"
#include "cli/json_text.hpp"
#include "cli/text_table.hpp"
#include "common/error.hpp"
#include "common/target.hpp"
#include "conform/host/workdir.hpp"
#include "conform/vm/guest_arch.hpp"
#include "conform/vm/guest_run.hpp"
#include "conform/vm/kernel_cache.hpp"

namespace xtramp::cli {
namespace {

// The help footer; its examples boot the foreign arches (the first and the
// last registered one that is not the host).
std::string footer() {
  std::vector<const TargetDesc*> foreign;
  for (const TargetDesc* t : targets())
    if (!t->is_host) foreign.push_back(t);
  if (foreign.empty()) foreign.push_back(&target(host_arch()));
  const std::string first(foreign.front()->name), last(foreign.back()->name);
  const std::string dir = "build/" + std::string(foreign.back()->gnu_cpu);
  return "Boots, for every --arch, the cached Debian kernel (--kernel: newest, or a release\n"
         "prefix such as 6.12) under qemu-system with TCG, 2 vCPUs by default, from an\n"
         "initramfs holding busybox, the --bin binaries (stripped, each at its host path, with\n"
         "its ELF interpreter and shared libraries) and the --file files (at their host\n"
         "paths). /init runs every --gtest / --test command in order (cwd /tmp), then powers\n"
         "off. '{arch}' in a path or command becomes the arch's name (" +
         arch_list() +
         ").\n"
         "\n"
         "A --test passes with exit status 0 and is skipped with 77; a --gtest is judged by\n"
         "googletest's summary (all cases skipped: skipped, never passed). A test fails when\n"
         "it exits otherwise, or when the kernel oopses, warns or locks up while it runs\n"
         "(taint D/W/L), or panics; a hang fails the test running when --timeout runs out.\n"
         "The console is streamed to stderr as '[arch] line' (--quiet: not).\n"
         "\n"
         "Kernels and busybox come from the cache $XTRAMP_VM_DIR (default /opt/xtramp/vm)\n"
         "that ci/install-vm fills (ci/install-deps runs it); --list shows it.\n"
         "\n"
         "Examples:\n"
         "  xtramp vm --list\n"
         "  xtramp vm --arch " +
         first +
         " -- uname -a\n"
         "  xtramp vm --arch " +
         last + " --bin " + dir +
         "/selftests/tramp/xtramp_tramp_test \\\n"
         "      --file " +
         dir +
         "/selftests/tramp/CMakeFiles/xtramp_tramp_targets.dir/targets.c.o \\\n"
         "      --gtest tramp=$PWD/" +
         dir +
         "/selftests/tramp/xtramp_tramp_test\n"
         "\n"
         "Exit codes:\n"
         "  0  every test passed or skipped\n"
         "  1  a test failed, or a guest panicked, hung or did not boot\n"
         "  2  bad input: unknown arch, no such kernel in the cache, a binary of another arch,\n"
         "     a missing file or library (one line on stderr)\n";
}

struct TestArg {
  std::string name, command;
};

TestArg parse_test(const std::string& s, const char* opt) {
  static const std::regex re(R"(^([A-Za-z0-9_.:+-]+)=(.+)$)", std::regex::extended);
  std::smatch m;
  if (!std::regex_match(s, m, re))
    throw Error(Errc::bad_request, std::string(opt) + " '" + s +
                                       "': expected NAME=COMMAND (NAME of letters, digits, _.:+-)");
  return {m[1], m[2]};
}

std::string subst(std::string s, Arch a) {
  for (size_t at; (at = s.find("{arch}")) != std::string::npos;)
    s.replace(at, 6, std::string(arch_name(a)));
  return s;
}

class VmCommand final : public Command {
 public:
  void configure(CLI::App& sub) override {
    sub.add_option("--arch", arches_, arch_list() + ", a comma list, or all (default all)")
        ->delimiter(',');
    sub.add_option("--kernel", kernel_, "newest (default) or a kernel release prefix");
    sub.add_option("--bin", bins_, "a binary to put in the guest (with its libraries)");
    sub.add_option("--file", files_, "a data file to put in the guest, at the same path");
    sub.add_option("--env", env_, "NAME=VALUE exported in the guest");
    sub.add_option("--append", append_,
                   "more kernel command line (e.g. proc_mem.force_override=always)");
    sub.add_option("--gtest", gtests_, "NAME=COMMAND: a googletest binary's command line");
    sub.add_option("--test", tests_, "NAME=COMMAND: a command; 0 passes, 77 skips");
    sub.add_option("command", command_, "after --: one more --test, named 'command'");
    sub.add_option("--timeout", timeout_, "seconds for one boot and all its tests (default 600)")
        ->check(CLI::Range(10, 7200));
    sub.add_option("--cpus", cpus_, "vCPUs (default 2)")->check(CLI::Range(1, 8));
    sub.add_option("--mem", mem_, "guest memory in MiB (default 2048)")
        ->check(CLI::Range(256, 16384));
    sub.add_option("--workdir", workdir_,
                   "keep the initramfs here (default: a temporary directory)");
    sub.add_flag("--list", list_, "list the cached kernels and exit");
    sub.add_flag("--quiet", quiet_, "do not stream the guests' consoles to stderr");
    sub.add_flag("--json", json_,
                 "JSON on stdout: per arch {arch, kernel{release,package,version,suite}, outcome, "
                 "detail, boot_seconds, total_seconds, tests[{name, status, exit_code, seconds, "
                 "detail, skipped_cases}]}");
    sub.footer(footer());
  }

  int run() override {
    const std::vector<Arch> arches = selected_arches();
    if (list_) return list(arches);
    std::vector<vm::GuestTest> base;
    for (const std::string& g : gtests_) {
      const TestArg t = parse_test(g, "--gtest");
      base.push_back({t.name, t.command, true});
    }
    for (const std::string& s : tests_) {
      const TestArg t = parse_test(s, "--test");
      base.push_back({t.name, t.command, false});
    }
    if (!command_.empty()) {
      std::string line;
      for (const std::string& w : command_) line += (line.empty() ? "" : " ") + w;
      base.push_back({"command", line, false});
    }
    if (base.empty())
      throw Error(Errc::bad_request, "vm: nothing to run (give --gtest, --test or -- COMMAND)");
    for (const std::string& e : env_)
      if (e.find('=') == std::string::npos || e.front() == '=')
        throw Error(Errc::bad_request, "vm: --env '" + e + "': expected NAME=VALUE");

    // Check every arch's kernel before booting any.
    std::vector<vm::Kernel> kernels;
    for (Arch a : arches) {
      kernels.push_back(vm::select_kernel(a, kernel_));
      (void)vm::busybox_path(a);
    }
    conform::Workdir work(workdir_);
    nlohmann::ordered_json all = nlohmann::ordered_json::array();
    bool ok = true;
    std::string table;
    for (size_t i = 0; i < arches.size(); ++i) {
      const Arch a = arches[i];
      vm::GuestSpec spec;
      spec.kernel = kernels[i];
      for (const std::string& b : bins_) spec.binaries.push_back(subst(b, a));
      for (const std::string& f : files_) spec.files.push_back(subst(f, a));
      spec.env = env_;
      spec.append = append_;
      for (const vm::GuestTest& t : base)
        spec.tests.push_back({t.name, subst(t.command, a), t.gtest});
      spec.cpus = cpus_;
      spec.mem_mb = mem_;
      spec.timeout = std::chrono::seconds(timeout_);
      spec.workdir = work.path();
      const std::string tag = "[" + std::string(arch_name(a)) + "] ";
      if (!quiet_)
        spec.on_line = [tag](const std::string& l) {
          std::fprintf(stderr, "%s%s\n", tag.c_str(), l.c_str());
        };
      std::fprintf(stderr, "xtramp vm: %s: booting %s (%s %s, %s) under %s, %u vCPUs, %u MiB\n",
                   std::string(arch_name(a)).c_str(), spec.kernel.release.c_str(),
                   spec.kernel.package.c_str(), spec.kernel.version.c_str(),
                   spec.kernel.suite.c_str(), vm::guest_arch(a).qemu, cpus_, mem_);
      const vm::GuestResult r = vm::run_guest(spec);
      std::fprintf(stderr, "xtramp vm: %s: %s in %.1f s (boot %.1f s)%s%s\n",
                   std::string(arch_name(a)).c_str(), vm::guest_outcome_name(r.outcome),
                   r.total_seconds, r.boot_seconds, r.detail.empty() ? "" : ": ", r.detail.c_str());
      ok = ok && r.outcome == vm::GuestOutcome::ok;
      all.push_back(to_json(a, spec.kernel, r));
      table += text(a, spec.kernel, r);
    }
    write_stdout(json_ ? json_text(all) : table);
    return ok ? kExitOk : kExitRejected;
  }

 private:
  std::vector<Arch> selected_arches() const {
    std::string joined;  // CLI11 split the option at its commas
    for (const std::string& s : arches_) joined += (joined.empty() ? "" : ",") + s;
    return parse_arch_list(joined, "vm");
  }

  int list(const std::vector<Arch>& arches) const {
    nlohmann::ordered_json j = nlohmann::ordered_json::array();
    TextTable t({TextTable::Align::left, TextTable::Align::left, TextTable::Align::left,
                 TextTable::Align::left});
    t.add_row({"arch", "release", "package", "suite"});
    for (Arch a : arches) {
      for (const vm::Kernel& k : vm::cached_kernels(a)) {
        j.push_back({{"arch", arch_name(a)},
                     {"release", k.release},
                     {"package", k.package},
                     {"version", k.version},
                     {"suite", k.suite},
                     {"image", k.image}});
        t.add_row({std::string(arch_name(a)), k.release, k.package + " " + k.version, k.suite});
      }
    }
    write_stdout(json_ ? json_text(j) : t.render("") + "cache: " + vm::cache_dir() + "\n");
    return kExitOk;
  }

  static nlohmann::ordered_json to_json(Arch a, const vm::Kernel& k, const vm::GuestResult& r) {
    nlohmann::ordered_json j;
    j["arch"] = arch_name(a);
    j["kernel"] = {
        {"release", k.release}, {"package", k.package}, {"version", k.version}, {"suite", k.suite}};
    j["outcome"] = vm::guest_outcome_name(r.outcome);
    j["detail"] = r.detail;
    j["cpus"] = r.cpus_seen;
    j["boot_seconds"] = r.boot_seconds;
    j["total_seconds"] = r.total_seconds;
    j["initramfs_bytes"] = r.initramfs_bytes;
    nlohmann::ordered_json tests = nlohmann::ordered_json::array();
    for (const vm::GuestTestResult& t : r.tests)
      tests.push_back({{"name", t.name},
                       {"status", vm::test_status_name(t.status)},
                       {"exit_code", t.exit_code},
                       {"seconds", t.seconds},
                       {"detail", t.detail},
                       {"skipped_cases", t.skipped_cases}});
    j["tests"] = std::move(tests);
    return j;
  }

  static std::string text(Arch a, const vm::Kernel& k, const vm::GuestResult& r) {
    TextTable t({TextTable::Align::left, TextTable::Align::left, TextTable::Align::right,
                 TextTable::Align::left});
    t.add_row({"test", "status", "seconds", "detail"});
    for (const vm::GuestTestResult& x : r.tests) {
      char secs[32];
      std::snprintf(secs, sizeof secs, "%.1f", x.seconds);
      t.add_row({x.name, vm::test_status_name(x.status), secs, x.detail});
    }
    return std::string(arch_name(a)) + " on " + k.release + " (" + k.package + " " + k.version +
           "): " + vm::guest_outcome_name(r.outcome) + "\n" + t.render("  ") + "\n";
  }

  std::vector<std::string> arches_, bins_, files_, env_, gtests_, tests_, command_;
  std::string kernel_ = "newest", workdir_, append_;
  unsigned timeout_ = 600, cpus_ = 2, mem_ = 2048;
  bool list_ = false, quiet_ = false, json_ = false;
};

}  // namespace

std::unique_ptr<Command> make_vm_command() {
  return std::make_unique<VmCommand>();
}

}  // namespace xtramp::cli
