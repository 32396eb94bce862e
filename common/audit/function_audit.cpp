#include "common/audit/function_audit.hpp"

#include <memory>

#include "common/error.hpp"

namespace xtramp::audit {

std::string_view linux_verdict_name(LinuxVerdict v) {
  switch (v) {
    case LinuxVerdict::not_applicable:
      return "n/a";
    case LinuxVerdict::refused:
      return "refused";
    case LinuxVerdict::same:
      return "same";
    case LinuxVerdict::misplaced:
      return "misplaced";
  }
  return "?";
}

// The alignment the model cannot exclude: docs/model.md says an uncertain
// aggregate's size is a multiple of 16, so either a hidden aligned(16) lifts
// an inferred alignment below 16, or a silent `packed` drops an inferred 16.
uint32_t other_alignment(const TypeFacts& t) {
  return t.align < 16 ? 16 : 1;
}

std::optional<LayoutDifference> alignment_dependence(const Backend& backend, const FuncModel& m,
                                                     const CallLayout& placed, uint32_t* tried) {
  for (size_t i = 0; i < m.args.size(); ++i) {
    const TypeFacts& t = m.args[i].t();
    if (t.align_certain) continue;
    auto variant_type = std::make_shared<TypeFacts>(t);
    variant_type->align = variant_type->natural_align = other_alignment(t);
    FuncModel variant = m;
    variant.args[i].type = std::move(variant_type);
    CallLayout moved;
    try {
      moved = backend.place(variant, Policy::psabi);
    } catch (const Error&) {
      continue;  // the variant is not placeable: no placement to compare
    }
    if (auto d = first_difference(placed, moved)) {
      *tried = other_alignment(t);
      return d;
    }
  }
  return std::nullopt;
}

ArchAudit audit_function(const Backend& backend, const FuncModel& m, const KernelView& kernel,
                         KernelRelease release) {
  ArchAudit out;
  CallLayout psabi;
  try {
    psabi = backend.place(m, Policy::psabi);
    out.psabi_placed = true;
  } catch (const Error& e) {
    out.psabi_error = e.what();
  }
  out.kernel_refuses_extended_places = !kernel.accepted && out.psabi_placed;
  if (!out.psabi_placed) return out;

  out.alignment_diff = alignment_dependence(backend, m, psabi, &out.alignment_tried);

  if (!kernel.accepted) return out;  // linux: not applicable
  try {
    const CallLayout jit = backend.place_linux(m, release);
    out.linux_diff = first_difference(psabi, jit);
    out.linux_verdict = out.linux_diff ? LinuxVerdict::misplaced : LinuxVerdict::same;
  } catch (const Error& e) {
    out.linux_verdict = LinuxVerdict::refused;
    out.linux_error = e.what();
  }
  return out;
}

}  // namespace xtramp::audit
