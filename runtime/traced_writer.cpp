#include "runtime/traced_writer.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <future>
#include <mutex>
#include <thread>

namespace xtramp {

namespace {

constexpr size_t kMaxBytes = 64;  // the longest patch is a few instructions

struct Request {
  uint64_t addr;
  uint32_t len;
  uint8_t bytes[kMaxBytes];
};

// ---- the writer process: raw system calls only (it was forked from a
// multi-threaded process, so nothing that may take a lock or allocate) ------

bool io_all(int fd, void* p, size_t n, bool rd) {
  auto* b = static_cast<char*>(p);
  while (n > 0) {
    const ssize_t k = rd ? ::read(fd, b, n) : ::write(fd, b, n);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return false;
    b += k, n -= static_cast<size_t>(k);
  }
  return true;
}

// "/proc/<tid>/mem" without snprintf.
void mem_path(char* out, long tid) {
  char digits[24];
  int n = 0;
  do digits[n++] = static_cast<char>('0' + tid % 10);
  while ((tid /= 10) > 0);
  const char* head = "/proc/";
  int at = 0;
  for (const char* h = head; *h != '\0'; ++h) out[at++] = *h;
  while (n > 0) out[at++] = digits[--n];
  for (const char* t = "/mem"; *t != '\0'; ++t) out[at++] = *t;
  out[at] = '\0';
}

[[noreturn]] void writer_main(int sock, pid_t parent, long tid) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(1);
  // Keep no descriptor of the application's open: only the socket, as 3.
  if (sock != 3) {
    ::dup2(sock, 3);
    sock = 3;
  }
  ::syscall(SYS_close_range, 4u, ~0u, 0u);
  char go = 0;
  int32_t status = 0;
  if (!io_all(sock, &go, 1, true)) ::_exit(1);  // the parent set PR_SET_PTRACER
  if (::ptrace(PTRACE_SEIZE, static_cast<pid_t>(tid), nullptr, nullptr) != 0) status = errno;
  char path[48];
  mem_path(path, tid);
  int mem = -1;
  if (status == 0 && (mem = ::open(path, O_RDWR | O_CLOEXEC)) < 0) status = errno;
  if (!io_all(sock, &status, sizeof status, false) || status != 0) ::_exit(1);
  Request r;
  while (io_all(sock, &r, sizeof r, true)) {
    int32_t err = 0;
    if (r.len > kMaxBytes) {
      err = EINVAL;
    } else {
      const ssize_t n = ::pwrite(mem, r.bytes, r.len, static_cast<off_t>(r.addr));
      if (n != static_cast<ssize_t>(r.len)) err = n < 0 ? errno : EIO;
    }
    if (!io_all(sock, &err, sizeof err, false)) break;
  }
  ::_exit(0);
}

// ---- this process's side ---------------------------------------------------

class Writer {
 public:
  // "" when the writer is up, else why not.
  std::string start() {
    // T: a thread with every signal blocked, so that being traced never
    // stops it (a seized tracee stops only for signals it is delivered).
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    std::promise<long> tid;
    auto got = tid.get_future();
    std::thread([&tid] {
      tid.set_value(static_cast<long>(::syscall(SYS_gettid)));
      for (;;) ::pause();  // every signal is blocked: this never returns
    }).detach();
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    tid_ = got.get();

    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
      return std::string("socketpair: ") + std::strerror(errno);
    const pid_t parent = ::getpid();
    const pid_t child = ::fork();
    if (child < 0) {
      const int e = errno;
      ::close(sv[0]);
      ::close(sv[1]);
      return std::string("fork: ") + std::strerror(e);
    }
    if (child == 0) {
      ::close(sv[0]);
      writer_main(sv[1], parent, tid_);
    }
    ::close(sv[1]);
    sock_ = sv[0];
    child_ = child;
    // Yama ptrace_scope=1: only descendants may attach unless named here
    // (EINVAL without Yama: nothing to do).
    ::prctl(PR_SET_PTRACER, static_cast<unsigned long>(child), 0, 0, 0);
    char go = 1;
    int32_t status = -1;
    if (!io_all(sock_, &go, 1, false) || !io_all(sock_, &status, sizeof status, true)) {
      stop();
      return "the writer process exited before it attached";
    }
    if (status != 0) {
      stop();
      return std::string("PTRACE_SEIZE / open /proc/<tid>/mem by the writer process: ") +
             std::strerror(status);
    }
    pid_ = parent;
    return {};
  }

  std::string write(void* addr, std::span<const uint8_t> bytes) {
    Request r{};
    r.addr = reinterpret_cast<uint64_t>(addr);
    r.len = static_cast<uint32_t>(bytes.size());
    std::memcpy(r.bytes, bytes.data(), bytes.size());
    int32_t err = 0;
    if (!io_all(sock_, &r, sizeof r, false) || !io_all(sock_, &err, sizeof err, true)) {
      stop();
      return "the writer process is gone";
    }
    return err == 0 ? std::string() : std::string("pwrite by the tracer: ") + std::strerror(err);
  }

  // True when this object's writer serves this process (not a parent's).
  bool ours() const { return sock_ >= 0 && pid_ == ::getpid(); }

  void forget_parents() {
    // In a forked child: the socket talks to the parent's writer about the
    // parent's memory. Drop it (the parent keeps its own copy).
    if (sock_ >= 0) ::close(sock_);
    sock_ = -1;
    child_ = -1;
    pid_ = -1;
  }

 private:
  void stop() {
    if (sock_ >= 0) ::close(sock_);
    sock_ = -1;
    if (child_ > 0) {
      ::kill(child_, SIGKILL);
      while (::waitpid(child_, nullptr, 0) < 0 && errno == EINTR) {
      }
    }
    child_ = -1;
    pid_ = -1;
  }

  int sock_ = -1;
  pid_t child_ = -1;
  pid_t pid_ = -1;
  long tid_ = 0;
};

std::mutex g_mu;
Writer g_writer;

}  // namespace

std::string traced_write(void* addr, std::span<const uint8_t> bytes) {
  if (bytes.size() > kMaxBytes) return "more than 64 bytes in one write";
  std::lock_guard<std::mutex> lock(g_mu);
  if (!g_writer.ours()) {
    g_writer.forget_parents();
    const std::string why = g_writer.start();
    if (!why.empty()) return why;
  }
  return g_writer.write(addr, bytes);
}

}  // namespace xtramp
