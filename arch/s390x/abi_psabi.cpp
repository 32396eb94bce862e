// s390x ELF ABI Supplement v1.7 ([S390ABI] lzsabi.tex §"Parameter Passing" and
// §"Return Values"), non-vector ABI, as implemented by GCC's s390 backend
// (s390_pass_by_reference, s390_function_arg_float/_integer, s390_return_in_memory).
// See docs/abi.md "s390x" (the rules, GCC's choices) and "Sources" ([S390ABI]).
#include <string>

#include "arch/s390x/abi.hpp"
#include "arch/s390x/classify.hpp"
#include "arch/s390x/regs.hpp"
#include "common/abi/ctx_slots.hpp"
#include "common/abi/parts.hpp"
#include "common/abi/reg_seq.hpp"
#include "common/abi/stack_area.hpp"
#include "common/error.hpp"

namespace xtramp::s390x {

namespace {

// §"Return Values": "Any integer type with 64 or fewer bits, ... _Bool, ...
// enum type, is returned in r2. The return value is zero- or sign-extended to
// 64 bits"; "A pointer to any type is returned in r2"; "double ... is returned
// in f0. ... float ... in the left half of f0"; "Any other type, such as long
// double, _Decimal128, __int128, ..., a structure, a union ... is returned in a
// return value buffer allocated by the caller ... passed by the caller in r2."
// GCC s390_return_in_memory: "Aggregates ... are always returned in memory"
// (even a 4-byte struct, and a single-float struct).
RetLayout place_return(const TypeFacts& t, const std::string& func) {
  RetLayout r;
  r.size = t.size;
  switch (t.kind) {
    case ValueKind::void_:
      r.kind = RetLayout::Kind::void_;
      return r;
    case ValueKind::integer:
    case ValueKind::enum_:
    case ValueKind::pointer:
      if (t.size < 1 || t.size > 8) break;
      r.kind = RetLayout::Kind::regs;
      r.ext = extension_of(t);
      // The low-order bytes of the 64-bit r2: big-endian offset 8 - size.
      r.parts.push_back(ArgPart{Location::gpr(kR2), 0, t.size, 8 - t.size});
      return r;
    case ValueKind::float_:
      if (t.size > 8) break;
      r.kind = RetLayout::Kind::regs;
      r.parts.push_back(ArgPart{Location::fpr(kF0), 0, t.size, 0});  // left-aligned in f0
      return r;
    case ValueKind::int128:
    case ValueKind::long_double:
    case ValueKind::float128:
    case ValueKind::complex_:  // "Any other type": GCC 12 -O2 stores both parts through r2
    case ValueKind::vector_:   // without the vector facility: `mvc 0(16,%r2),...`
    case ValueKind::struct_:
    case ValueKind::union_:
      // return_parameter: "allocate a return value buffer, store its address
      // in r2, and set gr=3".
      r.kind = RetLayout::Kind::memory;
      r.buffer = Location::gpr(kR2);
      r.buffer_shifts_args = true;
      return r;
  }
  throw Error(Errc::unsupported, "The function " + func + " return type " + t.c_type + " (" +
                                     std::string(kind_name(t.kind)) + ", " +
                                     std::to_string(t.size) +
                                     " bytes) cannot be returned on s390x");
}

// "more": "Copy the argument value right-aligned into the 8-byte parameter
// slot at the current stack position starg ... Increment starg by 8".
ArgPart stack_slot_part(abi::StackArea& starg, uint32_t size) {
  const int32_t slot = starg.alloc(kSlot, kSlot);
  return abi::stack_part(slot + static_cast<int32_t>(kSlot - size), size);
}

// A struct the debug info makes float-like that the callee's code received
// in a general register (ValueModel::entry_dwarf_reg; GPRs are DWARF 0-15,
// [S390ABI] "DWARF Definition"): it has a member BTF and DWARF omit, such as
// a zero-width bit-field (`struct { float a; int : 0; }`, docs/abi.md
// "Bit-fields"), so it is a simple_arg. No float-like struct ever arrives in a
// GPR, so the compiler's own location settles it.
ArgClass arg_class(const ValueModel& v, std::string_view func, size_t i) {
  const ArgClass c = classify_arg(v.t(), func, i);
  constexpr int kLastDwarfGpr = 15;
  if (c == ArgClass::fpr && v.t().kind == ValueKind::struct_ && v.entry_dwarf_reg >= 0 &&
      v.entry_dwarf_reg <= kLastDwarfGpr)
    return ArgClass::gpr;
  return c;
}

}  // namespace

CallLayout place_psabi(const FuncModel& m) {
  CallLayout L;
  L.arch = Arch::s390x;
  L.policy = Policy::psabi;

  // initialize: "Set fr=0, gr=2, ... and starg to the address of the parameter area."
  abi::RegSeq gr(kArgGprs);
  abi::RegSeq fr(kArgFprs);
  abi::StackArea starg(kStackArgsBase);

  L.ret = place_return(m.ret.t(), m.name);
  if (L.ret.kind == RetLayout::Kind::memory) gr.take(1);  // return_parameter: gr=3

  L.args.reserve(m.args.size());
  for (size_t i = 0; i < m.args.size(); ++i) {
    const TypeFacts& t = m.args[i].t();
    ArgLayout a;
    a.size = t.size;
    switch (arg_class(m.args[i], m.name, i)) {
      case ArgClass::fpr: {
        // double_or_float: "If fr>6, ... go to more. Otherwise, load the
        // argument value left-aligned into floating-point register fr, set fr
        // to fr+2". The FPR and GPR counters are independent.
        const auto r = fr.take(1);
        a.parts.push_back(r.empty() ? stack_slot_part(starg, t.size)
                                    : ArgPart{Location::fpr(r[0]), 0, t.size, 0});
        break;
      }
      case ArgClass::gpr: {
        // simple_arg: "If gr>6, go to more. Otherwise load the argument value
        // (now 64 bits wide) into general register gr". Integers are sign- or
        // zero-extended; 1/2/4-byte structs get "padding bytes ... on the
        // left": either way the value is the register's low-order end.
        a.ext = extension_of(t);
        const auto r = gr.take(1);
        a.parts.push_back(r.empty() ? stack_slot_part(starg, t.size)
                                    : ArgPart{Location::gpr(r[0]), 0, t.size, 8 - t.size});
        break;
      }
      case ArgClass::by_ref: {
        // "Replace such an argument by a pointer to the object, or to a copy
        // where necessary to enforce call-by-value semantics." The pointer is
        // then a simple_arg (GPR, else a slot).
        a.by_ref = true;
        a.ext = Extension::zero;
        const auto r = gr.take(1);
        a.parts.push_back(r.empty() ? stack_slot_part(starg, 8)
                                    : ArgPart{Location::gpr(r[0]), 0, 8, 0});
        break;
      }
    }
    L.args.push_back(std::move(a));
  }
  L.stack_size = starg.used();
  abi::assign_ctx_slots(L);
  return L;
}

}  // namespace xtramp::s390x
