// A work directory: the one the user named (kept), or a fresh one under
// $TMPDIR (removed with the object).
#pragma once

#include <string>

namespace xtramp::conform {

class Workdir {
 public:
  explicit Workdir(const std::string& given);  // throws Error(io)
  ~Workdir();
  Workdir(const Workdir&) = delete;
  Workdir& operator=(const Workdir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  bool owned_ = false;
};

}  // namespace xtramp::conform
