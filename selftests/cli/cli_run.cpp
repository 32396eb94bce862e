#include "cli_run.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace xtramp::test {
namespace {

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, '|')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const std::filesystem::path& scratch_dir() {
  static const std::filesystem::path dir = [] {
    std::string tmpl = (std::filesystem::temp_directory_path() / "xtramp-cli-test-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    return std::filesystem::path(tmpl);
  }();
  return dir;
}

struct ScratchCleanup {
  ~ScratchCleanup() {
    std::error_code ec;
    std::filesystem::remove_all(scratch_dir(), ec);
  }
} cleanup;

}  // namespace

CliResult run_cli(const std::vector<std::string>& args) {
  std::vector<std::string> argv = split_list(XTRAMP_CLI_EMULATOR);
  argv.push_back(XTRAMP_CLI_PATH);
  argv.insert(argv.end(), args.begin(), args.end());

  const std::string out_path = (scratch_dir() / "stdout").string();
  const std::string err_path = (scratch_dir() / "stderr").string();
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    const int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (out < 0 || err < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0) _exit(126);
    std::vector<char*> cargv;
    for (std::string& a : argv) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    execvp(cargv[0], cargv.data());
    _exit(127);
  }
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) throw std::runtime_error("waitpid failed");
  CliResult r;
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
  r.out = read_all(out_path);
  r.err = read_all(err_path);
  return r;
}

std::string corpus_path() {
  return XTRAMP_CLI_CORPUS;
}
std::string corpus_arch() {
  return XTRAMP_CLI_CORPUS_ARCH;
}

std::string scratch_file(const std::string& name, const std::string& bytes) {
  const std::string path = (scratch_dir() / name).string();
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

bool is_one_line_error(const CliResult& r, const std::string& what) {
  const std::string prefix = "xtramp: error: ";
  return r.err.rfind(prefix, 0) == 0 && r.err.find('\n') == r.err.size() - 1 &&
         r.err.find(what) != std::string::npos;
}

}  // namespace xtramp::test
