// FuncModel, TypeFacts and KernelView as JSON (the `--json` output of
// `xtramp model`; later subcommands reuse the same shapes).
#pragma once

#include <nlohmann/json.hpp>

#include "btf/btf_file.hpp"
#include "cli/function_report.hpp"
#include "common/func_model.hpp"

namespace xtramp::cli {

nlohmann::ordered_json field_json(const ScalarField& f);
// {name, type, btf_kind, kind, size, align, align_certain, align_source,
//  natural_align, largest_member_size, signed, struct_arg, packed, bitfields,
//  union, flex_array, single_member_chain, fields_complete, fields[]}
nlohmann::ordered_json value_json(const ValueModel& v);
// {accepted: true, nr_args, arg_size[], arg_flags[], ret_size, ret_flags,
//  arg_largest_member_size[]} or {accepted: false, message}
nlohmann::ordered_json kernel_json(const KernelView& k);
// {name, btf_id, target, mode, accepted, [error], args[], ret, kernel}; when the
// extended model rejects the function, args is [] and ret is null.
nlohmann::ordered_json function_json(const FunctionReport& r, btf::Mode mode, Arch target);

}  // namespace xtramp::cli
