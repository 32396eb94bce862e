// conform/siggen: the seeded signature generator and the embedded fixed
// corpus. Determinism (same seed, same text; case i independent of count),
// coverage (every group >= 40 cases in 2000, 0..20 arguments, every aggregate
// size 1..40 on every architecture), the output rules, and that every
// source compiles with -Wall -Werror for x86_64, aarch64 and s390x with each
// declaration used and every aggregate at most 40 bytes.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "conform/host/process.hpp"
#include "conform/siggen.hpp"
#include "selftests/conform/c_probe.hpp"

namespace xtramp::conform {
namespace {

using test::compile_c;
using test::declared_functions;
using test::defined_aggregates;

GeneratedCorpus generate(uint64_t seed, uint32_t count) {
  SigGenOptions o;
  o.seed = seed;
  o.count = count;
  return generate_signatures(o);
}

// Case i's text: from its "/* case i: " line up to the next one.
std::vector<std::string> case_blocks(const std::string& src) {
  std::vector<std::string> blocks;
  size_t at = src.find("/* case ");
  while (at != std::string::npos) {
    const size_t next = src.find("\n/* case ", at + 1);
    blocks.push_back(src.substr(at, next == std::string::npos ? std::string::npos : next - at));
    at = next == std::string::npos ? next : next + 1;
  }
  return blocks;
}

// The one-line declaration of `name` in `block`.
std::string declaration(const std::string& block, const std::string& name) {
  std::stringstream lines(block);
  for (std::string line; std::getline(lines, line);) {
    if (line.find(" " + name + "(") != std::string::npos ||
        line.find("*" + name + "(") != std::string::npos) {
      return line;
    }
  }
  return "";
}

// Parameter count of a one-line declaration (function pointer types are
// typedefs, so the parameter list has no nested parentheses).
int param_count(const std::string& decl, const std::string& name) {
  const size_t open = decl.find(name + "(");
  const size_t close = decl.rfind(')');
  if (open == std::string::npos || close == std::string::npos) return -1;
  const std::string params = decl.substr(open + name.size() + 1, close - open - name.size() - 1);
  if (params == "void") return 0;
  return static_cast<int>(std::count(params.begin(), params.end(), ',')) + 1;
}

std::vector<std::string> names_of(const GeneratedCorpus& c) {
  std::vector<std::string> v;
  for (const GeneratedSignature& s : c.functions) v.push_back(s.name);
  return v;
}

TEST(SigGen, SameSeedSameSource) {
  const GeneratedCorpus a = generate(7, 300), b = generate(7, 300);
  EXPECT_EQ(a.c_source, b.c_source);
  EXPECT_EQ(names_of(a), names_of(b));
  EXPECT_NE(a.c_source, generate(8, 300).c_source) << "the seed must matter";
  EXPECT_NE(a.c_source.find("seed 7, count 300"), std::string::npos) << "header comment";
}

TEST(SigGen, CaseIndependentOfCount) {
  for (uint64_t seed : {1ull, 42ull, 0xfeedfacecafebeefull}) {
    const GeneratedCorpus small = generate(seed, 50), big = generate(seed, 2000);
    const std::vector<std::string> a = case_blocks(small.c_source), b = case_blocks(big.c_source);
    ASSERT_EQ(a.size(), 50u);
    ASSERT_EQ(b.size(), 2000u);
    for (size_t i = 0; i < a.size(); i++) {
      EXPECT_EQ(a[i], b[i]) << "seed " << seed << " case " << i;
      EXPECT_EQ(small.functions[i].name, big.functions[i].name);
      EXPECT_EQ(small.functions[i].group, big.functions[i].group);
    }
  }
}

TEST(SigGen, NamesAndGroups) {
  const GeneratedCorpus c = generate(1, 2000);
  const std::vector<std::string>& groups = generated_groups();
  EXPECT_EQ(groups.size(), 19u);
  const std::vector<std::string> expected = {
      "scalars", "int128",     "floats",         "long_double", "small_structs",     "big_structs",
      "unions",  "nested",     "overaligned",    "packed",      "bitfields",         "hfa",
      "mixed",   "struct_ret", "reg_exhaustion", "many_args",   "unnamed_bitfields", "complex",
      "vectors"};
  EXPECT_EQ(std::set<std::string>(groups.begin(), groups.end()),
            std::set<std::string>(expected.begin(), expected.end()));
  ASSERT_EQ(c.functions.size(), 2000u);
  std::map<std::string, int> per_group;
  for (size_t i = 0; i < c.functions.size(); i++) {
    const GeneratedSignature& s = c.functions[i];
    EXPECT_EQ(s.name, "gen_" + s.group + "_" + std::to_string(i));
    EXPECT_NE(std::find(groups.begin(), groups.end(), s.group), groups.end()) << s.group;
    per_group[s.group]++;
  }
  for (const std::string& g : groups) EXPECT_GE(per_group[g], 40) << g;
  // Declaration order: the source declares the functions in vector order.
  EXPECT_EQ(declared_functions(c.c_source), names_of(c));
}

TEST(SigGen, ArgumentCountsCoverZeroToTwenty) {
  const GeneratedCorpus c = generate(1, 2000);
  const std::vector<std::string> blocks = case_blocks(c.c_source);
  ASSERT_EQ(blocks.size(), c.functions.size());
  std::map<int, int> counts;
  std::map<std::string, int> most;
  for (size_t i = 0; i < blocks.size(); i++) {
    const std::string& name = c.functions[i].name;
    const int n = param_count(declaration(blocks[i], name), name);
    ASSERT_GE(n, 0) << blocks[i];
    EXPECT_LE(n, 20) << name;
    counts[n]++;
    most[c.functions[i].group] = std::max(most[c.functions[i].group], n);
  }
  for (int n = 0; n <= 20; n++) EXPECT_GT(counts[n], 0) << n << " arguments never occur";
  EXPECT_GE(most["many_args"], 20);
}

TEST(SigGen, SourceRules) {
  const GeneratedCorpus c = generate(3, 2000);
  const std::string& s = c.c_source;
  for (const char* banned : {"_Float16", "__float128", "...", "[]"}) {
    EXPECT_EQ(s.find(banned), std::string::npos) << banned;
  }
  // _Complex and vector types only where their groups put them.
  const std::vector<std::string> blocks = case_blocks(s);
  for (size_t i = 0; i < blocks.size(); i++) {
    if (c.functions[i].group != "complex") {
      EXPECT_EQ(blocks[i].find("_Complex"), std::string::npos) << c.functions[i].name;
    }
    if (c.functions[i].group != "vectors") {
      EXPECT_EQ(blocks[i].find("vector_size"), std::string::npos) << c.functions[i].name;
    }
  }
  // No function bodies, and _Bool only at the top level (never a member).
  EXPECT_EQ(s.find(") {"), std::string::npos);
  EXPECT_EQ(s.find("  _Bool"), std::string::npos);
  // Type names are unique, and every aggregate has a named member.
  const std::vector<std::string> aggs = defined_aggregates(s);
  EXPECT_EQ(std::set<std::string>(aggs.begin(), aggs.end()).size(), aggs.size());
  static const std::regex empty_body(R"(\{\n(  [^\n]* : 0;\n)*\})");
  EXPECT_FALSE(std::regex_search(s, empty_body));
  // What each feature group is about actually shows up.
  for (const char* feature :
       {"__attribute__((packed))", "__attribute__((packed, aligned(", "__attribute__((aligned(8)))",
        "__attribute__((aligned(16)))", "__attribute__((aligned(32)))", " : 0;",
        "unsigned __int128", "long double m", "union gu", "enum ge", "typedef ", "= 0x100000000",
        "_Bool a", "struct gs", " *a"}) {
    EXPECT_NE(s.find(feature), std::string::npos) << feature;
  }
}

TEST(SigGen, OnlyStructRetReturnsAggregates) {
  const GeneratedCorpus c = generate(5, 2000);
  const std::vector<std::string> blocks = case_blocks(c.c_source);
  int aggregate_returns = 0;
  for (size_t i = 0; i < blocks.size(); i++) {
    const std::string decl = declaration(blocks[i], c.functions[i].name);
    const bool agg = decl.rfind("struct ", 0) == 0 || decl.rfind("union ", 0) == 0;
    if (c.functions[i].group == "struct_ret") {
      EXPECT_TRUE(agg) << decl;
      aggregate_returns++;
    } else {
      EXPECT_FALSE(agg) << decl;
    }
  }
  EXPECT_GE(aggregate_returns, 40);
}

const char* const kCorpusFiles[] = {"selftests.h", "rfc.h", "odd_structs.h"};

TEST(Corpus, EmbeddedMatchesTheHeaders) {
  const std::vector<CorpusFile>& files = builtin_corpus();
  ASSERT_EQ(files.size(), 3u);
  const char* const groups[] = {"selftests", "rfc", "odd_structs"};
  for (size_t i = 0; i < 3; i++) {
    EXPECT_EQ(files[i].name, kCorpusFiles[i]);
    EXPECT_EQ(files[i].group, groups[i]);
    std::ifstream in(std::filesystem::path(XTRAMP_SOURCE_DIR) / "conform/corpus" / files[i].name);
    std::stringstream ss;
    ss << in.rdbuf();
    EXPECT_EQ(files[i].c_source, ss.str()) << files[i].name << " is stale: rebuild";
  }
}

TEST(Corpus, FunctionNames) {
  std::set<std::string> all;
  size_t total = 0;
  for (const CorpusFile& f : builtin_corpus()) {
    for (const std::string& n : declared_functions(f.c_source)) {
      EXPECT_NE(n.rfind("gen_", 0), 0u) << n << " in " << f.name;
      all.insert(n);
      total++;
    }
  }
  EXPECT_EQ(all.size(), total) << "function names must be unique across the corpus";
  for (const char* n :
       {"bpf_testmod_test_struct_arg_1", "bpf_testmod_test_struct_arg_5",
        "bpf_testmod_test_struct_arg_9", "bpf_testmod_test_union_arg_1",
        "bpf_testmod_test_union_arg_2", "bpf_testmod_fentry_test7", "bpf_testmod_fentry_test11",
        "bpf_fentry_test7", "bpf_fentry_test11", "bpf_testmod_test_struct_arg_10",
        "bpf_testmod_test_struct_arg_11", "odd_struct3_first", "odd_struct5_stack",
        "odd_struct6_five", "odd_struct7_ret", "odd_struct1_first", "odd_struct8_last"}) {
    EXPECT_TRUE(all.count(n)) << n;
  }
}

// Compiles for one GCC; skipped when it is not on PATH.
class CompileWith : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    cc_ = find_in_path(GetParam());
    if (cc_.empty()) GTEST_SKIP() << GetParam() << " not found on PATH";
  }
  void expect_compiles(const std::string& src, const std::vector<std::string>& fns,
                       const std::string& what) {
    const test::Compiled r = compile_c(cc_, test::probe_tu(src, fns, defined_aggregates(src), 40));
    EXPECT_TRUE(r.ok) << what << " with " << cc_ << ":\n" << r.diagnostics.substr(0, 4000);
  }
  std::string cc_;
};

TEST_P(CompileWith, GeneratedSources) {
  for (uint64_t seed : {1ull, 2ull, 0x5eedull}) {
    const GeneratedCorpus c = generate(seed, 2000);
    expect_compiles(c.c_source, names_of(c), "seed " + std::to_string(seed));
  }
}

TEST_P(CompileWith, CorpusHeaders) {
  std::string all;
  std::vector<std::string> all_fns;
  for (const CorpusFile& f : builtin_corpus()) {
    const std::vector<std::string> fns = declared_functions(f.c_source);
    EXPECT_FALSE(fns.empty()) << f.name;
    expect_compiles(f.c_source, fns, f.name);
    all += f.c_source;
    all_fns.insert(all_fns.end(), fns.begin(), fns.end());
  }
  // All of it in one TU with a generated source: no name clashes.
  const GeneratedCorpus c = generate(9, 200);
  all += c.c_source;
  for (const GeneratedSignature& s : c.functions) all_fns.push_back(s.name);
  expect_compiles(all, all_fns, "the corpus and seed 9 together");
}

// sizeof of every generated aggregate as this GCC computes it: all within
// 40 bytes and every size 1..40 present.
TEST_P(CompileWith, AggregateSizesCoverOneToForty) {
  const GeneratedCorpus c = generate(1, 2000);
  const std::vector<std::string> aggs = defined_aggregates(c.c_source);
  std::string tu = c.c_source + "\nconst unsigned xt_sizes[] = {\n";
  for (const std::string& a : aggs) tu += "    sizeof(" + a + "),\n";
  tu += "};\n";
  const test::Compiled r = compile_c(cc_, tu, true);
  ASSERT_TRUE(r.ok) << r.diagnostics.substr(0, 4000);
  const std::vector<uint32_t> sizes = test::asm_u32_table(r.assembly, "xt_sizes");
  ASSERT_EQ(sizes.size(), aggs.size()) << "could not read the size table from the assembly";
  std::set<uint32_t> seen(sizes.begin(), sizes.end());
  EXPECT_LE(*seen.rbegin(), 40u);
  for (uint32_t n = 1; n <= 40; n++)
    EXPECT_TRUE(seen.count(n)) << "no aggregate of " << n << " bytes";
}

INSTANTIATE_TEST_SUITE_P(Gcc, CompileWith,
                         ::testing::Values("gcc", "aarch64-linux-gnu-gcc", "s390x-linux-gnu-gcc"),
                         [](const auto& info) {
                           std::string n = info.param;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

}  // namespace
}  // namespace xtramp::conform
