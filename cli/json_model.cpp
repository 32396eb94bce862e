#include "cli/json_model.hpp"

#include <algorithm>
#include <vector>

namespace xtramp::cli {

using json = nlohmann::ordered_json;

json field_json(const ScalarField& f) {
  json j{{"offset", f.offset},         {"size", f.size},
         {"kind", kind_name(f.kind)},  {"align", f.align},
         {"bit_offset", f.bit_offset}, {"bit_size", f.bit_size}};
  if (f.unnamed) j["unnamed"] = true;  // inferred from the layout (docs/model.md)
  return j;
}

json value_json(const ValueModel& v) {
  const TypeFacts& t = v.t();
  json fields = json::array();
  for (const ScalarField& f : t.fields) fields.push_back(field_json(f));
  return json{{"name", v.name},
              {"type", t.c_type},
              {"btf_kind", t.btf_kind},
              {"kind", kind_name(t.kind)},
              {"size", t.size},
              {"align", t.align},
              {"align_certain", t.align_certain},
              {"align_source", align_source_name(t.align_source)},
              {"natural_align", t.natural_align},
              {"largest_member_size", t.largest_member_size},
              {"signed", t.is_signed_arg()},
              {"struct_arg", t.is_struct_arg()},
              {"packed", t.packed},
              {"bitfields", t.has_bitfields},
              {"union", t.has_union},
              {"flex_array", t.has_flex_array},
              {"single_member_chain", t.single_member_chain},
              {"fields_complete", t.fields_complete},
              {"fields", std::move(fields)}};
}

json kernel_json(const KernelView& k) {
  if (!k.accepted) return json{{"accepted", false}, {"message", k.message}};
  const size_t n = std::min<size_t>(k.nr_args, kMaxBpfFuncArgs);
  auto first_n = [n](const auto& a) { return json(std::vector<int>(a.begin(), a.begin() + n)); };
  return json{{"accepted", true},
              {"nr_args", k.nr_args},
              {"arg_size", first_n(k.arg_size)},
              {"arg_flags", first_n(k.arg_flags)},
              {"ret_size", k.ret_size},
              {"ret_flags", k.ret_flags},
              {"arg_largest_member_size", first_n(k.arg_largest_member_size)}};
}

json function_json(const FunctionReport& r, btf::Mode mode, Arch target) {
  json out{{"name", r.name},
           {"btf_id", r.btf_id},
           {"target", arch_name(target)},
           {"mode", mode_name(mode)},
           {"accepted", r.accepted(mode)}};
  json args = json::array();
  json ret = nullptr;
  if (r.model) {
    for (const ValueModel& a : r.model->args) args.push_back(value_json(a));
    ret = value_json(r.model->ret);
  } else {
    out["error"] = r.model_error;
  }
  out["args"] = std::move(args);
  out["ret"] = std::move(ret);
  out["kernel"] = kernel_json(r.kernel);
  return out;
}

}  // namespace xtramp::cli
