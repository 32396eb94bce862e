// xtramp-conform-runner: runs a case library's round trips on the
// architecture it is built for (natively, or under qemu-user). Started by
// `xtramp conform`; one process per case library and architecture.
//
// Every case runs in a child process, so a layout that sends the callee a
// wrong pointer (a bug the matrix exists to find) crashes only that case: the
// supervisor reports it as a failure (under psabi, diagnosed as a failure is,
// hidden_property.hpp) and resumes with the next case.
#include <dlfcn.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "btf/btf_file.hpp"
#include "common/error.hpp"
#include "conform/case_abi.hpp"
#include "conform/runner/hidden_property.hpp"
#include "conform/runner/round_trip.hpp"

namespace xtramp::conform {
namespace {

const char* kUsage =
    "usage: xtramp-conform-runner [--policy psabi|linux|both] [--in-process]\n"
    "                             [--debug-info LIB.so] [--baseline] CASE.so\n"
    "\n"
    "Round-trips every function of a case library (written by `xtramp conform`)\n"
    "through xtramp trampolines on this architecture. Prints one line per\n"
    "(function, policy): NAME <tab> POLICY <tab> pass|fail|unsupported|finding <tab>\n"
    "DETAIL.\n"
    "--baseline first calls each callee directly (no trampoline), for a library whose\n"
    "callers and callees come from different compilers: where that call disagrees\n"
    "(or crashes), the compilers disagree on the ABI, a finding (status \"finding\").\n"
    "--debug-info reads the functions' BTF and DWARF from LIB.so (a case library of\n"
    "the same functions built by GCC) instead of CASE.so (built by compilers\n"
    "without -gbtf).\n"
    "A case that crashes or hangs (60 s) is a failure; the rest still run.\n"
    "--in-process runs the cases in this process, without the supervisor (for a\n"
    "debugger: the first crash ends the run).\n"
    "Exit status: 0 when every case ran (whatever the results), 2 on bad input.\n";

struct Library {
  const CaseEntry* cases = nullptr;
  unsigned count = 0;
  CaseGlobals globals;
};

[[noreturn]] void bad_input(const std::string& why) {
  std::fprintf(stderr, "xtramp-conform-runner: %s\n", why.c_str());
  std::exit(2);
}

void* symbol(void* h, const char* name, const char* path) {
  void* p = dlsym(h, name);
  if (p == nullptr) bad_input(std::string(path) + ": no symbol " + name + " (not a case library)");
  return p;
}

Library open_library(const char* path) {
  void* h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (h == nullptr) bad_input(std::string("cannot load ") + path + ": " + dlerror());
  Library lib;
  const unsigned size = *static_cast<const unsigned*>(symbol(h, kEntrySizeSym, path));
  if (size != sizeof(CaseEntry))
    bad_input(std::string(path) + ": case entries of " + std::to_string(size) +
              " bytes, this runner expects " + std::to_string(sizeof(CaseEntry)));
  lib.cases = static_cast<const CaseEntry*>(symbol(h, kCasesSym, path));
  lib.count = *static_cast<const unsigned*>(symbol(h, kCountSym, path));
  lib.globals.args = static_cast<void**>(symbol(h, kArgsSym, path));
  lib.globals.ret = static_cast<void**>(symbol(h, kRetSym, path));
  lib.globals.calls = static_cast<unsigned long*>(symbol(h, kCallsSym, path));
  return lib;
}

std::string one_line(std::string s) {
  for (char& c : s)
    if (c == '\t' || c == '\n' || c == '\r') c = ' ';
  return s;
}

void write_all(int fd, const std::string& s) {
  size_t done = 0;
  while (done < s.size()) {
    const ssize_t w = ::write(fd, s.data() + done, s.size() - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) _exit(3);
    done += static_cast<size_t>(w);
  }
}

struct Job {
  unsigned case_index;
  Policy policy;
};

std::string result_line(const Library& lib, const Job& j, const Outcome& o) {
  return std::string(lib.cases[j.case_index].name) + "\t" + std::string(policy_name(j.policy)) +
         "\t" + status_name(o.status) + "\t" + one_line(o.detail) + "\n";
}

// `during`: "the round trip", "the direct call".
std::string death(int status, const std::string& during = "the round trip") {
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    if (sig == SIGALRM)
      return "hung: no result within " + std::to_string(kRoundTripTimeoutSeconds) + " s";
    return std::string("crashed with signal ") + std::to_string(sig) + " (" + strsignal(sig) +
           ") during " + during;
  }
  return "the runner exited with status " + std::to_string(WEXITSTATUS(status)) + " during " +
         during;
}

// fork() with a pipe from the child to the parent: returns 0 in the child,
// with *fd the pipe's write end, and the child's pid in the parent, with *fd
// its read end.
pid_t fork_piped(int* fd) {
  int fds[2];
  if (pipe(fds) != 0) bad_input(std::string("pipe: ") + strerror(errno));
  std::fflush(stdout);
  const pid_t pid = fork();
  if (pid < 0) bad_input(std::string("fork: ") + strerror(errno));
  close(fds[pid == 0 ? 0 : 1]);
  *fd = fds[pid == 0 ? 1 : 0];
  return pid;
}

// The direct call in a process of its own: a disagreement between the
// compilers can corrupt memory or crash, and must not show in the round trip
// after it. nullopt when the caller and the callee agree.
std::optional<Outcome> isolated_direct_call(const FuncModel& m, const CaseEntry& c,
                                            const CaseGlobals& g) {
  int fd = -1;
  const pid_t pid = fork_piped(&fd);
  if (pid == 0) {
    alarm(kRoundTripTimeoutSeconds);
    const std::optional<Outcome> o = direct_call(m, c, g);
    write_all(fd, o ? std::string(status_name(o->status)) + "\t" + o->detail : "agree\t");
    _exit(0);
  }
  std::string text;
  char buf[4096];
  for (ssize_t n; (n = read(fd, buf, sizeof buf)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  const size_t tab = text.find('\t');
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || tab == std::string::npos)
    return Outcome{Status::finding,
                   death(status,
                         "the direct call (no trampoline): the caller and the callee "
                         "disagree on how it is passed")};
  const std::string st = text.substr(0, tab), detail = text.substr(tab + 1);
  if (st == "agree") return std::nullopt;
  for (Status s : {Status::fail, Status::unsupported, Status::finding})
    if (st == status_name(s)) return Outcome{s, detail};
  return Outcome{Status::fail, "the direct call reported '" + text + "'"};
}

// Child: runs jobs[from..] and reports "B <k>" before and "R <line>" after
// each. With `baseline`, the direct call (caller -> callee, no trampoline)
// first.
[[noreturn]] void run_jobs(const btf::BtfFile& btf, const Library& lib,
                           const std::vector<Job>& jobs, size_t from, int fd, bool baseline) {
  for (size_t k = from; k < jobs.size(); ++k) {
    write_all(fd, "B\t" + std::to_string(k) + "\n");
    alarm(kRoundTripTimeoutSeconds);
    const Job& j = jobs[k];
    const CaseEntry& c = lib.cases[j.case_index];
    Outcome o;
    try {
      const FuncModel m = btf.model(c.name);
      std::optional<Outcome> f;
      if (baseline) f = isolated_direct_call(m, c, lib.globals);
      o = f ? *f : round_trip(m, j.policy, c, lib.globals);
    } catch (const Error& e) {
      o = {e.code() == Errc::unsupported || e.code() == Errc::too_many_args ? Status::unsupported
                                                                            : Status::fail,
           e.what()};
    } catch (const std::exception& e) {
      o = {Status::fail, std::string("exception: ") + e.what()};
    }
    write_all(fd, "R\t" + std::to_string(k) + "\t" + result_line(lib, j, o));
  }
  _exit(0);
}

// A job whose child died: a failure, under psabi diagnosed like one that
// returned (a model missing a hidden property can crash the round trip).
Outcome crash_outcome(const btf::BtfFile& btf, const Library& lib, const Job& j, std::string why) {
  Outcome failed{Status::fail, std::move(why)};
  if (j.policy != Policy::psabi) return failed;
  const CaseEntry& c = lib.cases[j.case_index];
  try {
    return diagnose_failure(btf.model(c.name), c, lib.globals, failed);
  } catch (const Error&) {
    return failed;
  }
}

// Supervisor: restarts a child after the case that killed it.
void supervise(const btf::BtfFile& btf, const Library& lib, const std::vector<Job>& jobs,
               bool baseline) {
  size_t next = 0;
  while (next < jobs.size()) {
    int fd = -1;
    const pid_t pid = fork_piped(&fd);
    if (pid == 0) run_jobs(btf, lib, jobs, next, fd, baseline);
    FILE* in = fdopen(fd, "r");
    long begun = -1;
    size_t done = next;
    char* line = nullptr;
    size_t cap = 0;
    while (getline(&line, &cap, in) > 0) {
      std::string_view l(line);
      if (l.starts_with("B\t")) {
        begun = std::stol(std::string(l.substr(2)));

      } else if (l.starts_with("R\t")) {
        const size_t tab = l.find('\t', 2);
        done = std::stoul(std::string(l.substr(2, tab - 2))) + 1;
        std::fputs(std::string(l.substr(tab + 1)).c_str(), stdout);
      }
    }
    std::free(line);
    std::fclose(in);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && done == jobs.size()) break;
    if (begun >= static_cast<long>(done)) {
      const Job& j = jobs[static_cast<size_t>(begun)];
      std::fputs(result_line(lib, j, crash_outcome(btf, lib, j, death(status))).c_str(), stdout);
      next = static_cast<size_t>(begun) + 1;
    } else {
      bad_input("the case runner died outside a case: " + death(status));
    }
  }
  std::fflush(stdout);
}

int run(int argc, char** argv) {
  std::vector<Policy> policies{Policy::psabi, Policy::linux_jit};
  const char* path = nullptr;
  const char* debug_info = nullptr;
  bool in_process = false, baseline = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "-h" || a == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (a == "--in-process") {
      in_process = true;
    } else if (a == "--baseline") {
      baseline = true;
    } else if (a == "--debug-info" && i + 1 < argc) {
      debug_info = argv[++i];
    } else if (a == "--policy" && i + 1 < argc) {
      const std::string_view p = argv[++i];
      if (p == "both") {
        policies = {Policy::psabi, Policy::linux_jit};
      } else if (auto pol = parse_policy(p)) {
        policies = {*pol};
      } else {
        bad_input("--policy: '" + std::string(p) + "' is not psabi, linux or both");
      }
    } else if (!a.starts_with("-") && path == nullptr) {
      path = argv[i];
    } else {
      std::fputs(kUsage, stderr);
      return 2;
    }
  }
  if (path == nullptr) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  btf::OpenOptions o;
  o.path = debug_info != nullptr ? debug_info : path;
  btf::BtfFile btf = [&] {
    try {
      return btf::BtfFile::open(o);
    } catch (const Error& e) {
      bad_input(e.what());
    }
  }();
  if (btf.target() != host_arch())
    bad_input(std::string(o.path) + " is built for " + std::string(arch_name(btf.target())) +
              ", this runner runs on " + std::string(arch_name(host_arch())));
  const Library lib = open_library(path);
  std::vector<Job> jobs;
  for (unsigned i = 0; i < lib.count; ++i)
    for (Policy p : policies) jobs.push_back({i, p});
  if (in_process) run_jobs(btf, lib, jobs, 0, STDOUT_FILENO, baseline);
  supervise(btf, lib, jobs, baseline);
  return 0;
}

}  // namespace
}  // namespace xtramp::conform

int main(int argc, char** argv) {
  return xtramp::conform::run(argc, argv);
}
