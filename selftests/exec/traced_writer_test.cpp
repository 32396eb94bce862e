// Writing read-only memory as this process's tracer (runtime/
// traced_writer.hpp): what poke_text falls back to on kernels that refuse
// /proc/self/mem writes to read-only pages. Checked on a read-only data page
// (.rodata), which needs the same forced write as code and can be read back.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <string>

#include "runtime/traced_writer.hpp"

namespace xtramp {
namespace {

// Read-only (in .rodata): a plain store to it faults.
extern "C" const uint8_t xtramp_traced_ro[16] __attribute__((aligned(16))) = {1, 2, 3, 4};

uint8_t read_ro(size_t i) {
  return *static_cast<const volatile uint8_t*>(&xtramp_traced_ro[i]);
}

// ptrace is an environment's to refuse (qemu-user does not emulate it for
// its guest; a seccomp policy may forbid it): then there is nothing to test,
// and the test says why instead of passing.
#define WRITE_OR_SKIP(addr, bytes)                                                          \
  do {                                                                                      \
    const std::string why = traced_write(const_cast<uint8_t*>(addr), bytes);                \
    if (!why.empty() && why.find("PTRACE_SEIZE") != std::string::npos)                      \
      GTEST_SKIP() << "this system does not let a child process trace its parent: " << why; \
    ASSERT_EQ(why, "");                                                                     \
  } while (0)

TEST(TracedWriter, WritesReadOnlyMemoryAsTheTracer) {
  const uint8_t want[2] = {0xAB, 0xCD};
  WRITE_OR_SKIP(&xtramp_traced_ro[2], want);
  EXPECT_EQ(read_ro(0), 1);
  EXPECT_EQ(read_ro(1), 2);
  EXPECT_EQ(read_ro(2), 0xAB);
  EXPECT_EQ(read_ro(3), 0xCD);
  const uint8_t back[2] = {3, 4};
  WRITE_OR_SKIP(&xtramp_traced_ro[2], back);
  EXPECT_EQ(read_ro(2), 3);
}

TEST(TracedWriter, AForkedChildWritesItsOwnMemoryNotItsParents) {
#if defined(__SANITIZE_THREAD__)
  // The child's writer needs a thread of its own (its idle, traced thread),
  // and ThreadSanitizer stops a child of a multi-threaded fork that starts one.
  GTEST_SKIP() << "ThreadSanitizer does not run threads in the child of a multi-threaded fork";
#endif
  const uint8_t warm[1] = {1};
  WRITE_OR_SKIP(&xtramp_traced_ro[0], warm);  // the parent's writer is up
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const uint8_t mine[1] = {0x77};
    const std::string why = traced_write(const_cast<uint8_t*>(&xtramp_traced_ro[5]), mine);
    _exit(why.empty() && read_ro(5) == 0x77 ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "the child could not write its own copy";
  EXPECT_EQ(read_ro(5), 0) << "the child's write reached the parent";
  const uint8_t again[1] = {0x11};
  WRITE_OR_SKIP(&xtramp_traced_ro[6], again);
  EXPECT_EQ(read_ro(6), 0x11) << "the parent's writer still works";
}

TEST(TracedWriter, TooLongAWriteIsRefused) {
  uint8_t big[65] = {};
  EXPECT_NE(traced_write(const_cast<uint8_t*>(&xtramp_traced_ro[0]), big), "");
}

}  // namespace
}  // namespace xtramp
