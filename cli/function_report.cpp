#include "cli/function_report.hpp"

namespace xtramp::cli {

FunctionReport analyse_function(const btf::BtfFile& file, uint32_t func_id) {
  FunctionReport r;
  r.btf_id = func_id;
  r.name = file.function_name(func_id);
  try {
    r.model = file.model_by_id(func_id);
  } catch (const Error& e) {
    if (e.code() != Errc::unsupported && e.code() != Errc::too_many_args) throw;
    r.model_error = e.what();
    r.model_errc = e.code();
  }
  r.kernel = file.kernel_view(func_id);
  return r;
}

std::string_view mode_name(btf::Mode mode) {
  return mode == btf::Mode::kernel_compat ? "kernel-compat" : "extended";
}

std::string_view errc_name(Errc code) {
  switch (code) {
    case Errc::io:
      return "io";
    case Errc::malformed_btf:
      return "malformed_btf";
    case Errc::not_found:
      return "not_found";
    case Errc::not_function:
      return "not_function";
    case Errc::unsupported:
      return "unsupported";
    case Errc::too_many_args:
      return "too_many_args";
    case Errc::bad_request:
      return "bad_request";
  }
  return "?";
}

}  // namespace xtramp::cli
