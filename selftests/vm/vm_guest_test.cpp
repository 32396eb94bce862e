// Real guests of the host's arch: what the VM runner reports when a test
// passes, skips, fails, panics the kernel or hangs. Each boot takes a few
// seconds under TCG. Without a cached kernel (ci/install-vm) they skip.
#include <gtest/gtest.h>

#include <stdlib.h>

#include <filesystem>
#include <string>

#include "common/error.hpp"
#include "conform/vm/guest_run.hpp"
#include "conform/vm/kernel_cache.hpp"

namespace xtramp::vm {
namespace {

namespace fs = std::filesystem;

class Guest : public ::testing::Test {
 protected:
  void SetUp() override {
    try {
      spec_.kernel = select_kernel(host_arch(), "newest");
      (void)busybox_path(host_arch());
    } catch (const Error& e) {
      GTEST_SKIP() << e.what();
    }
    std::string t = (fs::temp_directory_path() / "xtramp-vm-guest-XXXXXX").string();
    ASSERT_NE(mkdtemp(t.data()), nullptr);
    spec_.workdir = t;
    spec_.mem_mb = 512;
    spec_.timeout = std::chrono::seconds(120);
  }
  // Everything the runner said, for a failure's message.
  static std::string said(const GuestResult& r) {
    std::string s = std::string(guest_outcome_name(r.outcome)) + ": " + r.detail;
    for (const GuestTestResult& t : r.tests)
      s += "\n  " + t.name + ": " + test_status_name(t.status) + " " + t.detail;
    return s;
  }
  void TearDown() override {
    if (!spec_.workdir.empty()) fs::remove_all(spec_.workdir);
  }
  GuestSpec spec_;
};

TEST_F(Guest, StatusesOfTestsInOneBoot) {
  spec_.env = {"XT_GREETING=it's here"};
  spec_.tests = {
      {"ok", "test \"$XT_GREETING\" = \"it's here\" && test $(nproc) = 2", false},
      {"skip", "exit 77", false},
      {"bad", "echo failing; exit 3", false},
      {"gtest_all_skipped",
       "echo '[  PASSED  ] 0 tests.'; echo '[  SKIPPED ] 2 tests, listed below:'", true}};
  const GuestResult r = run_guest(spec_);
  SCOPED_TRACE(said(r));
  ASSERT_EQ(r.tests.size(), 4u);
  EXPECT_EQ(r.release_seen, spec_.kernel.release);
  EXPECT_EQ(r.cpus_seen, 2u);
  EXPECT_EQ(r.tests[0].status, TestStatus::passed) << r.tests[0].detail;
  EXPECT_EQ(r.tests[1].status, TestStatus::skipped);
  EXPECT_EQ(r.tests[2].status, TestStatus::failed);
  EXPECT_EQ(r.tests[2].exit_code, 3);
  EXPECT_EQ(r.tests[3].status, TestStatus::skipped);
  EXPECT_EQ(r.outcome, GuestOutcome::tests_failed);
}

TEST_F(Guest, APanicFailsTheTestThatCausedItAndTheRestDidNotRun) {
  spec_.tests = {{"before", "true", false},
                 {"crasher", "echo c > /proc/sysrq-trigger; sleep 5", false},
                 {"after", "true", false}};
  const GuestResult r = run_guest(spec_);
  SCOPED_TRACE(said(r));
  EXPECT_EQ(r.outcome, GuestOutcome::kernel_crash) << r.detail;
  EXPECT_NE(r.detail.find("crasher"), std::string::npos) << r.detail;
  EXPECT_EQ(r.tests[0].status, TestStatus::passed);
  EXPECT_EQ(r.tests[1].status, TestStatus::failed);
  EXPECT_EQ(r.tests[2].status, TestStatus::not_run);
}

TEST_F(Guest, AHangIsATimeoutNamingTheTest) {
  spec_.timeout = std::chrono::seconds(30);
  spec_.tests = {{"sleeper", "sleep 1000", false}};
  const GuestResult r = run_guest(spec_);
  SCOPED_TRACE(said(r));
  EXPECT_EQ(r.outcome, GuestOutcome::timeout);
  EXPECT_NE(r.detail.find("in test sleeper"), std::string::npos) << r.detail;
  EXPECT_EQ(r.tests[0].status, TestStatus::failed);
}

}  // namespace
}  // namespace xtramp::vm
