// One function on one architecture, the three questions `xtramp audit` asks:
//   (a) does the `linux` policy (the upstream JIT) put some byte elsewhere
//       than the ABI (`psabi`)?
//   (b) would a hidden alignment BTF cannot rule out (docs/model.md,
//       "When align_certain is false") move some argument under `psabi`?
//   (c) does the kernel refuse a function the extended model places?
#pragma once

#include <optional>
#include <string>

#include "common/audit/layout_diff.hpp"
#include "common/backend.hpp"
#include "common/func_model.hpp"

namespace xtramp::audit {

enum class LinuxVerdict : uint8_t {
  not_applicable,  // the kernel (btf_distill_func_proto) refuses the function
  refused,         // the kernel accepts it, but this arch's JIT refuses it
  same,            // every byte where psabi puts it
  misplaced,       // some byte elsewhere: `linux_diff` says which
};

std::string_view linux_verdict_name(LinuxVerdict v);  // "n/a", "refused", "same", "misplaced"

struct ArchAudit {
  bool psabi_placed = false;
  std::string psabi_error;  // why psabi cannot place it (e.g. an aggregate without members)

  LinuxVerdict linux_verdict = LinuxVerdict::not_applicable;
  std::string linux_error;  // refused: the JIT's reason
  std::optional<LayoutDifference> linux_diff;

  // (b): the first argument whose psabi placement changes when its uncertain
  // alignment is taken the other way (16 for an inferred < 16, 1 for a
  // packed-away 16), and the first byte that moves.
  std::optional<LayoutDifference> alignment_diff;
  uint32_t alignment_tried = 0;  // the alignment that moved it

  bool kernel_refuses_extended_places = false;  // (c)
};

// The alignment an uncertain aggregate might have instead of the inferred
// one: 16 for an inferred < 16 (a hidden aligned(16)), 1 for an inferred 16
// (a packing BTF and DWARF cannot show).
uint32_t other_alignment(const TypeFacts& t);

// (b) on its own: the first argument whose psabi placement (`placed`) moves
// when its uncertain alignment is taken the other way; *tried = that
// alignment.
std::optional<LayoutDifference> alignment_dependence(const Backend& backend, const FuncModel& m,
                                                     const CallLayout& placed, uint32_t* tried);

// `m` is the extended model (for this architecture's target), `kernel` the
// kernel's verdict on the same function, `release` the kernel whose JIT the
// linux placement follows. Never throws for an unplaceable function:
// refusals are recorded.
ArchAudit audit_function(const Backend& backend, const FuncModel& m, const KernelView& kernel,
                         KernelRelease release = KernelRelease::newest());

}  // namespace xtramp::audit
