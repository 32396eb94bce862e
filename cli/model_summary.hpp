// `xtramp model --all --summary`: every function of a BTF through both the
// extended model and the kernel view, counted and grouped.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "btf/btf_file.hpp"
#include "cli/reject_groups.hpp"

namespace xtramp::cli {

// Counts over the functions the extended model accepts.
struct ShapeCounts {
  size_t uncertain_align = 0;  // an argument or the return value with align_certain == false
  size_t struct_arg = 0;       // a struct or union argument
  size_t struct_arg_over_16 = 0;
  size_t struct_ret = 0;
  size_t float_arg = 0;  // float, double, long double or _Float128 argument
  size_t float_ret = 0;
  size_t int128_arg = 0;
  size_t packed_arg = 0;
  size_t bitfield_arg = 0;
  size_t union_arg = 0;  // an argument that is or contains a union
  size_t over_8_args = 0;
  size_t over_12_args = 0;
  size_t max_args = 0;
};

struct ModelSummary {
  std::string btf_path;
  Arch target{};
  bool has_dwarf = false;
  uint32_t type_count = 0;
  btf::Mode mode = btf::Mode::extended;

  size_t functions = 0;
  size_t accepted = 0;  // in the selected mode
  size_t rejected = 0;
  std::vector<RejectGroup> groups;  // the selected mode's rejections
  size_t kernel_accepted = 0;       // both modes are always computed
  size_t extended_accepted = 0;
  ShapeCounts shapes;

  double open_ms = 0;    // BtfFile::open
  double model_ms = 0;   // model_by_id over every function
  double kernel_ms = 0;  // kernel_view over every function
};

// Never throws for a rejection or a malformed function: those are grouped
// (with the error class in the pattern for errors other than rejections).
ModelSummary summarise(const btf::BtfFile& file, btf::Mode mode, double open_ms);

std::string format_summary_text(const ModelSummary& s);
nlohmann::ordered_json summary_json(const ModelSummary& s);

}  // namespace xtramp::cli
