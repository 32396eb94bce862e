// An initramfs: a cpio archive in the "newc" format the kernel unpacks into
// its root tmpfs (Documentation/driver-api/early-userspace/buffer-format.rst,
// https://www.kernel.org/doc/html/v6.12/driver-api/early-userspace/buffer-format.html).
// Written uncompressed (the kernel takes it as is; the guest's RAM holds it
// either way). Parent directories are added as needed.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>

namespace xtramp::vm {

class Initramfs {
 public:
  // Creates `path`; throws Error(io).
  explicit Initramfs(const std::string& path);
  ~Initramfs();
  Initramfs(const Initramfs&) = delete;
  Initramfs& operator=(const Initramfs&) = delete;

  void dir(std::string_view guest_path);
  // A host file's bytes at `guest_path` (mode 0755 or 0644); throws Error(io)
  // naming the host file.
  void file(std::string_view guest_path, const std::string& host_path, bool executable);
  void bytes(std::string_view guest_path, std::string_view content, bool executable);
  void symlink(std::string_view guest_path, std::string_view target);
  // Writes the trailer and closes; throws Error(io).
  void finish();

  uint64_t size() const { return offset_; }

 private:
  void entry(std::string_view name, uint32_t mode, std::string_view data);
  void parents(std::string_view guest_path);
  void write(const void* p, size_t n);

  std::string path_;
  int fd_ = -1;
  uint64_t offset_ = 0;
  uint32_t ino_ = 1;
  std::set<std::string, std::less<>> dirs_;
};

}  // namespace xtramp::vm
