// The pure parts of `xtramp kernel-check`: crash recovery's next boot and the
// kernel-compilable corpus.
#include <gtest/gtest.h>

#include "conform/kernel/kernel_check.hpp"
#include "conform/kernel/kernel_corpus.hpp"

namespace {

using namespace xtramp::conform::kernel;

TEST(CrashRecovery, StepBits) {
  EXPECT_EQ(step_bit("none"), kStepPlain);
  EXPECT_EQ(step_bit("fentry"), 2u);
  EXPECT_EQ(step_bit("fexit"), 4u);
  EXPECT_EQ(step_bit("fmod_ret"), 8u);
  EXPECT_EQ(step_bit("fsession"), 16u);
  EXPECT_EQ(step_bit("kprobe"), 0u);
  EXPECT_EQ(kAllSteps, 31u);
}

// f0 finished, f1 oopsed in fexit: the next boot runs f1's fmod_ret and
// fsession, and all of f2.
TEST(CrashRecovery, NextBootSkipsWhatIsDoneAndWhatCrashed) {
  const std::vector<GuestTask> tasks{
      {"f0", 0, kAllSteps}, {"f1", 1, kAllSteps}, {"f2", 2, kAllSteps}};
  std::set<Step> done{{"f0", "none"},     {"f0", "fentry"}, {"f0", "fexit"}, {"f0", "fmod_ret"},
                      {"f0", "fsession"}, {"f1", "none"},   {"f1", "fentry"}};
  const auto left = tasks_left(tasks, done, Step{"f1", "fexit"});
  ASSERT_EQ(left.size(), 2u);
  EXPECT_EQ(left[0], (GuestTask{"f1", 1, 8u | 16u}));
  EXPECT_EQ(left[1], (GuestTask{"f2", 2, kAllSteps}));
}

TEST(CrashRecovery, APlainCallThatCrashesTakesItsFunction) {
  const std::vector<GuestTask> tasks{{"f0", 0, kAllSteps}, {"f1", 1, kAllSteps}};
  const auto left = tasks_left(tasks, {}, Step{"f0", "none"});
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].name, "f1");
}

TEST(CrashRecovery, AFinishedBootLeavesNothing) {
  const std::vector<GuestTask> tasks{{"f0", 4, 8u}};
  EXPECT_TRUE(tasks_left(tasks, {{"f0", "fmod_ret"}}, std::nullopt).empty());
  // A later boot keeps the task's own index (the module's order).
  EXPECT_EQ(tasks_left(tasks, {}, std::nullopt).at(0).index, 4u);
}

TEST(KernelCorpus, FloatingTypes) {
  EXPECT_TRUE(names_floating_type("double f(int a);"));
  EXPECT_TRUE(names_floating_type("struct s { float x; };"));
  EXPECT_TRUE(names_floating_type("_Float16 g(void);"));
  EXPECT_TRUE(names_floating_type("long double h(void);"));
  EXPECT_TRUE(names_floating_type("_Complex int c;"));
  EXPECT_FALSE(names_floating_type("int floaty(long doubled, __int128 x);"));
  EXPECT_FALSE(names_floating_type("struct float_like { int a; };"));
}

TEST(KernelCorpus, DeclaredParams) {
  EXPECT_EQ(declared_params("void f(void);", "f"), 0u);
  EXPECT_EQ(declared_params("void f();", "f"), 0u);
  EXPECT_EQ(declared_params("int f(int a);", "f"), 1u);
  EXPECT_EQ(declared_params("int f(gf1_0 p, int (*q)(int, long), char c);", "f"), 3u);
  EXPECT_EQ(declared_params("struct gs1_0 gen_x_1(struct gs1_0 a, void *b);", "gen_x_1"), 2u);
}

TEST(KernelCorpus, DeterministicKernelC) {
  const KernelCorpus a = kernel_corpus(1, 16), b = kernel_corpus(1, 16);
  ASSERT_EQ(a.files.size(), 4u);  // selftests.h, rfc.h, odd_structs.h, generated.h
  EXPECT_EQ(a.files.back().name, "generated.h");
  EXPECT_EQ(a.files.back().c_source, b.files.back().c_source);
  EXPECT_EQ(a.kept, 16u);
  EXPECT_EQ(a.kept + a.floating_point + a.too_many_args, a.generated);
  EXPECT_GT(a.floating_point, 0u);  // the floats, long_double and hfa groups
  // What is kept: no floating type, no case with more than 13 arguments.
  const std::string& gen = a.files.back().c_source;
  const std::string body = gen.substr(gen.find("\n/* case "));
  EXPECT_FALSE(names_floating_type(body));
  size_t cases = 0;
  for (size_t at = body.find("\n/* case "); at != std::string::npos;
       at = body.find("\n/* case ", at + 1)) {
    const size_t next = body.find("\n/* case ", at + 1);
    EXPECT_TRUE(kernel_c_case(body.substr(at, next == std::string::npos ? next : next - at)));
    ++cases;
  }
  EXPECT_EQ(cases, 16u);
  // A larger count keeps the same first cases.
  const KernelCorpus c = kernel_corpus(1, 32);
  EXPECT_NE(c.files.back().c_source.find(body), std::string::npos);
  EXPECT_EQ(kernel_corpus(1, 0).files.size(), 3u);
}

TEST(KernelCorpus, KernelCCase) {
  EXPECT_TRUE(kernel_c_case(
      "\n/* case 3: gen_x_3 */\nstruct gs3_0 { int a; };\nint gen_x_3(struct gs3_0 a);\n"));
  EXPECT_FALSE(kernel_c_case(
      "\n/* case 4: gen_x_4 */\nstruct gs4_0 { float a; };\nint gen_x_4(struct gs4_0 a);\n"));
  std::string many = "\n/* case 5: gen_x_5 */\nvoid gen_x_5(int a0";
  for (int i = 1; i < 14; ++i) many += ", int a" + std::to_string(i);
  EXPECT_FALSE(kernel_c_case(many + ");\n"));  // 14 arguments
}

}  // namespace
