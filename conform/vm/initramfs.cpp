#include "conform/vm/initramfs.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>

#include "common/error.hpp"

namespace xtramp::vm {

namespace {

std::string strip_slash(std::string_view p) {
  while (!p.empty() && p.front() == '/') p.remove_prefix(1);
  return std::string(p);
}

}  // namespace

Initramfs::Initramfs(const std::string& path) : path_(path) {
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) throw Error(Errc::io, "initramfs " + path + ": " + std::strerror(errno));
}

Initramfs::~Initramfs() {
  if (fd_ >= 0) ::close(fd_);
}

void Initramfs::write(const void* p, size_t n) {
  const auto* b = static_cast<const char*>(p);
  while (n > 0) {
    const ssize_t w = ::write(fd_, b, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) throw Error(Errc::io, "initramfs " + path_ + ": " + std::strerror(errno));
    b += w, n -= static_cast<size_t>(w), offset_ += static_cast<uint64_t>(w);
  }
}

// newc: "070701", then 13 fields of 8 hex digits, the name with its NUL,
// padded to 4 bytes, then the data padded to 4 bytes.
void Initramfs::entry(std::string_view name, uint32_t mode, std::string_view data) {
  char hdr[6 + 13 * 8 + 1];
  std::snprintf(hdr, sizeof hdr, "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
                ino_++, mode, 0u, 0u, 1u, 0u, static_cast<unsigned>(data.size()), 0u, 0u, 0u, 0u,
                static_cast<unsigned>(name.size() + 1), 0u);
  write(hdr, 6 + 13 * 8);
  write(name.data(), name.size());
  const char zeros[4] = {0, 0, 0, 0};
  write(zeros, 1);
  write(zeros, (4 - offset_ % 4) % 4);
  write(data.data(), data.size());
  write(zeros, (4 - offset_ % 4) % 4);
}

void Initramfs::parents(std::string_view guest_path) {
  const std::string p = strip_slash(guest_path);
  for (size_t at = p.find('/'); at != std::string::npos; at = p.find('/', at + 1))
    dir(p.substr(0, at));
}

void Initramfs::dir(std::string_view guest_path) {
  const std::string p = strip_slash(guest_path);
  if (p.empty() || dirs_.count(p) != 0) return;
  parents(p);
  dirs_.insert(p);
  entry(p, S_IFDIR | 0755, {});
}

void Initramfs::file(std::string_view guest_path, const std::string& host_path, bool executable) {
  std::ifstream in(host_path, std::ios::binary);
  if (!in) throw Error(Errc::io, "initramfs: cannot read " + host_path);
  const std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  bytes(guest_path, data, executable);
}

void Initramfs::bytes(std::string_view guest_path, std::string_view content, bool executable) {
  parents(guest_path);
  entry(strip_slash(guest_path), S_IFREG | (executable ? 0755 : 0644), content);
}

void Initramfs::symlink(std::string_view guest_path, std::string_view target) {
  parents(guest_path);
  entry(strip_slash(guest_path), S_IFLNK | 0777, target);
}

void Initramfs::finish() {
  entry("TRAILER!!!", 0, {});
  if (::close(fd_) != 0) {
    fd_ = -1;
    throw Error(Errc::io, "initramfs " + path_ + ": " + std::strerror(errno));
  }
  fd_ = -1;
}

}  // namespace xtramp::vm
