#include "conform/vm/guest_run.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <regex>
#include <set>
#include <sstream>

#include "common/error.hpp"
#include "conform/host/process.hpp"
#include "conform/vm/elf_deps.hpp"
#include "conform/vm/guest_arch.hpp"
#include "conform/vm/initramfs.hpp"

namespace xtramp::vm {

namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

constexpr const char* kMark = "@@xtramp-vm ";

// The kernel's taint bits that mean something went wrong while a test ran
// (Documentation/admin-guide/tainted-kernels.rst): D (7) died / oops,
// W (9) warning, L (14) soft lockup. Loading unsigned out-of-tree modules
// (the kernel oracle's) sets others, which are not failures.
constexpr unsigned long kBadTaint = (1ul << 7) | (1ul << 9) | (1ul << 14);

// Console lines the kernel prints when it panics, oopses or warns.
const std::regex& crash_line() {
  static const std::regex re(
      R"(Kernel panic - not syncing|Internal error: Oops|\bOops[:\[]|BUG: |kernel BUG at|)"
      R"(Unable to handle kernel|general protection fault|WARNING: CPU: [0-9]+ PID:|)"
      R"(Kernel stack overflow|watchdog: BUG: soft lockup|rcu: INFO: rcu_.* detected stalls)");
  return re;
}

std::string sh_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// /init: mount what tests use, run each test between markers, power off.
std::string init_script(const GuestSpec& spec) {
  std::ostringstream o;
  o << "#!/bin/busybox sh\n"
       "/bin/busybox mkdir -p /proc /sys /dev /tmp /run /sbin /usr/bin /usr/sbin\n"
       "/bin/busybox --install -s\n"
       "mount -t proc proc /proc\n"
       "mount -t sysfs sysfs /sys\n"
       "mount -t devtmpfs devtmpfs /dev 2>/dev/null\n"
       "mount -t tmpfs tmpfs /tmp\n"
       "mount -t bpf bpf /sys/fs/bpf 2>/dev/null\n"
       "mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null\n"
       "mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null\n"
       "export PATH=/bin:/sbin:/usr/bin:/usr/sbin LD_LIBRARY_PATH=/xtramp/lib HOME=/tmp "
       "GTEST_COLOR=no\n";
  for (const std::string& e : spec.env) {
    const size_t eq = e.find('=');
    o << "export " << e.substr(0, eq) << "=" << sh_quote(e.substr(eq + 1)) << "\n";
  }
  o << "for c in /sys/devices/system/cpu/cpu[0-9]*/online; do echo 1 > $c; done 2>/dev/null\n"
    << "t0=$(cat /proc/sys/kernel/tainted)\n"
    << "echo \"" << kMark << "ready $(uname -r) $(nproc) $t0\"\n"
    << "run() {\n"
    << "  echo \"" << kMark << "begin $1\"\n"
    << "  (cd /tmp && sh /xtramp/test-$1.sh) 2>&1\n"
    << "  rc=$?\n"
    << "  t=$(cat /proc/sys/kernel/tainted)\n"
    << "  echo \"" << kMark << "end $1 $rc $t\"\n"
    << "  if [ \"$t\" != \"$t0\" ]; then dmesg | tail -n 80 | sed 's/^/" << kMark
    << "dmesg /'; t0=$t; fi\n"
    << "}\n";
  for (size_t i = 0; i < spec.tests.size(); ++i) o << "run " << i << "\n";
  o << "echo \"" << kMark << "done\"\n"
    << "poweroff -f\n";
  return o.str();
}

// A stripped copy of `bin` in `dir` (debug info is most of a test binary,
// and the guest's RAM holds the initramfs); the original when no strip tool
// for the arch is there.
std::string stripped(const std::string& bin, Arch a, const std::string& dir, int n) {
  const std::string out = dir + "/bin" + std::to_string(n);
  const std::string tool =
      a == host_arch() ? "strip" : std::string(guest_arch(a).triple) + "-strip";
  if (conform::find_in_path(tool).empty()) return bin;
  const conform::ProcessResult r = conform::run_process({tool, "--strip-debug", "-o", out, bin});
  return r.ok() ? out : bin;
}

std::string build_initramfs(const GuestSpec& spec, const std::string& path) {
  const Arch a = spec.kernel.arch;
  Initramfs ir(path);
  ir.file("/bin/busybox", busybox_path(a), true);
  for (const char* d : {"/proc", "/sys", "/dev", "/tmp", "/xtramp/lib"}) ir.dir(d);
  ir.bytes("/init", init_script(spec), true);
  for (size_t i = 0; i < spec.tests.size(); ++i)
    ir.bytes("/xtramp/test-" + std::to_string(i) + ".sh", spec.tests[i].command + "\n", false);
  std::set<std::string> placed;
  int n = 0;
  for (const std::string& bin : spec.binaries) {
    const std::string abs = fs::absolute(bin).lexically_normal().string();
    if (access(abs.c_str(), R_OK) != 0)
      throw Error(Errc::io, "guest binary " + abs + ": " + std::strerror(errno));
    const ElfDeps deps = elf_deps(abs, a);
    ir.file(abs, stripped(abs, a, spec.workdir, n++), true);
    if (!deps.interpreter.empty() && placed.insert(deps.interpreter).second)
      ir.file(deps.interpreter, deps.interpreter_host, true);
    for (const ElfDeps::Library& l : deps.libraries)
      if (placed.insert("/xtramp/lib/" + l.name).second)
        ir.file("/xtramp/lib/" + l.name, l.host, true);
  }
  for (const std::string& f : spec.files) {
    const std::string abs = fs::absolute(f).lexically_normal().string();
    if (access(abs.c_str(), R_OK) != 0)
      throw Error(Errc::io, "guest file " + abs + ": " + std::strerror(errno));
    ir.file(abs, abs, access(abs.c_str(), X_OK) == 0);
  }
  ir.finish();
  return path;
}

double since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

std::vector<std::string> split_words(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> w;
  for (std::string x; in >> x;) w.push_back(x);
  return w;
}

// The console, parsed as it arrives.
class Console {
 public:
  Console(const GuestSpec& spec, GuestResult& r, Clock::time_point start)
      : spec_(spec), r_(r), start_(start) {
    r_.tests.resize(spec.tests.size());
    for (size_t i = 0; i < spec.tests.size(); ++i) r_.tests[i].name = spec.tests[i].name;
  }

  void line(std::string l) {
    while (!l.empty() && (l.back() == '\r' || l.back() == '\n')) l.pop_back();
    // Terminal escapes (colours, the x86 firmware's screen clearing) are not text.
    static const std::regex escape("\x1b(\\[[0-9;?]*[A-Za-z]|[()][A-Z0-9]|[=>c])");
    if (l.find('\x1b') != std::string::npos) l = std::regex_replace(l, escape, "");
    if (spec_.on_line) spec_.on_line(l);
    const size_t m = l.find(kMark);
    if (m != std::string::npos) return marker(l.substr(m + std::strlen(kMark)));
    if (current_ >= 0) output_ += l + "\n";
    if (std::regex_search(l, crash_line())) {
      if (crash_.empty()) crash_ = l;
      if (l.find("Kernel panic") != std::string::npos) panicked_ = true;
      if (current_ >= 0 && test_crash_.empty()) test_crash_ = l;
    }
  }

  bool done() const { return done_; }
  bool ready() const { return ready_; }
  bool panicked() const { return panicked_; }
  const std::string& crash() const { return crash_; }
  // The test running now ("" if none).
  std::string running() const {
    return current_ >= 0 ? spec_.tests[static_cast<size_t>(current_)].name : "";
  }
  int running_index() const { return current_; }

 private:
  void marker(const std::string& m) {
    const std::vector<std::string> w = split_words(m);
    if (w.empty()) return;
    if (w[0] == "ready" && w.size() >= 3) {
      ready_ = true;
      r_.release_seen = w[1];
      r_.cpus_seen = static_cast<unsigned>(std::stoul(w[2]));
      r_.boot_seconds = since(start_);
    } else if (w[0] == "begin" && w.size() >= 2) {
      current_ = std::stoi(w[1]);
      output_.clear();
      test_crash_.clear();
      test_start_ = Clock::now();
    } else if (w[0] == "end" && w.size() >= 4 && current_ >= 0) {
      finish(std::stoi(w[2]), std::stoul(w[3]));
    } else if (w[0] == "dmesg") {
      dmesg_ += m.substr(6) + "\n";
      if (last_failed_ != nullptr) last_failed_->detail += "\n  " + m.substr(6);
    } else if (w[0] == "done") {
      done_ = true;
    }
  }

  void finish(int rc, unsigned long taint) {
    const auto i = static_cast<size_t>(current_);
    const GuestTest& t = spec_.tests[i];
    GuestTestResult res;
    if (t.gtest) {
      res = judge_gtest(t.name, rc, output_);
    } else {
      res.name = t.name;
      res.exit_code = rc;
      res.status = rc == 0    ? TestStatus::passed
                   : rc == 77 ? TestStatus::skipped
                              : TestStatus::failed;
      if (rc == 77) res.detail = "exit status 77 (skipped)";
      if (rc != 0 && rc != 77) res.detail = "exit status " + std::to_string(rc);
    }
    res.seconds = std::chrono::duration<double>(Clock::now() - test_start_).count();
    const unsigned long grew = (taint & ~taint_) & kBadTaint;
    if (grew != 0 || !test_crash_.empty()) {
      res.status = TestStatus::failed;
      std::string why = "the kernel ";
      why += (grew & (1ul << 7))    ? "oopsed (taint D)"
             : (grew & (1ul << 9))  ? "warned (taint W)"
             : (grew & (1ul << 14)) ? "reported a soft lockup (taint L)"
                                    : "printed a crash line";
      if (!test_crash_.empty()) why += ": " + test_crash_;
      res.detail = why + (res.detail.empty() ? "" : "; " + res.detail);
    }
    taint_ = taint;
    r_.tests[i] = std::move(res);
    last_failed_ = r_.tests[i].status == TestStatus::failed ? &r_.tests[i] : nullptr;
    current_ = -1;
  }

  const GuestSpec& spec_;
  GuestResult& r_;
  Clock::time_point start_, test_start_;
  int current_ = -1;
  unsigned long taint_ = 0;
  bool ready_ = false, done_ = false, panicked_ = false;
  std::string output_, crash_, test_crash_, dmesg_;
  GuestTestResult* last_failed_ = nullptr;
};

std::vector<std::string> qemu_command(const GuestSpec& spec, const std::string& initrd) {
  const GuestArch& g = guest_arch(spec.kernel.arch);
  std::vector<std::string> argv = {g.qemu};
  for (const std::string& w : split_words(g.machine_args)) argv.push_back(w);
  for (const std::string& w :
       {std::string("-smp"), std::to_string(spec.cpus), std::string("-m"),
        std::to_string(spec.mem_mb), std::string("-nographic"), std::string("-no-reboot"),
        std::string("-kernel"), spec.kernel.image, std::string("-initrd"), initrd,
        std::string("-append"),
        std::string("console=") + g.console + " panic=-1 quiet loglevel=4 rdinit=/init" +
            (g.boot_one_cpu ? " maxcpus=1" : "") + (spec.append.empty() ? "" : " " + spec.append)})
    argv.push_back(w);
  return argv;
}

}  // namespace

const char* test_status_name(TestStatus s) {
  switch (s) {
    case TestStatus::passed:
      return "passed";
    case TestStatus::failed:
      return "failed";
    case TestStatus::skipped:
      return "skipped";
    case TestStatus::not_run:
      return "not_run";
  }
  return "?";
}

const char* guest_outcome_name(GuestOutcome o) {
  switch (o) {
    case GuestOutcome::ok:
      return "ok";
    case GuestOutcome::tests_failed:
      return "tests_failed";
    case GuestOutcome::kernel_crash:
      return "kernel_crash";
    case GuestOutcome::timeout:
      return "timeout";
    case GuestOutcome::boot_failure:
      return "boot_failure";
    case GuestOutcome::qemu_failure:
      return "qemu_failure";
  }
  return "?";
}

GuestTestResult judge_gtest(const std::string& name, int exit_code, const std::string& output) {
  GuestTestResult r;
  r.name = name;
  r.exit_code = exit_code;
  static const std::regex summary(R"(^\[  (PASSED|SKIPPED|FAILED) *\] ([0-9]+) tests?[,.])");
  static const std::regex skipped_case(R"(^\[  SKIPPED \] ([A-Za-z_0-9/.]+\.[A-Za-z_0-9/]+)\s*$)");
  long passed = -1, skipped = 0, failed = 0;
  std::istringstream in(output);
  for (std::string l; std::getline(in, l);) {
    std::smatch m;
    if (std::regex_search(l, m, summary)) {
      const long n = std::stol(m[2]);
      if (m[1] == "PASSED") passed = n;
      if (m[1] == "SKIPPED") skipped = n;
      if (m[1] == "FAILED") failed = n;
    } else if (std::regex_search(l, m, skipped_case)) {
      r.skipped_cases.push_back(m[1]);
    }
  }
  if (exit_code != 0) {
    r.status = TestStatus::failed;
    r.detail = "exit status " + std::to_string(exit_code) +
               (exit_code > 128 ? " (signal " + std::to_string(exit_code - 128) + ")" : "") +
               (failed > 0 ? ", " + std::to_string(failed) + " gtest case(s) failed" : "");
  } else if (passed < 0) {
    r.status = TestStatus::failed;
    r.detail = "no googletest summary in its output";
  } else if (passed == 0 && skipped > 0) {
    r.status = TestStatus::skipped;
    r.detail = "all " + std::to_string(skipped) + " gtest case(s) skipped";
  } else if (passed == 0) {
    r.status = TestStatus::failed;
    r.detail = "no gtest case ran";
  } else {
    r.status = TestStatus::passed;
    if (skipped > 0) r.detail = std::to_string(skipped) + " gtest case(s) skipped";
  }
  return r;
}

GuestResult run_guest(const GuestSpec& spec) {
  GuestResult r;
  if (spec.cpus == 0 || spec.mem_mb < 256)
    throw Error(Errc::bad_request, "vm: at least 1 CPU and 256 MiB are needed");
  const std::string initrd =
      spec.workdir + "/initramfs-" + std::string(arch_name(spec.kernel.arch)) + ".cpio";
  build_initramfs(spec, initrd);
  r.initramfs_bytes = fs::file_size(initrd);
  r.qemu_command = qemu_command(spec, initrd);
  if (conform::find_in_path(r.qemu_command[0]).empty())
    throw Error(Errc::not_found,
                r.qemu_command[0] + " is not installed (ci/install-deps installs it)");

  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0)
    throw Error(Errc::io, std::string("pipe: ") + std::strerror(errno));
  pid_t pid = 0;
  const auto start = Clock::now();
  const int rc = conform::spawn_process(r.qemu_command, out[1], out[1], &pid);
  close(out[1]);
  if (rc != 0) {
    close(out[0]);
    r.outcome = GuestOutcome::qemu_failure;
    r.detail = "cannot start " + r.qemu_command[0] + ": " + std::strerror(rc);
    return r;
  }

  Console console(spec, r, start);
  std::string pending, tail;
  bool timed_out = false;
  char buf[65536];
  for (;;) {
    const double left = static_cast<double>(spec.timeout.count()) - since(start);
    if (left <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{out[0], POLLIN, 0};
    const int n = poll(&p, 1, static_cast<int>(std::min(left, 1.0) * 1000) + 1);
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) continue;
    const ssize_t got = read(out[0], buf, sizeof buf);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    pending.append(buf, static_cast<size_t>(got));
    for (size_t nl; (nl = pending.find('\n')) != std::string::npos;) {
      std::string l = pending.substr(0, nl);
      pending.erase(0, nl + 1);
      tail += l + "\n";
      if (tail.size() > 8192) tail.erase(0, tail.size() - 8192);
      console.line(std::move(l));
    }
  }
  if (!pending.empty()) console.line(pending);
  const std::string running = console.running();
  if (timed_out) kill(pid, SIGKILL);
  close(out[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  r.total_seconds = since(start);

  const std::string where =
      std::string(arch_name(spec.kernel.arch)) + " guest, kernel " + spec.kernel.release;
  if (console.running_index() >= 0) {
    GuestTestResult& t = r.tests[static_cast<size_t>(console.running_index())];
    t.status = TestStatus::failed;
    t.detail = timed_out ? "still running when the " + std::to_string(spec.timeout.count()) +
                               " s timeout of the boot ran out"
               : console.crash().empty() ? "the guest stopped while it ran"
                                         : "the kernel crashed while it ran: " + console.crash();
  }
  if (timed_out) {
    r.outcome = GuestOutcome::timeout;
    r.detail = where + ": timed out after " + std::to_string(spec.timeout.count()) + " s " +
               (!console.ready()  ? "before the guest's /init ran"
                : running.empty() ? "between tests"
                                  : "in test " + running);
  } else if (console.panicked() || (!console.crash().empty() && !console.done())) {
    r.outcome = GuestOutcome::kernel_crash;
    r.detail =
        where + ": " + console.crash() + (running.empty() ? "" : " (in test " + running + ")");
  } else if (!console.ready()) {
    r.outcome = GuestOutcome::boot_failure;
    r.detail = where + ": the guest never reached /init; last console lines:\n" + tail;
  } else if (!console.done()) {
    r.outcome = GuestOutcome::kernel_crash;
    r.detail = where + ": the guest stopped before its tests were done" +
               (running.empty() ? "" : " (in test " + running + ")") + "; last console lines:\n" +
               tail;
  } else if (r.release_seen != spec.kernel.release) {
    r.outcome = GuestOutcome::boot_failure;
    r.detail = where + ": the guest runs " + r.release_seen + ", not the kernel asked for";
  } else {
    r.outcome = GuestOutcome::ok;
    for (const GuestTestResult& t : r.tests)
      if (t.status == TestStatus::failed || t.status == TestStatus::not_run)
        r.outcome = GuestOutcome::tests_failed;
    if (r.outcome == GuestOutcome::tests_failed) r.detail = where + ": tests failed";
  }
  for (GuestTestResult& t : r.tests)
    if (t.status == TestStatus::not_run && t.detail.empty())
      t.detail = "did not run (" + std::string(guest_outcome_name(r.outcome)) + ")";
  return r;
}

}  // namespace xtramp::vm
