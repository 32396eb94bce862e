// `xtramp audit`: every function of a BTF through common/audit on each
// selected architecture, counted, grouped by cause, with examples.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/arch_btf.hpp"
#include "common/arch.hpp"

namespace xtramp::cli {

struct AuditExample {
  std::string function;
  std::string detail;
};

// A count, the cause it is grouped under, and the first few functions.
struct AuditGroup {
  size_t count = 0;
  std::vector<AuditExample> examples;
};

struct AuditCategory {
  size_t count = 0;
  std::map<std::string, AuditGroup> causes;  // cause -> functions
};

struct ArchTally {
  Arch arch{};
  size_t modelled = 0;  // the extended model accepts the function
  size_t psabi_placed = 0;
  AuditCategory psabi_unplaceable;  // modelled, but psabi cannot place it
  AuditCategory linux_misplaced;    // (a)
  size_t linux_same = 0;
  AuditCategory linux_refused;        // the kernel accepts, this JIT refuses
  size_t linux_not_applicable = 0;    // the kernel refuses
  AuditCategory alignment_dependent;  // (b)
  AuditCategory kernel_refuses;       // (c): kernel refuses, extended places
  size_t layouts = 0;                 // Backend::place calls made
  double ms = 0;                      // model + audit time for this arch
};

struct AuditReport {
  std::string btf_path;
  Arch btf_target{};
  size_t functions = 0;
  size_t kernel_accepted = 0;
  std::vector<ArchTally> arches;
  double ms = 0;
};

// `examples`: how many functions to keep per cause.
AuditReport run_audit(ArchBtf& files, const std::vector<Arch>& arches, size_t examples);

std::string audit_text(const AuditReport& r);
nlohmann::ordered_json audit_json(const AuditReport& r);

}  // namespace xtramp::cli
