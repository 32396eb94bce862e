// One function placed on one architecture under one policy, and its text and
// JSON forms (`xtramp place`).
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/backend.hpp"
#include "common/call_layout.hpp"
#include "common/func_model.hpp"

namespace xtramp::cli {

struct Placement {
  Arch arch{};
  Policy policy = Policy::psabi;
  std::optional<FuncModel> model;  // absent: the extended model rejects the function
  std::optional<CallLayout> layout;
  std::string error;  // why there is no layout (the model's or the policy's reason)
};

// Models (if `model` is set) and places; a refusal is recorded in `error`.
Placement place_function(const Backend& backend, Policy policy, std::optional<FuncModel> model,
                         const std::string& model_error);

// "vfs_read  x86_64  psabi" then the argument table, the return value and
// the stack area, or the reason there is no layout.
std::string placement_text(const std::string& function, const Placement& p);

// {arch, policy, status: "placed"|"unsupported", error?, args[], ret, stack_size, ctx_slots}
// args[i]: {arg, name, type, size, align, align_certain, by_ref, ext, location,
//           ctx_slot, ctx_slots, parts[]};
// parts[j]: {arg, kind: gpr|fpr|stack, reg | offset (from the first stack
//            argument) + sp_offset (from the stack pointer at entry), size,
//            arg_offset, loc_offset, by_ref}
nlohmann::ordered_json placement_json(const Placement& p);

}  // namespace xtramp::cli
