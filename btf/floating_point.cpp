#include "btf/floating_point.hpp"

namespace xtramp::btf {
namespace {

bool holds(const struct btf* b, uint32_t id, int depth) {
  while (id != 0 && depth < 64) {
    const struct btf_type* t = btf__type_by_id(b, id);
    if (t == nullptr) return false;
    switch (btf_kind(t)) {
      case BTF_KIND_FLOAT:
        return true;
      case BTF_KIND_TYPEDEF:
      case BTF_KIND_CONST:
      case BTF_KIND_VOLATILE:
      case BTF_KIND_RESTRICT:
      case BTF_KIND_TYPE_TAG:
        id = t->type;
        continue;
      case BTF_KIND_ARRAY:
        id = btf_array(t)->type;
        continue;
      case BTF_KIND_STRUCT:
      case BTF_KIND_UNION: {
        const struct btf_member* m = btf_members(t);
        for (unsigned i = 0; i < btf_vlen(t); ++i)
          if (holds(b, m[i].type, depth + 1)) return true;
        return false;
      }
      default:
        return false;  // integers, enums, pointers (an address, whatever it points to)
    }
  }
  return false;
}

}  // namespace

bool holds_floating_point(const struct btf* b, uint32_t type_id) {
  return holds(b, type_id, 0);
}

bool prototype_holds_floating_point(const struct btf* b, uint32_t id) {
  const struct btf_type* t = btf__type_by_id(b, id);
  if (t != nullptr && btf_is_func(t)) t = btf__type_by_id(b, t->type);
  if (t == nullptr || !btf_is_func_proto(t)) return false;
  if (holds_floating_point(b, t->type)) return true;
  const struct btf_param* p = btf_params(t);
  for (unsigned i = 0; i < btf_vlen(t); ++i)
    if (holds_floating_point(b, p[i].type)) return true;
  return false;
}

}  // namespace xtramp::btf
