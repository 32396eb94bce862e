// Bad input never crashes the CLI: one line "xtramp: error: ..." naming the
// culprit, exit code 2, nothing on stdout. Help and version work everywhere.
#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli_run.hpp"

namespace xtramp::test {
namespace {

std::string corpus_bytes() {
  std::ifstream in(corpus_path(), std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void expect_bad_input(const std::vector<std::string>& args, const std::string& what) {
  const CliResult r = run_cli(args);
  SCOPED_TRACE(::testing::PrintToString(args));
  EXPECT_EQ(r.signal, 0);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(is_one_line_error(r, what)) << "stderr: " << r.err;
  EXPECT_EQ(r.out, "");
}

TEST(CliErrors, VersionAndHelp) {
  CliResult r = run_cli({"--version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out.rfind("xtramp ", 0), 0u) << r.out;
  for (const auto& args : std::vector<std::vector<std::string>>{{"--help"}, {"model", "--help"}}) {
    r = run_cli(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("Exit codes:"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("  2  bad input"), std::string::npos) << r.out;
  }
  r = run_cli({"model", "--help"});
  for (const char* opt : {"--btf", "--btf-base", "--target", "--no-dwarf", "--kernel-compat",
                          "--json", "--all", "--summary"}) {
    EXPECT_NE(r.out.find(opt), std::string::npos) << opt;
  }
}

TEST(CliErrors, Usage) {
  expect_bad_input({}, "subcommand");
  expect_bad_input({"frobnicate"}, "frobnicate");
  expect_bad_input({"model", "--btf", corpus_path()}, "FUNC");
  expect_bad_input({"model", "--btf", corpus_path(), "--summary"}, "--all");
  expect_bad_input({"model", "--btf", corpus_path(), "--all", "corpus_pair"}, "--all");
  expect_bad_input({"model", "--btf", corpus_path(), "--target", "mips", "corpus_pair"}, "mips");
  expect_bad_input({"model", "--no-such-option", "corpus_pair"}, "--no-such-option");
}

TEST(CliErrors, UnknownFunction) {
  expect_bad_input({"model", "--btf", corpus_path(), "no_such_function_xyz"},
                   "no_such_function_xyz");
  // One bad name among good ones: nothing is printed for the good ones.
  expect_bad_input({"model", "--btf", corpus_path(), "--json", "corpus_pair", "nope_xyz"},
                   "nope_xyz");
}

TEST(CliErrors, NotAFunction) {
  expect_bad_input({"model", "--btf", corpus_path(), "pair16"}, "pair16");
  expect_bad_input({"model", "--btf", corpus_path(), "corpus_not_a_function"},
                   "corpus_not_a_function");
}

TEST(CliErrors, MissingOrMalformedFile) {
  const std::string missing = corpus_path() + ".does-not-exist";
  expect_bad_input({"model", "--btf", missing, "f"}, missing);
  expect_bad_input({"model", "--btf", corpus_path(), "--btf-base", missing, "f"}, missing);

  std::string garbage(4096, '\0');
  for (size_t i = 0; i < garbage.size(); ++i) garbage[i] = static_cast<char>((i * 131 + 7) % 251);
  const std::string garbage_path = scratch_file("garbage.bin", garbage);
  expect_bad_input({"model", "--btf", garbage_path, "f"}, garbage_path);
  expect_bad_input({"model", "--btf", garbage_path, "--all", "--summary"}, garbage_path);

  const std::string empty = scratch_file("empty.btf", "");
  expect_bad_input({"model", "--btf", empty, "f"}, empty);

  // A raw BTF header that promises more than the file holds.
  std::string header = corpus_bytes();
  const std::string truncated_elf = scratch_file("truncated.o", header.substr(0, 200));
  expect_bad_input({"model", "--btf", truncated_elf, "corpus_pair"}, truncated_elf);
  const std::string btf_magic("\x9f\xeb\x01\x00\x18\x00\x00\x00\x00\x00\x00\x00\xff\xff\x00\x00",
                              16);
  const std::string short_raw = scratch_file("short.btf", btf_magic);
  expect_bad_input({"model", "--btf", short_raw, "f"}, short_raw);

  const std::string dir = std::string(XTRAMP_BINARY_DIR);
  expect_bad_input({"model", "--btf", dir, "f"}, dir);
}

// Raw BTF: 1 int; 2 FUNC_PROTO int(void); 3 FUNC named by `name` -> 2.
std::string raw_btf_with_function(const std::string& name) {
  auto u32 = [](uint32_t v) { return std::string(reinterpret_cast<const char*>(&v), 4); };
  const std::string strings = std::string("\0int\0", 5) + name + '\0';
  const std::string types = u32(1) + u32(1u << 24) + u32(4) + u32(1u << 24 | 32) +  // int
                            u32(0) + u32(13u << 24) + u32(1) +                      // proto
                            u32(5) + u32(12u << 24 | 1) + u32(2);                   // func
  const uint32_t type_len = static_cast<uint32_t>(types.size());
  return std::string("\x9f\xeb\x01\x00", 4) + u32(24) + u32(0) + u32(type_len) + u32(type_len) +
         u32(static_cast<uint32_t>(strings.size())) + types + strings;
}

TEST(CliErrors, NamesThatAreNotUtf8) {
  if (std::endian::native != std::endian::little)
    GTEST_SKIP() << "the raw BTF here is little-endian";
  const std::string path = scratch_file("latin1.btf", raw_btf_with_function("caf\xe9"));
  const CliResult text = run_cli({"model", "--btf", path, "--all"});
  EXPECT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("caf\xe9"), std::string::npos) << text.out;
  const CliResult json = run_cli({"model", "--btf", path, "--all", "--json"});
  EXPECT_EQ(json.exit_code, 0) << json.err;
  EXPECT_TRUE(nlohmann::json::accept(json.out)) << json.out;
  const CliResult summary = run_cli({"model", "--btf", path, "--all", "--summary", "--json"});
  EXPECT_EQ(summary.exit_code, 0) << summary.err;
}

}  // namespace
}  // namespace xtramp::test
