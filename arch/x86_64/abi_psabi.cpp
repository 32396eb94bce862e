// x86-64 System V psABI placement (psABI 1.0 §3.2.3 "Parameter Passing",
// docs/abi.md "x86-64"). Quotes are from the psABI unless marked GCC.
#include <algorithm>

#include "arch/x86_64/abi.hpp"
#include "arch/x86_64/classify.hpp"
#include "arch/x86_64/regs.hpp"
#include "common/abi/ctx_slots.hpp"
#include "common/abi/parts.hpp"
#include "common/abi/reg_seq.hpp"
#include "common/abi/stack_area.hpp"
#include "common/error.hpp"

namespace xtramp::x86_64 {

namespace {

using abi::RegSeq;
using abi::StackArea;

[[noreturn]] void unknown_members(const std::string& who, const TypeFacts& t) {
  throw Error(Errc::unsupported, who + " type " + t.c_type + " (" + std::to_string(t.size) +
                                     " bytes): members unknown in BTF, cannot classify");
}

// Parts of a register-class value: eightbyte by eightbyte, INTEGER from
// `gprs`, SSE from `sses`; "SSEUP ... is passed in the next available eightbyte
// chunk of the last used vector register"; X87(+X87UP) is %st0 (returns only);
// NO_CLASS eightbytes are padding and live nowhere. The caller has checked
// that the registers fit (psABI: all or nothing).
std::vector<ArgPart> reg_parts(const Classification& c, uint32_t size, RegSeq& gprs, RegSeq& sses) {
  std::vector<ArgPart> parts;
  for (size_t i = 0; i < c.eightbytes.size(); ++i) {
    const uint32_t off = static_cast<uint32_t>(8 * i);
    const uint32_t n = std::min<uint32_t>(8, size - off);
    switch (c.eightbytes[i]) {
      case Cls::integer:
        parts.push_back(ArgPart{Location::gpr(gprs.take(1).at(0)), off, n, 0});
        break;
      case Cls::sse:
        parts.push_back(ArgPart{Location::fpr(sses.take(1).at(0)), off, n, 0});
        break;
      case Cls::sseup:
        // Upper half of the previous xmm register: one 16-byte part.
        parts.back().size += n;
        break;
      case Cls::x87:
        // "the value is returned on the X87 stack in %st0 as 80-bit x87 number";
        // with X87UP it is the whole 16-byte long double image.
        parts.push_back(ArgPart{Location::fpr(kSt0), off, std::min<uint32_t>(16, size - off), 0});
        break;
      case Cls::x87up:  // "returned together with the previous X87 value in %st0"
      case Cls::no_class:
      case Cls::memory:
        break;
    }
  }
  return parts;
}

RetLayout place_return(const FuncModel& m, RegSeq& arg_gprs) {
  RetLayout r;
  const TypeFacts& t = m.ret.t();
  if (t.kind == ValueKind::void_) return r;
  r.size = t.size;
  // Returning 6.: "If the class is COMPLEX_X87, the real part of the value is
  // returned in %st0 and the imaginary part in %st1" (GCC 12: fldt; fldt;
  // fxch): the trampolines save %st0 only.
  if (t.kind == ValueKind::complex_ && t.fields.at(0).kind == ValueKind::long_double)
    throw Error(Errc::unsupported, "The function " + m.name + " return type " + t.c_type +
                                       " (COMPLEX_X87) is returned in %st0 and %st1; the "
                                       "trampoline saves %st0 only");
  const Classification c = classify(t, /*in_return=*/true);
  if (c.status == Classification::Status::unknown_members)
    unknown_members("The function " + m.name + " return", t);
  if (c.in_memory()) {
    // Returning 2.: "the caller provides space for the return value and passes
    // the address of this storage in %rdi as if it were the first argument".
    r.kind = RetLayout::Kind::memory;
    r.buffer = Location::gpr(arg_gprs.take(1).at(0));
    r.buffer_shifts_args = true;
    return r;
  }
  // Returning 3./4.: "%rax, %rdx" for INTEGER, "%xmm0, %xmm1" for SSE.
  RegSeq gprs(kRetGprs), sses(kRetXmms);
  r.kind = RetLayout::Kind::regs;
  r.parts = reg_parts(c, t.size, gprs, sses);
  return r;
}

}  // namespace

CallLayout place_psabi(const FuncModel& m) {
  CallLayout out;
  out.arch = Arch::x86_64;
  out.policy = Policy::psabi;

  RegSeq gprs(kArgGprs), sses(kArgXmms);
  StackArea stack(kStackArgsBase);  // "memory argument eightbyte 0" at 8(%rsp)
  out.ret = place_return(m, gprs);

  for (size_t i = 0; i < m.args.size(); ++i) {
    const TypeFacts& t = m.args[i].t();
    ArgLayout a;
    a.size = t.size;
    a.ext = Extension::none;  // the psABI leaves the upper bits unspecified
    const Classification c = classify(t, /*in_return=*/false);
    if (c.status == Classification::Status::unknown_members) unknown_members(arg_label(m, i), t);

    const uint32_t need_i = c.needed(Cls::integer);
    const uint32_t need_s = c.needed(Cls::sse);
    if (!c.in_memory() && gprs.fits(need_i) && sses.fits(need_s)) {
      a.parts = reg_parts(c, t.size, gprs, sses);
    } else if (t.size > 0) {
      // "If there are no registers available for any eightbyte of an argument,
      // the whole argument is passed on the stack." The register counters are
      // not closed: a later argument may still take them (GCC; docs/abi.md "x86-64").
      // Slot alignment: GCC ix86_function_arg_boundary, max(8, _Alignof(main
      // variant)) — 16 for __int128 ("must be aligned on a 16-byte boundary"),
      // long double and 16-aligned structs, 32 for aligned(32). Size rounded
      // to eightbytes ("The size of each argument gets rounded up to eightbytes").
      const int32_t off = stack.alloc(t.size, std::max<uint32_t>(8, t.align));
      a.parts.push_back(abi::stack_part(off, t.size));
    }
    out.args.push_back(std::move(a));
  }
  out.stack_size = stack.used();
  abi::assign_ctx_slots(out);
  return out;
}

}  // namespace xtramp::x86_64
