// `xtramp gen`: every architecture's trampoline, generated on this host in
// both attach modes, disassembles cleanly (capstone decodes every byte) and
// ends in a return; bad requests exit 2.
#include <gtest/gtest.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "cli_run.hpp"

namespace xtramp::test {
namespace {

using nlohmann::json;

const char* const kArches[] = {"x86_64", "arm64", "s390x"};

#if defined(__x86_64__)
constexpr const char* kHostArch = "x86_64";
#elif defined(__aarch64__)
constexpr const char* kHostArch = "arm64";
#elif defined(__s390x__)
constexpr const char* kHostArch = "s390x";
#else
constexpr const char* kHostArch = "";
#endif

// The instruction that leaves a trampoline, per arch and mode: a return, or
// (an Attachment's trampoline) the indirect jump to the exit stub that ends
// the RCU read-side section (docs/trampolines.md).
bool is_exit(const std::string& arch, const json& insn) {
  const std::string m = insn["mnemonic"];
  if (arch == "x86_64") {
    const std::string ops = insn.value("operands", "");
    return m == "ret" || (m == "jmp" && !ops.empty() && ops.find("0x") == std::string::npos);
  }
  if (arch == "arm64") return m == "ret" || m == "br";
  return m == "br";  // s390x: br %r14 / br %r1
}

class CliGenArch : public ::testing::TestWithParam<const char*> {};

TEST_P(CliGenArch, BothModesDisassembleCleanly) {
  const char* arch = GetParam();
  struct Case {
    const char* func;
    std::vector<std::string> progs;
  };
  const Case cases[] = {
      {"place_plain", {"--fentry", "1"}},
      {"place_plain", {"--fentry", "2", "--fexit", "1", "--fmod-ret", "1"}},
      {"place_rfc", {"--fexit", "1"}},
      {"place_float", {"--fentry", "1", "--fexit", "1"}},
      {"place_three", {"--fentry", "1", "--fexit", "1"}},
      {"place_plain", {"--fentry", "1", "--fsession", "2", "--fexit", "1", "--fmod-ret", "1"}},
      {"place_rfc", {"--fsession", "1"}},
  };
  {
    for (const char* mode : {"replace", "entry-patch"}) {
      for (const Case& c : cases) {
        std::vector<std::string> args = {
            "gen", "--btf", XTRAMP_CLI_PLACE_CORPUS, "--arch", arch, "--mode", mode, "--json"};
        args.insert(args.end(), c.progs.begin(), c.progs.end());
        args.push_back(c.func);
        SCOPED_TRACE(::testing::PrintToString(args));
        const CliResult r = run_cli(args);
        if (r.exit_code == 1 && r.err.find("not available in this build") != std::string::npos)
          GTEST_SKIP() << r.err;  // e.g. arm64 code on s390x: Debian has no asmjit there
        ASSERT_EQ(r.exit_code, 0) << r.err;
        ASSERT_TRUE(json::accept(r.out)) << r.out;
        const json j = json::parse(r.out);
        EXPECT_EQ(j["arch"], arch);
        EXPECT_EQ(j["mode"], mode);
        EXPECT_GT(j["code_size"].get<int>(), 0);
        EXPECT_EQ(j["code"].get<std::string>().size(), 2 * j["code_size"].get<size_t>());
        ASSERT_FALSE(j["disasm"].empty());
        for (const json& insn : j["disasm"])
          EXPECT_NE(insn["mnemonic"], ".byte") << "undecodable bytes at " << insn["offset"];
        EXPECT_TRUE(is_exit(arch, j["disasm"].back())) << j["disasm"].back();
        // One session-cookie slot per fsession program.
        const auto fs = std::find(c.progs.begin(), c.progs.end(), "--fsession");
        EXPECT_EQ(j["cookies"].get<int>(), fs == c.progs.end() ? 0 : std::stoi(*(fs + 1)));
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Arches, CliGenArch, ::testing::ValuesIn(kArches),
                         [](const auto& info) { return std::string(info.param); });

TEST(CliGen, TextListingAndBadInput) {
  const CliResult r = run_cli(
      {"gen", "--btf", XTRAMP_CLI_PLACE_CORPUS, "--arch", "s390x", "--disasm", "place_plain"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("stmg"), std::string::npos) << r.out;
  for (const std::vector<std::string>& bad :
       {std::vector<std::string>{"gen", "--btf", XTRAMP_CLI_PLACE_CORPUS, "--arch", "mips",
                                 "place_plain"},
        std::vector<std::string>{"gen", "--btf", XTRAMP_CLI_PLACE_CORPUS, "--mode", "sideways",
                                 "place_plain"},
        std::vector<std::string>{"gen", "--btf", XTRAMP_CLI_PLACE_CORPUS, "no_such_function"}}) {
    const CliResult b = run_cli(bad);
    EXPECT_EQ(b.exit_code, 2) << ::testing::PrintToString(bad) << b.err;
    EXPECT_EQ(b.out, "");
  }
}

// --nothrow: code for the host's own arch runs each program's guard, call and
// count inline (the thread pointer read, then an out-of-line slow path after
// the return); code for another arch (cross generation: no thread pointer of
// that arch in this process) is the runner's, instruction for instruction.
TEST(CliGen, NothrowProgramsInlineTheRunnerOnTheirHost) {
  for (const char* arch : kArches) {
    SCOPED_TRACE(arch);
    auto gen = [&](bool nothrow) {
      std::vector<std::string> args = {
          "gen",     "--btf", XTRAMP_CLI_PLACE_CORPUS, "--arch", arch, "--json", "--fentry", "2",
          "--fexit", "1"};
      if (nothrow) args.push_back("--nothrow");
      args.push_back("place_plain");
      const CliResult r = run_cli(args);
      // e.g. arm64 code on s390x: Debian has no asmjit there (the arch's
      // emitter is missing from this build, with or without --nothrow)
      if (r.exit_code == 1 && r.err.find("not available in this build") != std::string::npos)
        return json::object();
      EXPECT_EQ(r.exit_code, 0) << r.err;
      return json::accept(r.out) ? json::parse(r.out) : json::object();
    };
    const json plain = gen(false), inl = gen(true);
    EXPECT_EQ(plain.empty(), inl.empty());
    if (plain.empty() || inl.empty()) continue;
    // Reads of the thread pointer: x86-64 "mov r, fs:[off]"; arm64 "mrs x9,
    // tpidr_el0"; s390x "ear %r1, %a0" (then sllg, ear %a1).
    const std::string tp_operand = std::string(arch) == "x86_64"  ? "fs:"
                                   : std::string(arch) == "arm64" ? "tpidr_el0"
                                                                  : "%a0";
    auto tp_reads = [&](const json& j) {
      int n = 0;
      for (const json& insn : j["disasm"])
        if (insn["operands"].get<std::string>().find(tp_operand) != std::string::npos) ++n;
      return n;
    };
    // (The bytes hold the placeholder programs' heap addresses: compare the
    // instruction sequences.)
    auto mnemonics = [](const json& j) {
      std::vector<std::string> m;
      for (const json& insn : j["disasm"]) m.push_back(insn["mnemonic"]);
      return m;
    };
    EXPECT_EQ(tp_reads(plain), 0);
    if (std::string(arch) == kHostArch) {
      if (std::string(arch) == "s390x")  // the run word's address stays in r7 across the call
        EXPECT_EQ(tp_reads(inl), 3) << "a read before each of the 3 programs";
      else
        EXPECT_EQ(tp_reads(inl), 2 * 3) << "a read before and after each of the 3 programs";
      EXPECT_GT(inl["code_size"].get<int>(), plain["code_size"].get<int>());
    } else {
      EXPECT_EQ(mnemonics(inl), mnemonics(plain)) << "no inline path here: the runner's code";
    }
  }
}

}  // namespace
}  // namespace xtramp::test
