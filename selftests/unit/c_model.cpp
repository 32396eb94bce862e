#include "selftests/unit/c_model.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>

namespace xtramp::test {

const char* gnu_triple(Arch a) {
  switch (a) {
    case Arch::x86_64:
      return "x86_64-linux-gnu";
    case Arch::arm64:
      return "aarch64-linux-gnu";
    case Arch::s390x:
      return "s390x-linux-gnu";
  }
  return "?";
}

const btf::BtfFile& compile_c(Arch arch, const std::string& c_source) {
  static std::mutex mu;
  static std::map<std::pair<Arch, std::string>, std::unique_ptr<btf::BtfFile>> cache;
  std::lock_guard lock(mu);
  auto key = std::make_pair(arch, c_source);
  if (auto it = cache.find(key); it != cache.end()) return *it->second;

  const std::string stem = "/tmp/xtramp-cmodel-" + std::to_string(getpid()) + "-" +
                           std::to_string(std::hash<std::string>{}(c_source)) + "-" +
                           std::string(arch_name(arch));
  const std::string src = stem + ".c", obj = stem + ".o", log = stem + ".log";
  std::ofstream(src) << c_source;
  // -mno-vx keeps s390x on the non-vector ABI Debian's compiler defaults to anyway.
  const std::string cmd = std::string(gnu_triple(arch)) + "-gcc -std=gnu11 -gbtf -g -O1 -c " + src +
                          " -o " + obj + " > " + log + " 2>&1";
  const int rc = std::system(cmd.c_str());
  if (rc != 0) {
    std::ifstream in(log);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ADD_FAILURE() << "compiling for " << arch_name(arch) << " failed (" << cmd << "):\n" << text;
    throw std::runtime_error("compile failed");
  }
  btf::OpenOptions opts;
  opts.path = obj;
  auto file = std::make_unique<btf::BtfFile>(btf::BtfFile::open(opts));
  std::remove(src.c_str());
  std::remove(log.c_str());
  // The object stays until exit: BtfFile reads DWARF from it lazily.
  static struct Cleanup {
    std::vector<std::string> files;
    ~Cleanup() {
      for (auto& f : files) std::remove(f.c_str());
    }
  } cleanup;
  cleanup.files.push_back(obj);
  return *cache.emplace(key, std::move(file)).first->second;
}

FuncModel model_from_c(Arch arch, const std::string& c_source, const std::string& func) {
  return compile_c(arch, c_source).model(func);
}

}  // namespace xtramp::test
