// Human-readable block for one function: argument table, return value and the
// kernel's view (or the rejection message of the selected mode).
#pragma once

#include <string>

#include "btf/btf_file.hpp"
#include "cli/function_report.hpp"

namespace xtramp::cli {

struct TextOptions {
  btf::Mode mode = btf::Mode::extended;
  Arch target{};
  bool show_fields = false;  // list the flattened scalar fields under aggregates
};

std::string format_function_text(const FunctionReport& report, const TextOptions& opts);

}  // namespace xtramp::cli
