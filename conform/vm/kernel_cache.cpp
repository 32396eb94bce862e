#include "conform/vm/kernel_cache.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "common/error.hpp"
#include "conform/vm/guest_arch.hpp"

namespace xtramp::vm {

namespace fs = std::filesystem;

namespace {

constexpr const char* kFill = "run ci/install-vm (ci/install-deps does) to fill the cache";

// Version order of dotted numbers with text between them: 6.12.5 < 7.2.13.
bool version_less(const std::string& a, const std::string& b) {
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (std::isdigit(static_cast<unsigned char>(a[i])) &&
        std::isdigit(static_cast<unsigned char>(b[j]))) {
      size_t ie = i, je = j;
      while (ie < a.size() && std::isdigit(static_cast<unsigned char>(a[ie]))) ++ie;
      while (je < b.size() && std::isdigit(static_cast<unsigned char>(b[je]))) ++je;
      const unsigned long long x = std::stoull(a.substr(i, ie - i));
      const unsigned long long y = std::stoull(b.substr(j, je - j));
      if (x != y) return x < y;
      i = ie, j = je;
    } else {
      if (a[i] != b[j]) return a[i] < b[j];
      ++i, ++j;
    }
  }
  return a.size() - i < b.size() - j;
}

std::string arch_dir(Arch a) {
  return cache_dir() + "/" + guest_arch(a).debian;
}

}  // namespace

std::string cache_dir() {
  const char* d = std::getenv("XTRAMP_VM_DIR");
  return d != nullptr && *d != '\0' ? d : "/opt/xtramp/vm";
}

std::vector<Kernel> cached_kernels(Arch a) {
  std::vector<Kernel> out;
  const fs::path dir = arch_dir(a) + "/kernels";
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    Kernel k;
    k.arch = a;
    k.release = e.path().filename().string();
    k.image = (e.path() / "vmlinuz").string();
    if (!fs::is_regular_file(k.image, ec)) continue;
    std::ifstream in(e.path() / "package");
    in >> k.package >> k.version >> k.suite;
    out.push_back(std::move(k));
  }
  std::sort(out.begin(), out.end(),
            [](const Kernel& x, const Kernel& y) { return version_less(y.release, x.release); });
  return out;
}

Kernel select_kernel(Arch a, const std::string& which) {
  const std::vector<Kernel> ks = cached_kernels(a);
  if (ks.empty())
    throw Error(Errc::not_found, std::string("no ") + std::string(arch_name(a)) + " kernel in " +
                                     arch_dir(a) + "/kernels: " + kFill);
  if (which.empty() || which == "newest") return ks.front();
  for (const Kernel& k : ks)
    if (k.release.rfind(which, 0) == 0) return k;
  std::string have;
  for (const Kernel& k : ks) have += (have.empty() ? "" : ", ") + k.release;
  throw Error(Errc::not_found, std::string("no ") + std::string(arch_name(a)) + " kernel '" +
                                   which + "' in " + cache_dir() + " (cached: " + have + ")");
}

std::string busybox_path(Arch a) {
  const std::string p = arch_dir(a) + "/busybox";
  if (access(p.c_str(), X_OK) != 0)
    throw Error(Errc::not_found,
                "no static busybox for " + std::string(arch_name(a)) + " at " + p + ": " + kFill);
  return p;
}

}  // namespace xtramp::vm
