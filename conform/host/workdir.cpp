#include "conform/host/workdir.hpp"

#include <stdlib.h>

#include <filesystem>

#include "common/error.hpp"

namespace xtramp::conform {

namespace fs = std::filesystem;

Workdir::Workdir(const std::string& given) {
  if (!given.empty()) {
    path_ = given;
    std::error_code ec;
    fs::create_directories(path_, ec);
    if (ec) throw Error(Errc::io, "cannot create " + path_ + ": " + ec.message());
    return;
  }
  std::string tmpl = (fs::temp_directory_path() / "xtramp-conform-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr)
    throw Error(Errc::io,
                "cannot create a work directory under " + fs::temp_directory_path().string());
  path_ = tmpl;
  owned_ = true;
}

Workdir::~Workdir() {
  std::error_code ec;
  if (owned_) fs::remove_all(path_, ec);
}

}  // namespace xtramp::conform
