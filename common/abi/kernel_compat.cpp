#include "common/abi/kernel_compat.hpp"

#include <string>

#include "common/error.hpp"

namespace xtramp::abi {

namespace {

// __get_type_size() sizes PTR, INT, ENUM(64), STRUCT and UNION only: FLOAT
// fails, and so does what GCC's BTF writes as void (_Float16, vectors).
bool kernel_sizes(ValueKind k) {
  return !is_floating(k) && k != ValueKind::vector_;
}

}  // namespace

void require_kernel_compat(const FuncModel& m) {
  const std::string fn = "The function " + m.name;
  if (m.args.size() > static_cast<size_t>(kMaxBpfFuncArgs))
    throw Error(Errc::too_many_args,
                fn + " has " + std::to_string(m.args.size()) + " arguments. Too many.");
  const TypeFacts& r = m.ret.t();
  // "if (ret < 0 || btf_type_is_struct(t))"
  if (r.kind != ValueKind::void_ && (!kernel_sizes(r.kind) || is_aggregate(r.kind)))
    throw Error(Errc::unsupported, fn + " return type " + r.btf_kind + " is unsupported.");
  for (size_t i = 0; i < m.args.size(); ++i) {
    const TypeFacts& t = m.args[i].t();
    // "No support of struct argument size greater than 16 bytes"
    if (!kernel_sizes(t.kind) || t.size > 16)
      throw Error(Errc::unsupported,
                  fn + " arg" + std::to_string(i) + " type " + t.btf_kind + " is unsupported.");
    if (t.size == 0) throw Error(Errc::unsupported, fn + " has malformed void argument.");
  }
}

}  // namespace xtramp::abi
