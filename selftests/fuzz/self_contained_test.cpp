// BtfFile::from_bytes reads only the bytes it is given. An ELF may name other
// files: a .gnu_debuglink (a debug file, looked for beside the ELF, whose
// "directory" for a memfd is /proc/self/fd: the process's other descriptors)
// or a .gnu_debugaltlink (dwz's shared DWARF). Given in memory, neither may
// make the frontend open anything, or the model of the same bytes would depend
// on the process's descriptors and files. Named by path (BtfFile::open), the
// standard search applies: that is how distributions ship debug info.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "btf/btf_file.hpp"
#include "seeds.hpp"

namespace xtramp::fuzz {
namespace {

// The debug file is named "200" at build time (selftests/fuzz/CMakeLists.txt):
// with it open as descriptor 200, /proc/self/fd/200 is a file of that name.
constexpr int kDebugFd = 200;

std::vector<uint8_t> elf_bytes(const char* path) {
  return object_seeds(path).at(0).bytes;
}

TEST(SelfContained, OwnDwarfIsRead) {
  // The baseline: DWARF in the bytes themselves is used.
  EXPECT_TRUE(btf::BtfFile::from_bytes(elf_bytes(XTRAMP_FUZZ_DWARF_OBJECT)).has_dwarf());
}

TEST(SelfContained, DebuglinkIsFollowedByPathOnly) {
  // By path: the debug file beside the object is found (the setup works).
  btf::OpenOptions opts;
  opts.path = XTRAMP_FUZZ_DEBUGLINK_OBJECT;
  EXPECT_TRUE(btf::BtfFile::open(opts).has_dwarf()) << "the debuglink setup is broken";

  // In memory, with the debug file reachable as /proc/self/fd/200: not read.
  const int fd = ::open(XTRAMP_FUZZ_DEBUGLINK_FILE, O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0) << XTRAMP_FUZZ_DEBUGLINK_FILE << ": " << std::strerror(errno);
  ASSERT_EQ(fcntl(kDebugFd, F_GETFD), -1) << "descriptor 200 is already in use";
  ASSERT_EQ(dup2(fd, kDebugFd), kDebugFd) << std::strerror(errno);
  close(fd);
  const bool dwarf = btf::BtfFile::from_bytes(elf_bytes(XTRAMP_FUZZ_DEBUGLINK_OBJECT)).has_dwarf();
  close(kDebugFd);
  EXPECT_FALSE(dwarf) << "from_bytes followed the .gnu_debuglink to /proc/self/fd/200";
}

TEST(SelfContained, DwarfNamingAnAltFileIsNotUsedFromMemory) {
  btf::OpenOptions opts;
  opts.path = XTRAMP_FUZZ_ALTLINK_OBJECT;
  EXPECT_TRUE(btf::BtfFile::open(opts).has_dwarf());
  EXPECT_FALSE(btf::BtfFile::from_bytes(elf_bytes(XTRAMP_FUZZ_ALTLINK_OBJECT)).has_dwarf());
}

}  // namespace
}  // namespace xtramp::fuzz
