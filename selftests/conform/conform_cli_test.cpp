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
    EXPECT_EQ(keys, (std::vector<std::string>{"function", "arch", "policy", "status", "detail",
                                              "kernel_c"}));
    EXPECT_EQ(rec["arch"], kHost);
    // Kernel C has no floating point: only `floats` is out of a kernel's reach.
    EXPECT_EQ(rec["kernel_c"], rec["function"] != "floats") << rec["function"];
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

// One record per (function, policy) of one arch: status and detail.
std::map<std::string, nlohmann::ordered_json> by_function(const nlohmann::ordered_json& records,
                                                          const std::string& arch,
                                                          const std::string& policy) {
  std::map<std::string, nlohmann::ordered_json> out;
  for (const auto& r : records)
    if (r["arch"] == arch && r["policy"] == policy) out[r["function"]] = r;
  return out;
}

bool contains(const nlohmann::ordered_json& rec, const std::string& what) {
  return rec["detail"].get<std::string>().find(what) != std::string::npos;
}

// Types xtramp does not model: the function is unsupported, with the type
// and why; the file still runs and exits 0. _Complex, and _Float16 and
// vectors as parameters and return values, are modelled: they run.
constexpr const char* kUnmodelled = R"(
typedef float v4f __attribute__((vector_size(16)));
struct with_complex { _Complex float c; int n; };
struct with_vector { v4f v; };
long good(long a, int b, double c);
double complex_arg(_Complex double z, int k);
v4f vector_ret(int k);
int complex_member(struct with_complex s);
_Float16 half(_Float16 x, int y);
int also_good(char c);
int vector_member(struct with_vector s);
)";

TEST(ConformCli, UnmodelledTypesAreUnsupportedAndTheRestRuns) {
  const ProcessResult r = xtramp(
      {"conform", "--quiet", "--arch", kHost, "--json", scratch("unmodelled.c", kUnmodelled)});
  ASSERT_TRUE(r.failure.empty()) << r.failure;
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  const auto j = nlohmann::ordered_json::parse(r.out);
  const auto psabi = by_function(j, kHost, "psabi");
  ASSERT_EQ(psabi.size(), 7u) << r.out;
  EXPECT_EQ(psabi.at("good")["status"], "pass") << psabi.at("good");
  EXPECT_EQ(psabi.at("also_good")["status"], "pass") << psabi.at("also_good");
  EXPECT_EQ(psabi.at("complex_arg")["status"], "pass") << psabi.at("complex_arg");
  EXPECT_EQ(psabi.at("complex_member")["status"], "pass") << psabi.at("complex_member");
  EXPECT_EQ(psabi.at("vector_ret")["status"], "pass") << psabi.at("vector_ret");
  EXPECT_EQ(psabi.at("vector_member")["status"], "unsupported") << psabi.at("vector_member");
  EXPECT_TRUE(contains(psabi.at("vector_member"), "struct with_vector, member v: v4f"))
      << psabi.at("vector_member");
  // _Float16 is read from DWARF (GCC's BTF says void); s390x's GCC rejects it.
  EXPECT_EQ(psabi.at("half")["status"], host_arch() == Arch::s390x ? "unsupported" : "pass")
      << psabi.at("half");

  // The text output lists every unsupported function with its reason.
  const ProcessResult t = xtramp({"conform", "--quiet", "--arch", kHost, "--policy", "psabi",
                                  scratch("unmodelled.c", kUnmodelled)});
  ASSERT_EQ(t.exit_code, 0) << t.err << t.out;
  EXPECT_NE(t.out.find("unsupported (1): argument 0 struct with_vector, member v: v4f = a GCC "
                       "vector type"),
            std::string::npos)
      << t.out;
  EXPECT_NE(t.out.find("    vector_member\n"), std::string::npos) << t.out;
}

// GCC 12's BTF for a struct with a _Float16 member is unreadable by libbpf
// (the struct's vlen leaves out a member record it still writes): the
// functions DWARF shows using such a type are unsupported, and the probe runs
// again without them.
constexpr const char* kHalfMember = R"(
struct with_half { _Float16 h; int n; };
long fine(long a, int b);
int half_member(struct with_half s);
)";

TEST(ConformCli, UnreadableBtfOfOneTypeLeavesTheOtherFunctions) {
  if (host_arch() == Arch::s390x) GTEST_SKIP() << "s390x's GCC has no _Float16";
  const ProcessResult r = xtramp({"conform", "--quiet", "--arch", kHost, "--policy", "psabi",
                                  "--json", scratch("half_member.c", kHalfMember)});
  ASSERT_TRUE(r.failure.empty()) << r.failure;
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  const auto psabi = by_function(nlohmann::ordered_json::parse(r.out), kHost, "psabi");
  EXPECT_EQ(psabi.at("fine")["status"], "pass") << psabi.at("fine");
  EXPECT_EQ(psabi.at("half_member")["status"], "unsupported") << psabi.at("half_member");
  EXPECT_TRUE(contains(psabi.at("half_member"), "struct with_half, member h"))
      << psabi.at("half_member");
}

// s390x's GCC 12 rejects _Float16 in the declaration itself: on s390x the
// declaration is left out of a preprocessed copy of the file, the function
// is unsupported with the compiler's words, and the other functions run.
TEST(ConformCli, AnArchThatRejectsADeclarationRunsTheOthers) {
  const ProcessResult r = xtramp({"conform", "--quiet", "--arch", "s390x", "--policy", "psabi",
                                  "--json", scratch("unmodelled.c", kUnmodelled)});
  if (r.exit_code == 2 && r.err.find("missing toolchain") != std::string::npos)
    GTEST_SKIP() << r.err;
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  const auto psabi = by_function(nlohmann::ordered_json::parse(r.out), "s390x", "psabi");
  EXPECT_EQ(psabi.at("good")["status"], "pass") << psabi.at("good");
  EXPECT_EQ(psabi.at("also_good")["status"], "pass") << psabi.at("also_good");
  EXPECT_EQ(psabi.at("half")["status"], "unsupported");
  EXPECT_TRUE(contains(psabi.at("half"), "the s390x compiler")) << psabi.at("half");
  EXPECT_TRUE(contains(psabi.at("half"), "rejects its declaration: unmodelled.c:9: error:"))
      << psabi.at("half");
  EXPECT_TRUE(contains(psabi.at("half"), "not supported on this target")) << psabi.at("half");
}

// A compiler that sees different declarations than the host's (here: gcc
// with -DXT_OTHER for the case library only) rejects one function's
// declaration and another's generated code; both are unsupported with the
// compiler's message, and the rest runs.
TEST(ConformCli, ACompileFailureIsIsolatedToItsFunction) {
  if (host_arch() != Arch::x86_64) GTEST_SKIP() << "the wrapper calls gcc";
  const std::string cc = scratch("other-gcc",
                                 "#!/bin/sh\n"
                                 "case \" $* \" in *\" -shared \"*|*\" -E \"*) exec gcc "
                                 "-DXT_OTHER \"$@\";; esac\nexec gcc \"$@\"\n");
  fs::permissions(cc, fs::perms::owner_all);
  const std::string file = scratch("isolate.c", R"(struct on_host { int x; };
#ifdef XT_OTHER
#define ARG_T struct elsewhere
#else
#define ARG_T struct on_host
#endif
long good(long a, int b);
int code_breaks(ARG_T s);
int decl_breaks(
#ifdef XT_OTHER
  no_such_type
#else
  int
#endif
  x);
int also_good(short s);
)");
  const ProcessResult r = xtramp({"conform", "--quiet", "--arch", "x86_64", "--policy", "psabi",
                                  "--cc", "x86_64=" + cc, "--json", file});
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  const auto psabi = by_function(nlohmann::ordered_json::parse(r.out), "x86_64", "psabi");
  ASSERT_EQ(psabi.size(), 4u) << r.out;
  EXPECT_EQ(psabi.at("good")["status"], "pass") << psabi.at("good");
  EXPECT_EQ(psabi.at("also_good")["status"], "pass") << psabi.at("also_good");
  EXPECT_EQ(psabi.at("code_breaks")["status"], "unsupported");
  EXPECT_TRUE(contains(psabi.at("code_breaks"), "rejects its case code: case-x86_64.c:"))
      << psabi.at("code_breaks");
  EXPECT_EQ(psabi.at("decl_breaks")["status"], "unsupported");
  EXPECT_TRUE(contains(psabi.at("decl_breaks"), "rejects its declaration: isolate.c:11: error:"))
      << psabi.at("decl_breaks");
  EXPECT_TRUE(contains(psabi.at("decl_breaks"), "no_such_type")) << psabi.at("decl_breaks");

  // Declarations that do not compile at all for that compiler: every
  // function is unsupported with the message, nothing fails.
  const std::string broken = scratch("broken-elsewhere.c",
                                     "#ifdef XT_OTHER\n#error not for this arch\n#endif\n"
                                     "long f(long a);\nint g(int b);\n");
  const ProcessResult b = xtramp({"conform", "--quiet", "--arch", "x86_64", "--policy", "psabi",
                                  "--cc", "x86_64=" + cc, "--json", broken});
  ASSERT_EQ(b.exit_code, 0) << b.err << b.out;
  for (const auto& [fn, rec] :
       by_function(nlohmann::ordered_json::parse(b.out), "x86_64", "psabi")) {
    EXPECT_EQ(rec["status"], "unsupported") << fn;
    EXPECT_TRUE(contains(rec, "error: #error not for this arch")) << rec;
  }
}

// --declared-in: the functions declared under a directory (or in one file)
// the C file includes; not the file's own, not other headers'.
TEST(ConformCli, DeclaredInTracesTheIncludedHeaders) {
  const fs::path dir = fs::path(scratch("tree/.keep", "")).parent_path();
  fs::create_directories(dir / "inc/lib/sub");
  std::ofstream(dir / "inc/lib/a.h") << "#include \"sub/b.h\"\n"
                                        "int lib_a(int x, long y);\n"
                                        "static inline int lib_inline(int x) { return x + 1; }\n"
                                        "int lib_va(int n, ...);\n";
  std::ofstream(dir / "inc/lib/sub/b.h") << "struct pt { double x, y; };\n"
                                            "struct pt lib_b(struct pt p, long k);\n";
  std::ofstream(dir / "other.h") << "int other(int);\n";
  const std::string file = scratch("tree/use.c",
                                   "#include \"inc/lib/a.h\"\n#include \"other.h\"\n"
                                   "int own(int);\n");
  const ProcessResult r = xtramp({"conform", "--quiet", "--arch", kHost, "--policy", "psabi",
                                  "--json", "--declared-in", (dir / "inc/lib").string(), file});
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  const auto psabi = by_function(nlohmann::ordered_json::parse(r.out), kHost, "psabi");
  std::vector<std::string> names;
  for (const auto& [fn, rec] : psabi) names.push_back(fn);
  EXPECT_EQ(names, (std::vector<std::string>{"lib_a", "lib_b", "lib_inline", "lib_va"}));
  EXPECT_EQ(psabi.at("lib_a")["status"], "pass") << psabi.at("lib_a");
  EXPECT_EQ(psabi.at("lib_b")["status"], "pass") << psabi.at("lib_b");
  EXPECT_EQ(psabi.at("lib_inline")["status"], "unsupported");
  EXPECT_TRUE(contains(psabi.at("lib_inline"), "defined in the header")) << psabi.at("lib_inline");
  EXPECT_EQ(psabi.at("lib_va")["status"], "unsupported");
  EXPECT_TRUE(contains(psabi.at("lib_va"), "varargs")) << psabi.at("lib_va");

  // One header file.
  const ProcessResult one =
      xtramp({"conform", "--quiet", "--arch", kHost, "--policy", "psabi", "--json", "--declared-in",
              (dir / "inc/lib/sub/b.h").string(), file});
  ASSERT_EQ(one.exit_code, 0) << one.err << one.out;
  const auto only_b = by_function(nlohmann::ordered_json::parse(one.out), kHost, "psabi");
  ASSERT_EQ(only_b.size(), 1u) << one.out;
  EXPECT_EQ(only_b.begin()->first, "lib_b");

  // Bad paths.
  const ProcessResult missing = xtramp({"conform", "--quiet", "--arch", kHost, "--declared-in",
                                        (dir / "nonexistent").string(), file});
  EXPECT_EQ(missing.exit_code, 2) << missing.err;
  EXPECT_NE(missing.err.find("--declared-in " + (dir / "nonexistent").string() +
                             ": no such file or directory"),
            std::string::npos)
      << missing.err;
  fs::create_directories(dir / "unused");
  const ProcessResult none = xtramp(
      {"conform", "--quiet", "--arch", kHost, "--declared-in", (dir / "unused").string(), file});
  EXPECT_EQ(none.exit_code, 2) << none.err;
  EXPECT_NE(none.err.find("use.c includes no function declared under " + (dir / "unused").string() +
                          " (it declares functions in: "),
            std::string::npos)
      << none.err;
  EXPECT_NE(none.err.find((dir / "inc/lib").string() + " (2)"), std::string::npos) << none.err;
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
      {{"conform", "--pair", "icc:gcc12", scratch("one.c", "int f(int);\n")},
       "expected CALLER:CALLEE"},
      {{"conform", "--compilers", "gcc12,tcc", scratch("one.c", "int f(int);\n")}, "--compilers"},
  };
  for (const Case& c : cases) {
    const ProcessResult r = xtramp(c.args);
    EXPECT_EQ(r.exit_code, 2) << c.what << ": " << r.err;
    EXPECT_NE(r.err.find(c.what), std::string::npos) << r.err;
  }
}

// The halves from different compilers: one more psabi record per function,
// arch and pair, which names the two compilers. GCC 12 and clang 14 agree on
// these prototypes, so no finding and no failure.
TEST(ConformCli, CompilerPairsHaveTheirOwnRecords) {
  if (find_in_path("clang-14").empty()) GTEST_SKIP() << "no clang-14";
  const ProcessResult r =
      xtramp({"conform", "--quiet", "--arch", kHost, "--json", "--pair", "clang14:gcc12", "--pair",
              "gcc12:clang", scratch("pairs.c", kMixed)});
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  const nlohmann::ordered_json j = nlohmann::ordered_json::parse(r.out);
  ASSERT_EQ(j.size(), 20u) << "5 functions x (2 policies + 2 pairs)";
  std::map<std::string, std::map<std::string, std::string>> by_pair;
  for (const auto& rec : j) {
    if (!rec.contains("caller_cc")) continue;
    EXPECT_EQ(rec["policy"], "psabi");
    by_pair[rec["caller_cc"].get<std::string>() + ":" + rec["callee_cc"].get<std::string>()]
           [rec["function"]] = rec["status"];
  }
  ASSERT_EQ(by_pair.size(), 2u);
  for (const auto& [pair, st] : by_pair) {
    for (const char* f : {"rfc", "plain", "floats", "ret_pair"})
      EXPECT_EQ(st.at(f), "pass") << pair;
    EXPECT_EQ(st.at("varargs"), "unsupported") << pair;
  }
}

// A compiler the user asked for and this machine lacks is bad input.
TEST(ConformCli, AMissingPairCompilerExitsTwo) {
  setenv("XTRAMP_BUILDROOT", "/nonexistent/buildroot", 1);
  const ProcessResult r = xtramp({"conform", "--quiet", "--arch", kHost, "--pair", "gcc16:gcc12",
                                  scratch("one.c", "int f(int);\n")});
  unsetenv("XTRAMP_BUILDROOT");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("missing compiler"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("ci/install-buildroot"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace xtramp::conform
