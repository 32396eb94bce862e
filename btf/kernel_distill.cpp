#include "btf/kernel_distill.hpp"

#include <cstdio>
#include <string>

#include "btf/unsupported.hpp"
#include "common/error.hpp"

namespace xtramp::btf {

namespace {

// __get_type_size(): size of a value of type `id` after modifiers, or -1 for
// the kinds the kernel refuses (FLOAT, ARRAY, FWD, FUNC_PROTO, ...). `*out`
// receives the resolved type, which the kernel names in its messages.
int kernel_type_size(const struct btf* btf, TypeAnalyzer& analyzer, uint32_t id,
                     const struct btf_type** out) {
  *out = btf__type_by_id(btf, 0);
  if (id == 0) return 0;  // void
  const struct btf_type* t = analyzer.resolve(&id);
  *out = t;
  if (btf_is_ptr(t)) return 8;  // "kernel size of pointer. Not BPF's size of pointer"
  if (btf_is_int(t) || btf_is_any_enum(t) || btf_is_composite(t)) return static_cast<int>(t->size);
  return -1;
}

// __get_type_fmodel_flags()
uint8_t kernel_flags(const struct btf_type* t) {
  uint8_t flags = 0;
  if (btf_is_composite(t)) flags |= kFmodelStructArg;
  if (btf_is_int(t) && (btf_int_encoding(t) & BTF_INT_SIGNED)) flags |= kFmodelSignedArg;
  return flags;
}

template <typename... A>
std::string format(const char* fmt, A... args) {
  const int n = std::snprintf(nullptr, 0, fmt, args...);
  std::string out(n > 0 ? static_cast<size_t>(n) : 0, '\0');
  std::snprintf(out.data(), out.size() + 1, fmt, args...);
  return out;
}

}  // namespace

KernelView kernel_distill(const struct btf* btf, TypeAnalyzer& analyzer, uint32_t func_id,
                          KernelRelease kernel) {
  KernelView v;
  const struct btf_type* func = btf__type_by_id(btf, func_id);
  const char* tname = btf__name_by_offset(btf, func->name_off);
  if (tname == nullptr) tname = "";
  const struct btf_type* proto = btf__type_by_id(btf, func->type);
  if (proto == nullptr || !btf_is_func_proto(proto))
    throw Error(Errc::malformed_btf, format("malformed BTF: function %s has no prototype", tname));

  const struct btf_param* args = btf_params(proto);
  const int nargs = btf_vlen(proto);
  if (nargs > kMaxBpfFuncArgs) {
    v.message = format("The function %s has %d arguments. Too many.", tname, nargs);
    return v;
  }

  const struct btf_type* t = nullptr;
  int ret = kernel_type_size(btf, analyzer, proto->type, &t);
  if (ret < 0 || btf_is_composite(t)) {
    v.message = format("The function %s return type %s is unsupported.", tname, btf_kind_str(t));
    return v;
  }
  v.ret_size = static_cast<uint8_t>(ret);
  v.ret_flags = kernel_flags(t);

  for (int i = 0; i < nargs; ++i) {
    if (i == nargs - 1 && args[i].type == 0) {
      v.message = format("The function %s with variable args is unsupported.", tname);
      return v;
    }
    ret = kernel_type_size(btf, analyzer, args[i].type, &t);
    // "No support of struct argument size greater than 16 bytes"; before
    // v6.18 the test was __btf_type_is_struct (STRUCT only), so a union
    // argument fell through to "unsupported" (KernelRelease::union_args).
    if (ret < 0 || ret > 16 || (btf_is_union(t) && !kernel.union_args())) {
      v.message =
          format("The function %s arg%d type %s is unsupported.", tname, i, btf_kind_str(t));
      return v;
    }
    if (ret == 0) {
      v.message = format("The function %s has malformed void argument.", tname);
      return v;
    }
    v.arg_size[i] = static_cast<uint8_t>(ret);
    v.arg_flags[i] = kernel_flags(t);
    // The 2025 RFC's arg_largest_member_size[], with our recursive definition.
    try {
      v.arg_largest_member_size[i] =
          static_cast<uint8_t>(analyzer.largest_member_size(args[i].type));
    } catch (const UnsupportedType&) {
      v.arg_largest_member_size[i] = 0;  // e.g. a struct with a member of an unknown kind
    }
  }
  v.nr_args = static_cast<uint8_t>(nargs);
  v.accepted = true;
  return v;
}

}  // namespace xtramp::btf
