#include "common/backend.hpp"

#include "common/error.hpp"

namespace xtramp {

namespace {

std::string describe_part(const Backend& b, const ArgPart& p) {
  if (p.loc.kind == LocKind::stack)
    return "stack+" + std::to_string(p.loc.offset - b.stack_args_base());
  return b.reg_name(p.loc.kind, p.loc.reg);
}

std::string describe_parts(const Backend& b, const std::vector<ArgPart>& parts) {
  std::string s;
  for (size_t i = 0; i < parts.size(); ++i) {
    // Consecutive stack parts of one value read better as one range.
    if (i > 0 && parts[i].loc.kind == LocKind::stack && parts[i - 1].loc.kind == LocKind::stack)
      continue;
    if (!s.empty()) s += ":";
    s += describe_part(b, parts[i]);
  }
  return s;
}

}  // namespace

std::string describe_location(const Backend& b, const ArgLayout& a) {
  const std::string s = describe_parts(b, a.parts);
  return a.by_ref ? "*" + s + " (by ref)" : s;
}

std::string describe_return(const Backend& b, const RetLayout& r) {
  switch (r.kind) {
    case RetLayout::Kind::void_:
      return "-";
    case RetLayout::Kind::regs:
      return describe_parts(b, r.parts);
    case RetLayout::Kind::memory:
      return "memory via " + b.reg_name(r.buffer.kind, r.buffer.reg);
  }
  return "?";
}

CallLayout Backend::place_linux(const FuncModel& m, KernelRelease) const {
  return place(m, Policy::linux_jit);
}

Backend::EntryPatch Backend::check_patchable(const void*, const std::string& name,
                                             CodeWriter&) const {
  throw Error(Errc::unsupported, "entry patching " + name + " on " +
                                     std::string(arch_name(arch())) +
                                     " is not implemented yet; attach in replace mode");
}

const HostCode* Backend::host_code() const {
  return nullptr;
}

void Backend::set_entry_call(void*, const void*, CodeWriter&) const {
  throw Error(Errc::unsupported,
              "entry patching on " + std::string(arch_name(arch())) + " is not implemented yet");
}

}  // namespace xtramp
