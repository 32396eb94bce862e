#include "common/tramp/text_poke.hpp"

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

void poke_text(void* addr, std::span<const uint8_t> bytes) {
  const int fd = mem_fd();
  if (fd < 0)
    throw Error(Errc::io,
                "cannot patch code at " + hex(addr) + ": /proc/self/mem: " + std::strerror(errno));
  const ssize_t n = ::pwrite(fd, bytes.data(), bytes.size(),
                             static_cast<off_t>(reinterpret_cast<uintptr_t>(addr)));
  if (n != static_cast<ssize_t>(bytes.size()))
    throw Error(Errc::io, "cannot patch code at " + hex(addr) + ": pwrite /proc/self/mem: " +
                              (n < 0 ? std::strerror(errno) : "short write"));
  __builtin___clear_cache(static_cast<char*>(addr), static_cast<char*>(addr) + bytes.size());
}

void sync_cores() {
  static std::once_flag once;
  static int registered = -1;
  std::call_once(once, [] {
    registered = membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE) == 0 ? 1 : 0;
  });
  if (registered != 1 || membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE) != 0)
    throw Error(Errc::unsupported,
                "patching live code needs membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE), "
                "which this kernel does not offer");
}

}  // namespace xtramp
