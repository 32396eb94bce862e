// xtramp_fuzz_replay: the fuzz harness in every build, without libFuzzer.
// Replays the crafted seeds, the BTF of the objects compiled in the build,
// deterministic mangled variants of all of them, and, as saved, every
// input under crashes/ (a regression corpus of past findings). Each seed's inputs run in a child
// process, so a crash is reported with the input that caused it (saved under the build tree).
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <sstream>

#include "fuzz_entry.hpp"
#include "seeds.hpp"

namespace xtramp::fuzz {
namespace {

constexpr size_t kVariantsPerSeed = 600;
// The variants of one seed are held in memory at once: cap their bytes.
constexpr size_t kVariantBytesPerSeed = size_t{64} << 20;
// One input taking longer than this is a hang (SIGALRM ends the child); the
// slowest valid seed takes well under a second, even under ASan.
constexpr unsigned kSecondsPerInput = 10;
// All the variants of one seed together (they run in one child).
constexpr double kSecondsPerBatch = 120;
// A child that needs more than this for one input has a runaway allocation.
constexpr rlim_t kChildMemoryLimit = rlim_t{4} << 30;

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kUnderAsan = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kUnderAsan = true;
#else
constexpr bool kUnderAsan = false;
#endif
#else
constexpr bool kUnderAsan = false;
#endif

std::vector<std::string> object_paths() {
  std::vector<std::string> out;
  std::stringstream in(XTRAMP_FUZZ_OBJECTS);
  std::string item;
  while (std::getline(in, item, '|')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

// The outcome of running inputs in a child: "" when all went well, else what
// went wrong with which input.
std::string run_in_child(const std::vector<Seed>& inputs) {
  int fds[2];
  if (pipe(fds) != 0) return "pipe failed";
  const pid_t pid = fork();
  if (pid < 0) return "fork failed";
  if (pid == 0) {
    close(fds[0]);
    if (!kUnderAsan) {  // ASan reserves terabytes of shadow: no address-space limit there
      const rlimit limit{kChildMemoryLimit, kChildMemoryLimit};
      setrlimit(RLIMIT_AS, &limit);
    }
    const auto start = std::chrono::steady_clock::now();
    for (const Seed& s : inputs) {
      if (std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() >
          kSecondsPerBatch) {
        const std::string msg = "!over the batch budget of " +
                                std::to_string(static_cast<int>(kSecondsPerBatch)) +
                                " s: some inputs before this one are very slow\n";
        if (write(fds[1], msg.data(), msg.size()) < 0) _exit(3);
        _exit(4);
      }
      // The name goes first so a crash still says which input it was.
      const std::string line = s.name + "\n";
      if (write(fds[1], line.data(), line.size()) < 0) _exit(3);
      alarm(kSecondsPerInput);
      try {
        run_one_input(s.bytes);
      } catch (const std::exception& e) {
        const std::string msg = std::string("!escaped: ") + e.what() + "\n";
        if (write(fds[1], msg.data(), msg.size()) < 0) _exit(3);
        _exit(1);
      } catch (...) {
        _exit(2);
      }
    }
    _exit(0);
  }
  close(fds[1]);
  std::string log;
  char buf[4096];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof buf)) > 0) log.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return "";

  // Lines: one input name per input started, "!escaped: ..." after a failure.
  std::vector<std::string> lines;
  std::stringstream ls(log);
  for (std::string line; std::getline(ls, line);) lines.push_back(line);
  std::string culprit, detail;
  for (const std::string& line : lines) {
    if (line.rfind("!", 0) == 0) {
      detail = line.substr(1);
    } else {
      culprit = line;
    }
  }
  if (WIFSIGNALED(status)) {
    detail = std::string("killed by signal ") + strsignal(WTERMSIG(status));
    if (WTERMSIG(status) == SIGALRM) {
      detail += " (no answer within " + std::to_string(kSecondsPerInput) + " s: a hang)";
    }
  } else if (detail.empty()) {
    detail = "exit status " + std::to_string(WEXITSTATUS(status)) +
             " (a sanitizer report, if any, is on stderr above)";
  }
  const std::filesystem::path dir =
      std::filesystem::path(XTRAMP_BINARY_DIR) / "fuzz-replay-failures";
  std::filesystem::create_directories(dir);
  for (const Seed& s : inputs) {
    if (s.name != culprit) continue;
    std::string file = s.name;
    for (char& c : file) c = c == '/' ? '_' : c;
    std::ofstream(dir / file, std::ios::binary)
        .write(reinterpret_cast<const char*>(s.bytes.data()),
               static_cast<std::streamsize>(s.bytes.size()));
  }
  return "input '" + culprit + "': " + detail + " (saved under " + dir.string() + ")";
}

// Inputs a fuzz run found and someone saved under selftests/fuzz/crashes/.
std::vector<Seed> saved_crashes() {
  std::vector<Seed> out;
  const std::filesystem::path dir = XTRAMP_FUZZ_CRASHES_DIR;
  if (!std::filesystem::is_directory(dir)) return out;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string ext = entry.path().extension().string();
    if (!entry.is_regular_file() || ext == ".txt" || ext == ".md") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    out.push_back(Seed{"crashes/" + entry.path().filename().string(),
                       std::vector<uint8_t>((std::istreambuf_iterator<char>(in)),
                                            std::istreambuf_iterator<char>())});
  }
  return out;
}

std::vector<Seed> all_seeds() {
  std::vector<Seed> seeds = crafted_seeds();
  for (const std::string& path : object_paths()) {
    for (auto& s : object_seeds(path)) seeds.push_back(std::move(s));
  }
  return seeds;
}

TEST(FuzzReplay, ValidSeedsReachTheModel) {
  // The harness is useless if even valid inputs are turned away.
  for (const Seed& s : crafted_seeds()) {
    if (s.name.rfind("valid_basic", 0) != 0) continue;
    EXPECT_EQ(run_one_input(s.bytes), 2u) << s.name;  // valid_f, valid_void (not varargs)
  }
  const auto objects = object_paths();
  ASSERT_FALSE(objects.empty());
  for (const std::string& path : objects) {
    for (const Seed& s : object_seeds(path)) EXPECT_GT(run_one_input(s.bytes), 5u) << s.name;
  }
}

TEST(FuzzReplay, Seeds) {
  for (const Seed& s : all_seeds()) {
    EXPECT_EQ(run_in_child({s}), "") << s.name;
  }
}

// Past findings, as saved: not mangled further (variants of a hang mostly hang).
TEST(FuzzReplay, SavedFindings) {
  for (const Seed& s : saved_crashes()) {
    EXPECT_EQ(run_in_child({s}), "") << s.name;
  }
}

TEST(FuzzReplay, MangledVariants) {
  size_t total = 0;
  for (const Seed& s : all_seeds()) {
    const size_t max =
        std::clamp<size_t>(kVariantBytesPerSeed / (s.bytes.size() + 1), 16, kVariantsPerSeed);
    const std::vector<Seed> variants = mangled_variants(s, max);
    total += variants.size();
    EXPECT_EQ(run_in_child(variants), "") << "variants of " << s.name;
  }
  EXPECT_GT(total, 1000u);
}

}  // namespace
}  // namespace xtramp::fuzz
