#include "conform/runner/hidden_property.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <memory>

#include "common/audit/function_audit.hpp"
#include "common/audit/layout_diff.hpp"
#include "common/backend.hpp"
#include "common/error.hpp"
#include "conform/runner/value_image.hpp"

namespace xtramp::conform {
namespace {

// A psabi failure on a function whose prototype has something BTF and DWARF
// cannot show is re-run under each hypothesis the debug info cannot rule
// out. If one passes, the type carries that hidden property, xtramp cannot
// know it, and the case is unsupported with the diagnosis rather than a
// placement bug. The hypotheses:
//   - an uncertain alignment (docs/model.md, align_certain) is the other one:
//     a packed or aligned attribute;
//   - the bytes of an aggregate no named member covers are unnamed
//     bit-fields (GCC classifies them like members; BTF and DWARF omit them);
//   - the unnamed bit-fields the model inferred from a gap are zero-width
//     ones (`long : 0;`), whose gap is padding;
//   - a struct hides a zero-width bit-field that moves nothing (`int : 0;`
//     after the last member): s390x then no longer sees a single member;
//   - a union hides an unnamed bit-field within its named members' bytes
//     (`int : 0;`, `int : 8;`): x86-64 and AArch64 then see an integer
//     member at its start (GCC classifies a union's members by their types).
// Each is about one argument; when none passes alone, those that move
// something are tried together, two or three at a time (a prototype can pass
// more than one such type).
struct Hypothesis {
  FuncModel model;
  std::string diagnosis;
  size_t arg = 0;
};

std::vector<Hypothesis> hypotheses(const FuncModel& m) {
  std::vector<Hypothesis> out;
  const auto add = [&](size_t i, std::shared_ptr<TypeFacts> type, std::string diagnosis) {
    Hypothesis h{m, std::move(diagnosis), i};
    h.model.args[i].type = std::move(type);
    out.push_back(std::move(h));
  };
  for (size_t i = 0; i < m.args.size(); ++i) {
    const TypeFacts& t = m.args[i].t();
    const std::string arg = "argument " + std::to_string(i) + " " + t.c_type;
    if (!t.align_certain) {
      auto other = std::make_shared<TypeFacts>(t);
      other->align = other->natural_align = audit::other_alignment(t);
      add(i, other,
          arg + ": BTF and DWARF give it " + std::to_string(t.align) +
              "-byte alignment, but GCC passed it " + std::to_string(other->align) +
              "-byte aligned (a packed or aligned attribute the debug info does not "
              "express)");
    }
    if (is_aggregate(t.kind) && t.fields_complete) {
      std::vector<bool> covered(t.size, false);
      for (const ScalarField& f : t.fields) {
        const auto [b, e] = field_bytes(f);
        for (uint32_t k = b; k < e && k < t.size; ++k) covered[k] = true;
      }
      auto filled = std::make_shared<TypeFacts>(t);
      for (uint32_t k = 0; k < t.size; ++k)
        if (!covered[k]) filled->fields.push_back(ScalarField{k, 1, ValueKind::integer, 1, 0, 0});
      if (filled->fields.size() != t.fields.size()) {
        std::sort(filled->fields.begin(), filled->fields.end(),
                  [](const ScalarField& a, const ScalarField& b) { return a.offset < b.offset; });
        add(i, filled,
            arg +
                ": GCC passed it as if the bytes no named member covers were "
                "members (unnamed bit-fields, which BTF and DWARF omit)");
      }
    }
    if (t.kind == ValueKind::union_ && t.fields_complete) {
      // As an unnamed bit-field of one bit at the start: x86-64 makes the
      // first eightbyte INTEGER, AArch64 sees no HFA (docs/abi.md "Bit-fields").
      ScalarField bit;
      bit.size = 1;
      bit.bit_size = 1;
      bit.unnamed = true;
      auto other = std::make_shared<TypeFacts>(t);
      other->fields.insert(other->fields.begin(), bit);
      add(i, other,
          arg +
              ": GCC passed it as if it had an unnamed bit-field (`int : 0;` or "
              "`int : 8;`, an integer member of the union that BTF and DWARF omit)");
    }
    if (t.kind == ValueKind::struct_ && t.fields_complete) {
      const bool inferred = std::any_of(t.fields.begin(), t.fields.end(),
                                        [](const ScalarField& f) { return f.unnamed; });
      auto other = std::make_shared<TypeFacts>(t);
      if (inferred) {
        std::erase_if(other->fields, [](const ScalarField& f) { return f.unnamed; });
        add(i, other,
            arg +
                ": GCC passed it as if the bytes no named member covers were "
                "padding (a zero-width bit-field such as `long : 0;` rather than "
                "an unnamed bit-field: BTF and DWARF show neither)");
      } else {
        ScalarField zero;
        zero.offset = t.size;
        zero.size = 0;
        zero.bit_offset = static_cast<uint16_t>(8 * t.size);
        zero.unnamed = true;
        other->fields.push_back(zero);
        other->single_member_chain = false;
        add(i, other,
            arg +
                ": GCC passed it as if it had a zero-width bit-field (`int : 0;`, "
                "which moves nothing and which BTF and DWARF omit)");
      }
    }
  }
  return out;
}

// Whether the psabi round trip under `m` passes, run in a child process: a
// crash or a hang (kRoundTripTimeoutSeconds) is a no.
bool passes_isolated(const FuncModel& m, const CaseEntry& c, const CaseGlobals& g) {
  std::fflush(nullptr);  // the child must not write the parent's buffers twice
  const pid_t pid = fork();
  if (pid < 0) return false;
  if (pid == 0) {
    alarm(kRoundTripTimeoutSeconds);
    bool pass = false;
    try {
      pass = round_trip_once(m, Policy::psabi, c, g).status == Status::pass;
    } catch (...) {
    }
    _exit(pass ? 0 : 1);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return false;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace

Outcome diagnose_failure(const FuncModel& m, const CaseEntry& c, const CaseGlobals& g,
                         Outcome failed) {
  try {
    const Backend& be = backend(m.target);
    const CallLayout placed = be.place(m, Policy::psabi);
    const auto moves = [&](const FuncModel& hm) {
      try {
        return audit::first_difference(placed, be.place(hm, Policy::psabi)).has_value();
      } catch (const Error&) {
        return false;
      }
    };
    std::vector<Hypothesis> moving;
    for (Hypothesis& h : hypotheses(m)) {
      if (!moves(h.model)) continue;
      if (passes_isolated(h.model, c, g))
        return {Status::unsupported, h.diagnosis + "; the round trip under that hypothesis passes"};
      moving.push_back(std::move(h));
    }
    // Two or three together, of different arguments, among the first few.
    constexpr size_t kMaxCombined = 8;
    const size_t n = std::min(moving.size(), kMaxCombined);
    for (uint32_t set = 1; set < (1u << n); ++set) {
      const int k = std::popcount(set);
      if (k < 2 || k > 3) continue;
      Hypothesis all{m, "", 0};
      std::vector<bool> used(m.args.size(), false);
      bool distinct = true;
      for (size_t b = 0; b < n && distinct; ++b) {
        if ((set & (1u << b)) == 0) continue;
        const Hypothesis& h = moving[b];
        distinct = !used[h.arg];
        used[h.arg] = true;
        all.model.args[h.arg].type = h.model.args[h.arg].type;
        all.diagnosis += (all.diagnosis.empty() ? "" : "; and ") + h.diagnosis;
      }
      if (distinct && moves(all.model) && passes_isolated(all.model, c, g))
        return {Status::unsupported,
                all.diagnosis + "; the round trip under these hypotheses passes"};
    }
  } catch (const Error&) {
    // the model does not place at all: nothing to diagnose
  }
  return failed;
}

}  // namespace xtramp::conform
