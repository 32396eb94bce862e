#include "runtime/text_poke.hpp"

#include <fcntl.h>
#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>

#include "common/error.hpp"
#include "runtime/host_code.hpp"
#include "runtime/traced_writer.hpp"

namespace xtramp {

namespace {

std::string hex(const void* p) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%p", p);
  return buf;
}

int mem_fd() {
  static const int fd = ::open("/proc/self/mem", O_RDWR | O_CLOEXEC);
  return fd;
}

int membarrier(int cmd) {
  return static_cast<int>(::syscall(SYS_membarrier, cmd, 0, 0));
}

}  // namespace

// First /proc/self/mem; where the kernel refuses that (EIO: Linux 6.12+ lets
// only a tracer force writes into read-only pages, proc_mem.force_override=
// ptrace|never), the same write by this process's tracer (traced_writer.hpp).
void poke_text(void* addr, std::span<const uint8_t> bytes) {
  const int fd = mem_fd();
  if (fd < 0)
    throw Error(Errc::io,
                "cannot patch code at " + hex(addr) + ": /proc/self/mem: " + std::strerror(errno));
  const ssize_t n = ::pwrite(fd, bytes.data(), bytes.size(),
                             static_cast<off_t>(reinterpret_cast<uintptr_t>(addr)));
  if (n != static_cast<ssize_t>(bytes.size())) {
    const int err = errno;
    if (n < 0 && err == EIO) {
      const std::string traced = traced_write(addr, bytes);
      if (traced.empty()) {
        __builtin___clear_cache(static_cast<char*>(addr), static_cast<char*>(addr) + bytes.size());
        return;
      }
      throw Error(Errc::io, "cannot patch code at " + hex(addr) +
                                ": this kernel refuses /proc/self/mem writes to read-only code "
                                "(Linux 6.12+, proc_mem.force_override=ptrace or never), and "
                                "writing as this process's tracer failed: " +
                                traced);
    }
    throw Error(Errc::io, "cannot patch code at " + hex(addr) + ": pwrite /proc/self/mem: " +
                              (n < 0 ? std::strerror(err) : "short write"));
  }
  __builtin___clear_cache(static_cast<char*>(addr), static_cast<char*>(addr) + bytes.size());
}

namespace {

// Which membarrier command serialises every thread's instruction stream:
// MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE, offered by the architectures
// that select ARCH_HAS_MEMBARRIER_SYNC_CORE (Linux init/Kconfig;
// Documentation/features/sched/membarrier-sync-core), or, where the host's
// backend says the interrupt it sends serialises
// (HostCode::expedited_membarrier_serialises: s390x, arch/s390x/host_code.cpp
// says why), MEMBARRIER_CMD_PRIVATE_EXPEDITED.
struct SyncCommand {
  int register_cmd;
  int sync_cmd;
  const char* name;
};

SyncCommand sync_command() {
  if (host_code().expedited_membarrier_serialises)
    return {MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, MEMBARRIER_CMD_PRIVATE_EXPEDITED,
            "MEMBARRIER_CMD_PRIVATE_EXPEDITED"};
  return {MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE,
          MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE, "MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE"};
}

}  // namespace

void sync_cores() {
  static const SyncCommand cmd = sync_command();
  static std::once_flag once;
  static int registered = -1;
  std::call_once(once, [] { registered = membarrier(cmd.register_cmd) == 0 ? 1 : 0; });
  if (registered != 1 || membarrier(cmd.sync_cmd) != 0)
    throw Error(Errc::unsupported, std::string("patching live code needs membarrier(") + cmd.name +
                                       "), which this kernel does not offer");
}

}  // namespace xtramp
