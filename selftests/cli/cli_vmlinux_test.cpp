// The CLI on the running kernel's BTF. Which functions the kernel rejects is
// found by scanning the BTF through the library (names differ between
// kernels); the CLI must report exactly what the library says, and its
// summary must add up. Skipped when the host has no /sys/kernel/btf/vmlinux.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <optional>

#include <nlohmann/json.hpp>

#include "btf/btf_file.hpp"
#include "cli_run.hpp"
#include "common/error.hpp"

namespace xtramp::test {
namespace {

using nlohmann::json;

class CliVmlinux : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!std::filesystem::exists(btf::kVmlinuxPath)) return;
    file_.emplace(btf::BtfFile::open({}));
    // One kernel-rejected function per message shape, plus one accepted.
    for (uint32_t id : file_->function_ids()) {
      const KernelView k = file_->kernel_view(id);
      const std::string key = k.accepted ? "accepted" : shape(k.message);
      if (!examples_.count(key)) examples_[key] = file_->function_name(id);
    }
  }
  static void TearDownTestSuite() { file_.reset(); }

  void SetUp() override {
    if (!file_) GTEST_SKIP() << btf::kVmlinuxPath << " is not available on this host";
  }

  static std::string shape(const std::string& message) {
    for (const char* s : {"Too many", "variable args", "return type", "malformed void"}) {
      if (message.find(s) != std::string::npos) return s;
    }
    if (message.find(" arg") != std::string::npos) return "arg type";
    return "other";
  }

  static std::optional<btf::BtfFile> file_;
  static std::map<std::string, std::string> examples_;
};

std::optional<btf::BtfFile> CliVmlinux::file_;
std::map<std::string, std::string> CliVmlinux::examples_;

TEST_F(CliVmlinux, VfsReadJson) {
  uint32_t id = 0;
  try {
    id = file_->find_function("vfs_read");
  } catch (const Error&) {
    GTEST_SKIP() << "this kernel has no vfs_read";
  }
  const CliResult r = run_cli({"model", "--json", "vfs_read"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(json::accept(r.out)) << r.out;
  const json f = json::parse(r.out);
  const FuncModel m = file_->model_by_id(id);
  EXPECT_EQ(f["name"], "vfs_read");
  EXPECT_EQ(f["target"], std::string(arch_name(file_->target())));
  ASSERT_EQ(f["args"].size(), m.args.size());
  ASSERT_EQ(m.args.size(), 4u);  // (struct file *, char __user *, size_t, loff_t *)
  for (const json& a : f["args"]) {
    EXPECT_EQ(a["size"], 8);
    EXPECT_EQ(a["align_certain"], true);
  }
  EXPECT_EQ(f["args"][0]["kind"], "ptr");
  EXPECT_EQ(f["ret"]["signed"], true);  // ssize_t
  EXPECT_EQ(f["kernel"]["accepted"], true);
  EXPECT_EQ(f["kernel"]["nr_args"], 4);
}

TEST_F(CliVmlinux, KernelRejectionsMatchTheLibrary) {
  ASSERT_TRUE(examples_.count("accepted"));
  size_t rejected_shapes = 0;
  for (const auto& [shape_key, name] : examples_) {
    SCOPED_TRACE(shape_key + ": " + name);
    const KernelView k = file_->kernel_view(file_->find_function(name));
    const CliResult r = run_cli({"model", "--kernel-compat", name});
    EXPECT_EQ(r.signal, 0);
    EXPECT_EQ(r.exit_code, k.accepted ? 0 : 1) << r.out << r.err;
    if (!k.accepted) {
      ++rejected_shapes;
      EXPECT_NE(r.out.find(k.message), std::string::npos) << r.out;
      const CliResult j = run_cli({"model", "--kernel-compat", "--json", name});
      ASSERT_TRUE(json::accept(j.out)) << j.out;
      EXPECT_EQ(json::parse(j.out)["kernel"]["message"], k.message);
    }
  }
  // Every kernel since 5.5 has varargs (printk-like) functions at least.
  EXPECT_GE(rejected_shapes, 1u);
}

TEST_F(CliVmlinux, SummaryAddsUp) {
  const CliResult r = run_cli({"model", "--all", "--summary", "--kernel-compat", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(json::accept(r.out)) << r.out;
  const json s = json::parse(r.out);
  const std::vector<uint32_t> ids = file_->function_ids();
  size_t kernel_accepted = 0;
  for (uint32_t id : ids) kernel_accepted += file_->kernel_view(id).accepted;
  EXPECT_EQ(s["functions"], ids.size());
  EXPECT_EQ(s["accepted"], kernel_accepted);
  EXPECT_EQ(s["kernel_accepted"], kernel_accepted);
  EXPECT_EQ(s["accepted"].get<size_t>() + s["rejected"].get<size_t>(), ids.size());
  size_t grouped = 0;
  for (const json& g : s["groups"]) {
    grouped += g["count"].get<size_t>();
    EXPECT_FALSE(g["examples"].empty());
    EXPECT_NE(g["pattern"].get<std::string>().find("%s"), std::string::npos) << g;
  }
  EXPECT_EQ(grouped, s["rejected"].get<size_t>());

  const CliResult text = run_cli({"model", "--all", "--summary"});
  EXPECT_EQ(text.exit_code, 0);
  EXPECT_NE(text.out.find("functions: " + std::to_string(ids.size())), std::string::npos);
}

}  // namespace
}  // namespace xtramp::test
