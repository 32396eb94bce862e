// `xtramp conform` end to end on the host architecture (the cross-arch runs
// are the matrix stage of ci/test): results, JSON shape, exit codes, errors.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "common/arch.hpp"
#include "conform/host/process.hpp"

namespace xtramp::conform {
namespace {

namespace fs = std::filesystem;

std::string scratch(const std::string& name, const std::string& text) {
  static const fs::path dir = [] {
    std::string t = (fs::temp_directory_path() / "xtramp-conform-test-XXXXXX").string();
    if (mkdtemp(t.data()) == nullptr) throw std::runtime_error("mkdtemp");
    return fs::path(t);
  }();
  const fs::path p = dir / name;
  std::ofstream(p) << text;
  return p.string();
}

ProcessResult xtramp(std::vector<std::string> args) {
  args.insert(args.begin(), XTRAMP_CLI_PATH);
  return run_process(args);
}

const std::string kHost(arch_name(host_arch()));

// The RFC shape: the stack-passed 16-byte-aligned struct after a short.
constexpr const char* kMixed = R"(
struct i128 { __int128 v; };
struct pair { unsigned long a, b; };
int rfc(struct i128 a, struct i128 b, struct i128 c, struct i128 d, short e, struct i128 f);
long plain(long a, int b, char c);
double floats(float a, double b, int c);
struct pair ret_pair(long a, long b);
int varargs(int n, ...);
)";

std::map<std::string, std::string> statuses(const nlohmann::ordered_json& records,
                                            const std::string& policy) {
  std::map<std::string, std::string> out;
  for (const auto& r : records)
    if (r["policy"] == policy) out[r["function"]] = r["status"];
  return out;
}

TEST(ConformCli, PsabiPassesAndLinuxFailsWhereTheJitIsWrong) {
  const ProcessResult r =
      xtramp({"conform", "--quiet", "--arch", kHost, "--json", scratch("mixed.c", kMixed)});
  ASSERT_TRUE(r.failure.empty()) << r.failure;
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  const nlohmann::ordered_json j = nlohmann::ordered_json::parse(r.out);
  ASSERT_EQ(j.size(), 10u) << "5 functions x 2 policies";
  for (const auto& rec : j) {
    std::vector<std::string> keys;
    for (auto it = rec.begin(); it != rec.end(); ++it) keys.push_back(it.key());
    EXPECT_EQ(keys, (std::vector<std::string>{"function", "arch", "policy", "status", "detail"}));
    EXPECT_EQ(rec["arch"], kHost);
  }
  const auto psabi = statuses(j, "psabi"), linux = statuses(j, "linux");
  for (const char* f : {"rfc", "plain", "floats", "ret_pair"}) EXPECT_EQ(psabi.at(f), "pass") << f;
  EXPECT_EQ(psabi.at("varargs"), "unsupported");
  EXPECT_EQ(linux.at("plain"), "pass");
  EXPECT_EQ(linux.at("floats"), "unsupported") << "the kernel refuses float arguments";
  if (host_arch() == Arch::x86_64 || host_arch() == Arch::arm64) {
    EXPECT_EQ(linux.at("rfc"), "fail") << "the JIT reads the aligned struct 8 bytes early";
  }
}

TEST(ConformCli, FailureNamesArgumentBytesAndLayout) {
  if (host_arch() == Arch::s390x) GTEST_SKIP() << "s390x's JIT places the RFC shape right";
  const ProcessResult r = xtramp(
      {"conform", "--quiet", "--arch", kHost, "--policy", "linux", scratch("mixed.c", kMixed)});
  ASSERT_EQ(r.exit_code, 0) << "linux failures are findings, not errors: " << r.err;
  EXPECT_NE(r.out.find("FAIL rfc " + kHost + "/linux: fentry ctx, argument 5"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("expected 0x66 (the caller's byte 0)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("layout: stack+"), std::string::npos) << r.out;
}

// A caller and callee built for an ABI xtramp does not model (Microsoft x64):
// psabi must FAIL, and the exit status says so.
TEST(ConformCli, WrongAbiIsCaughtAndExitsOne) {
  if (host_arch() != Arch::x86_64) GTEST_SKIP() << "-mabi=ms exists on x86-64 only";
  const std::string cc = scratch("ms-gcc", "#!/bin/sh\nexec gcc -mabi=ms \"$@\"\n");
  fs::permissions(cc, fs::perms::owner_all);
  const ProcessResult r =
      xtramp({"conform", "--quiet", "--arch", "x86_64", "--policy", "psabi", "--cc", "x86_64=" + cc,
              scratch("plain.c", "long f(long a, long b, long c, long d, long e);\n")});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("FAIL f x86_64/psabi"), std::string::npos) << r.out;
}

TEST(ConformCli, BadInputExitsTwoWithTheReason) {
  struct Case {
    std::vector<std::string> args;
    std::string what;
  };
  const std::vector<Case> cases = {
      {{"conform", scratch("broken.c", "int f(struct nope x;\n")}, "does not compile"},
      {{"conform", scratch("empty.c", "struct s { int a; };\n")}, "declares no function"},
      {{"conform", "--arch", "mips", scratch("one.c", "int f(int);\n")}, "--arch"},
      {{"conform", "--policy", "bsd", scratch("one.c", "int f(int);\n")}, "--policy"},
      {{"conform", "--arch", "s390x", "--runner", "s390x=/nonexistent/runner",
        scratch("one.c", "int f(int);\n")},
       "no xtramp-conform-runner"},
      {{"conform", "--cc", "x86_64=/nonexistent/gcc", "--arch", "x86_64",
        scratch("one.c", "int f(int);\n")},
       "no C compiler"},
  };
  for (const Case& c : cases) {
    const ProcessResult r = xtramp(c.args);
    EXPECT_EQ(r.exit_code, 2) << c.what << ": " << r.err;
    EXPECT_NE(r.err.find(c.what), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace xtramp::conform
