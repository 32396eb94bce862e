// The VM runner's parts, without booting anything: googletest verdicts, the
// initramfs format (read back by cpio), the kernel cache, ELF dependencies.
#include <gtest/gtest.h>

#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "common/error.hpp"
#include "conform/host/process.hpp"
#include "conform/vm/elf_deps.hpp"
#include "conform/vm/guest_run.hpp"
#include "conform/vm/initramfs.hpp"
#include "conform/vm/kernel_cache.hpp"

namespace xtramp::vm {
namespace {

namespace fs = std::filesystem;

std::string temp_dir() {
  std::string t = (fs::temp_directory_path() / "xtramp-vm-test-XXXXXX").string();
  EXPECT_NE(mkdtemp(t.data()), nullptr);
  return t;
}

TEST(JudgeGtest, PassedWithSomeCasesSkipped) {
  const GuestTestResult r = judge_gtest("t", 0,
                                        "[==========] 3 tests from 1 test suite ran. (1 ms total)\n"
                                        "[  PASSED  ] 2 tests.\n"
                                        "[  SKIPPED ] 1 test, listed below:\n"
                                        "[  SKIPPED ] EntryPatch.Fentry\n");
  EXPECT_EQ(r.status, TestStatus::passed);
  EXPECT_EQ(r.skipped_cases, std::vector<std::string>{"EntryPatch.Fentry"});
  EXPECT_EQ(r.detail, "1 gtest case(s) skipped");
}

TEST(JudgeGtest, AllSkippedIsSkippedNeverPassed) {
  const GuestTestResult r =
      judge_gtest("t", 0, "[  PASSED  ] 0 tests.\n[  SKIPPED ] 4 tests, listed below:\n");
  EXPECT_EQ(r.status, TestStatus::skipped);
}

TEST(JudgeGtest, NonZeroExitOrNoSummaryFails) {
  EXPECT_EQ(
      judge_gtest("t", 1, "[  PASSED  ] 3 tests.\n[  FAILED  ] 1 test, listed below:\n").status,
      TestStatus::failed);
  const GuestTestResult killed = judge_gtest("t", 139, "");
  EXPECT_EQ(killed.status, TestStatus::failed);
  EXPECT_NE(killed.detail.find("signal 11"), std::string::npos) << killed.detail;
  EXPECT_EQ(judge_gtest("t", 0, "hello\n").status, TestStatus::failed);
}

TEST(Initramfs, CpioReadsBackWhatWasWritten) {
  if (conform::find_in_path("cpio").empty()) GTEST_SKIP() << "no cpio to read the archive back";
  const std::string dir = temp_dir();
  const std::string host = dir + "/data.txt";
  std::ofstream(host) << "some bytes\n";
  {
    Initramfs ir(dir + "/a.cpio");
    ir.bytes("/init", "#!/bin/sh\n", true);
    ir.file("/deep/er/path/data.txt", host, false);
    ir.symlink("/bin/sh", "busybox");
    ir.finish();
    EXPECT_EQ(ir.size() % 4, 0u);
  }
  const conform::ProcessResult r =
      conform::run_process({"sh", "-c", "cpio -itv < " + dir + "/a.cpio"});
  ASSERT_TRUE(r.ok()) << r.err;
  for (const char* want : {" init", " deep/er/path/data.txt", " deep/er", " bin/sh -> busybox"})
    EXPECT_NE(r.out.find(want), std::string::npos) << want << " in\n" << r.out;
  const conform::ProcessResult x =
      conform::run_process({"sh", "-c",
                            "cd " + dir +
                                " && mkdir x && cd x && cpio -id --quiet < ../a.cpio && "
                                "cat deep/er/path/data.txt && test -x init"});
  ASSERT_TRUE(x.ok()) << x.err;
  EXPECT_EQ(x.out, "some bytes\n");
  fs::remove_all(dir);
}

class FakeCache : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = temp_dir();
    old_ = getenv("XTRAMP_VM_DIR") ? getenv("XTRAMP_VM_DIR") : "";
    setenv("XTRAMP_VM_DIR", dir_.c_str(), 1);
    for (const char* rel : {"6.12.5+deb13-arm64", "7.2.13+deb14-arm64", "7.10.1+deb14-arm64"}) {
      fs::create_directories(dir_ + "/arm64/kernels/" + rel);
      std::ofstream(dir_ + "/arm64/kernels/" + rel + "/vmlinuz") << "k";
      std::ofstream(dir_ + "/arm64/kernels/" + rel + "/package")
          << "linux-binary-" << rel << " 1-1 sid\n";
    }
  }
  void TearDown() override {
    if (old_.empty())
      unsetenv("XTRAMP_VM_DIR");
    else
      setenv("XTRAMP_VM_DIR", old_.c_str(), 1);
    fs::remove_all(dir_);
  }
  std::string dir_, old_;
};

TEST_F(FakeCache, NewestIsByVersionNotByText) {
  EXPECT_EQ(select_kernel(Arch::arm64, "newest").release, "7.10.1+deb14-arm64");
  EXPECT_EQ(select_kernel(Arch::arm64, "6.12").release, "6.12.5+deb13-arm64");
  EXPECT_EQ(select_kernel(Arch::arm64, "7.2").suite, "sid");
  ASSERT_EQ(cached_kernels(Arch::arm64).size(), 3u);
  EXPECT_EQ(cached_kernels(Arch::arm64).back().release, "6.12.5+deb13-arm64");
}

TEST_F(FakeCache, MissingKernelsAndBusyboxSayWhatIsCachedAndHowToGetIt) {
  try {
    select_kernel(Arch::arm64, "5.10");
    FAIL() << "no 5.10";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::not_found);
    EXPECT_NE(std::string(e.what()).find("7.2.13+deb14-arm64"), std::string::npos) << e.what();
  }
  try {
    select_kernel(Arch::s390x, "newest");
    FAIL() << "no s390x kernel";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("ci/install-vm"), std::string::npos) << e.what();
  }
  EXPECT_THROW(busybox_path(Arch::arm64), Error);
}

TEST(ElfDeps, HostBinaryNeedsItsInterpreterAndLibc) {
  const ElfDeps d = elf_deps("/bin/ls", host_arch());
  EXPECT_FALSE(d.interpreter.empty());
  EXPECT_TRUE(fs::exists(d.interpreter_host));
  bool libc = false;
  for (const ElfDeps::Library& l : d.libraries) libc = libc || l.name == "libc.so.6";
  EXPECT_TRUE(libc);
}

TEST(ElfDeps, ABinaryOfAnotherArchIsRefusedByName) {
  const Arch other = host_arch() == Arch::s390x ? Arch::arm64 : Arch::s390x;
  try {
    elf_deps("/bin/ls", other);
    FAIL() << "/bin/ls is not a " << arch_name(other) << " binary";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::bad_request);
    EXPECT_NE(std::string(e.what()).find("/bin/ls is not an"), std::string::npos) << e.what();
  }
  EXPECT_THROW(elf_deps("/etc/hostname", host_arch()), Error);
}

}  // namespace
}  // namespace xtramp::vm
