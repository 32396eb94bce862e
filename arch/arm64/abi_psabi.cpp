// AAPCS64 argument placement for Linux (little-endian), from the rules of
// [AAPCS64] §6.8.2 "Parameter passing rules" (stages A-C, the current rule
// ids; docs/abi.md "AArch64") and GCC's aarch64_layout_arg for the details the
// text leaves to "natural alignment" (§5.10 "Composite Types"):
//   * natural alignment = max member alignment, an aligned() on the aggregate
//     itself (or a typedef) does not count (TypeFacts::natural_align);
//   * C.10 pairs only 2-register values whose natural alignment is 16;
//   * stack alignment = min(max(natural, 8), 16) (GCC STACK_BOUNDARY = 128).
#include <algorithm>

#include "arch/arm64/abi.hpp"
#include "arch/arm64/classify.hpp"
#include "arch/arm64/regs.hpp"
#include "common/abi/ctx_slots.hpp"
#include "common/abi/parts.hpp"
#include "common/abi/reg_seq.hpp"
#include "common/abi/stack_area.hpp"

namespace xtramp::arm64 {

namespace {

using abi::align_up;
using abi::RegSeq;
using abi::StackArea;

// C.4 / C.14 (and GCC's aarch64_function_arg_boundary): 8 or 16.
uint32_t stack_align(uint32_t natural) {
  return std::clamp<uint32_t>(natural, 8, 16);
}

class Allocator {
 public:
  Allocator() : ngrn_(kArgGprs), nsrn_(kArgFprs), nsaa_(kStackArgsBase) {}  // A.1, A.2, A.4

  ArgLayout place(const TypeFacts& t, const std::string& what) {
    ArgLayout a;
    a.size = t.size;
    const Classified c = classify(t, what);
    switch (c.cls) {
      case ArgClass::none:
        break;
      case ArgClass::fp: {
        if (auto r = nsrn_.take(1); !r.empty()) {  // C.1: v[NSRN], least significant bits
          a.parts.push_back(ArgPart{Location::fpr(r[0]), 0, t.size, 0});
        } else {
          // C.4: quad precision rounds NSAA to 16; C.5: half/single take 8 bytes; C.6.
          const uint32_t slot = std::max<uint32_t>(t.size, 8);
          const int32_t off = nsaa_.alloc(slot, t.size >= 16 ? 16 : 8);
          a.parts.push_back(abi::stack_part(off, t.size));
        }
        break;
      }
      case ArgClass::hfa: {
        if (auto r = nsrn_.take(c.hfa.count); !r.empty()) {  // C.2: one register per member
          for (uint32_t k = 0; k < c.hfa.count; ++k)
            a.parts.push_back(ArgPart{Location::fpr(r[k]), k * c.hfa.elem, c.hfa.elem, 0});
        } else {
          nsrn_.close();  // C.3: NSRN = 8, size rounded up to 8
          const int32_t off =
              nsaa_.alloc(align_up(t.size, 8), stack_align(c.natural_align));  // C.4
          a.parts.push_back(abi::stack_part(off, t.size));                     // C.6
        }
        break;
      }
      case ArgClass::integral:
        place_integral(a, t.size);
        break;
      case ArgClass::gpr_block: {
        const uint32_t words = (t.size + 7) / 8;  // B.5 for composites; C.11 for __int128
        if (words == 0) break;                    // an empty aggregate occupies nothing
        if (c.natural_align == 16 && words == 2) ngrn_.round_up_even();  // C.10
        if (auto r = ngrn_.take(words); !r.empty()) {                    // C.11 / C.12
          a.parts = abi::split_into_regs(LocKind::gpr, r, t.size, Endian::little);
        } else {
          ngrn_.close();                                                          // C.13
          const int32_t off = nsaa_.alloc(t.size, stack_align(c.natural_align));  // C.14
          a.parts.push_back(abi::stack_part(off, t.size));                        // C.15 / C.17
        }
        break;
      }
      case ArgClass::indirect:
        a.by_ref = true;  // B.4: replaced by a pointer to a caller copy, then C.9 / C.16-C.17
        place_integral(a, 8);
        break;
    }
    return a;
  }

  uint32_t stack_used() const { return nsaa_.used(); }

 private:
  void place_integral(ArgLayout& a, uint32_t size) {
    if (auto r = ngrn_.take(1); !r.empty()) {  // C.9: least significant bits of x[NGRN]
      a.parts.push_back(ArgPart{Location::gpr(r[0]), 0, size, 0});
    } else {
      // C.16: the size becomes 8 (value in the low-addressed bytes on LE); C.17.
      const int32_t off = nsaa_.alloc(8, 8);
      a.parts.push_back(abi::stack_part(off, size));
    }
  }

  RegSeq ngrn_, nsrn_;
  StackArea nsaa_;
};

}  // namespace

RetLayout place_return(const TypeFacts& t, const std::string& func) {
  // §6.9: returned in the registers `void f(T)` would use for its first
  // argument, else in memory whose address the caller passes in x8.
  RetLayout r;
  r.size = t.size;
  r.ext = Extension::none;
  const Classified c = classify(t, "The function " + func + " return type");
  switch (c.cls) {
    case ArgClass::none:
      r.kind = RetLayout::Kind::void_;
      break;
    case ArgClass::fp:
      r.kind = RetLayout::Kind::regs;
      r.parts.push_back(ArgPart{Location::fpr(kArgFprs[0]), 0, t.size, 0});
      break;
    case ArgClass::hfa:
      r.kind = RetLayout::Kind::regs;  // v0..v(count-1)
      for (uint32_t k = 0; k < c.hfa.count; ++k)
        r.parts.push_back(ArgPart{Location::fpr(kArgFprs[k]), k * c.hfa.elem, c.hfa.elem, 0});
      break;
    case ArgClass::integral:
      r.kind = RetLayout::Kind::regs;
      r.parts.push_back(ArgPart{Location::gpr(kArgGprs[0]), 0, t.size, 0});
      break;
    case ArgClass::gpr_block:
      r.kind = t.size == 0 ? RetLayout::Kind::void_ : RetLayout::Kind::regs;  // x0 / x0:x1
      r.parts = abi::split_into_regs(LocKind::gpr, kArgGprs, t.size, Endian::little);
      break;
    case ArgClass::indirect:
      r.kind = RetLayout::Kind::memory;
      r.buffer = Location::gpr(kIndirectResultReg);  // x8, not counted in NGRN
      r.buffer_shifts_args = false;
      break;
  }
  return r;
}

CallLayout place_psabi(const FuncModel& m) {
  CallLayout cl;
  cl.arch = Arch::arm64;
  cl.policy = Policy::psabi;
  Allocator alloc;
  cl.args.reserve(m.args.size());
  for (size_t i = 0; i < m.args.size(); ++i)
    cl.args.push_back(alloc.place(m.args[i].t(), arg_what(m, i)));
  cl.ret = place_return(m.ret.t(), m.name);
  cl.stack_size = alloc.stack_used();
  abi::assign_ctx_slots(cl);
  return cl;
}

}  // namespace xtramp::arm64
