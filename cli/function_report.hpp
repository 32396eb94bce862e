// One function seen both ways: the extended model (or why it is rejected) and
// the kernel's btf_distill_func_proto view. Every output format reads this.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "btf/btf_file.hpp"
#include "common/error.hpp"
#include "common/func_model.hpp"

namespace xtramp::cli {

struct FunctionReport {
  uint32_t btf_id = 0;
  std::string name;
  std::optional<FuncModel> model;  // the extended model, when it accepts the function
  std::string model_error;         // why the extended model rejects it
  Errc model_errc = Errc::unsupported;
  KernelView kernel;

  bool accepted(btf::Mode mode) const {
    return mode == btf::Mode::kernel_compat ? kernel.accepted : model.has_value();
  }
  const std::string& rejection(btf::Mode mode) const {
    return mode == btf::Mode::kernel_compat ? kernel.message : model_error;
  }
};

// A rejection by the extended model (unsupported, too_many_args) is recorded
// in the report; any other xtramp::Error (e.g. malformed BTF) propagates.
FunctionReport analyse_function(const btf::BtfFile& file, uint32_t func_id);

std::string_view mode_name(btf::Mode mode);  // "extended", "kernel-compat"
std::string_view errc_name(Errc code);       // "unsupported", "malformed_btf", ...

}  // namespace xtramp::cli
