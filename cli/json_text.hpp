// Writing command output: JSON documents as text, and raw text to stdout.
#pragma once

#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

namespace xtramp::cli {

// BTF names are bytes, not necessarily UTF-8: invalid sequences become U+FFFD
// instead of an exception from the JSON writer.
inline std::string json_text(const nlohmann::ordered_json& j) {
  return j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

inline void write_stdout(const std::string& s) {
  std::fwrite(s.data(), 1, s.size(), stdout);
}

}  // namespace xtramp::cli
