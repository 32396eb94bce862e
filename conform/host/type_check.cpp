#include "conform/host/type_check.hpp"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>

#include <memory>
#include <optional>
#include <set>

#include "btf/dwarf_only.hpp"
#include "common/error.hpp"

namespace xtramp::conform {
namespace {

const Dwfl_Callbacks kCallbacks = {
    .find_elf = dwfl_build_id_find_elf,
    .find_debuginfo = dwfl_standard_find_debuginfo,
    .section_address = dwfl_offline_section_address,
    .debuginfo_path = nullptr,
};

std::optional<Dwarf_Die> type_of(Dwarf_Die* die) {
  Dwarf_Attribute attr;
  Dwarf_Die out;
  if (dwarf_attr_integrate(die, DW_AT_type, &attr) == nullptr) return std::nullopt;
  if (dwarf_formref_die(&attr, &out) == nullptr) return std::nullopt;
  return out;
}

Dwarf_Word udata(Dwarf_Die* die, unsigned at) {
  Dwarf_Attribute attr;
  Dwarf_Word v = 0;
  if (dwarf_attr_integrate(die, at, &attr) == nullptr || dwarf_formudata(&attr, &v) != 0) return 0;
  return v;
}

std::string name_of(Dwarf_Die* die) {
  const char* n = dwarf_diename(die);
  return n != nullptr ? n : "";
}

// Why the type `die` (a parameter's, a return's or a member's) cannot be
// modelled, "" if it can. `spelled` is the name it had at the use (a
// typedef's), for the message.
std::string problem(Dwarf_Die die, int depth) {
  // A parameter or return value BtfFile reads from DWARF (GCC's BTF says void).
  if (depth == 0 && btf::dwarf_only_type(die)) return "";
  std::string typedef_name;
  for (int hops = 0; hops < 64; ++hops) {
    const int tag = dwarf_tag(&die);
    if (tag != DW_TAG_typedef && tag != DW_TAG_const_type && tag != DW_TAG_volatile_type &&
        tag != DW_TAG_restrict_type && tag != DW_TAG_atomic_type)
      break;
    if (tag == DW_TAG_typedef && typedef_name.empty()) typedef_name = name_of(&die);
    auto next = type_of(&die);
    if (!next) return "";  // const void
    die = *next;
  }
  const auto named = [&](const std::string& what) {
    return typedef_name.empty() || typedef_name == what ? what : typedef_name + " = " + what;
  };
  switch (dwarf_tag(&die)) {
    case DW_TAG_base_type: {
      const std::string n = name_of(&die);
      const Dwarf_Word size = udata(&die, DW_AT_byte_size);
      Dwarf_Attribute a;
      if (dwarf_attr(&die, DW_AT_bit_size, &a) != nullptr)
        return named(n) + ": a bit-precise integer; xtramp does not model _BitInt";
      switch (udata(&die, DW_AT_encoding)) {
        case DW_ATE_complex_float:
          if (n == "complex float" || n == "complex double" || n == "complex long double")
            return "";
          return named(n) +
                 ": a complex number; xtramp models _Complex float, double and long "
                 "double only";
        case DW_ATE_decimal_float:
          return named(n) + ": a decimal float; xtramp does not model _Decimal types";
        case DW_ATE_float:
          if (size == 4 || size == 8 || (size == 16 && n == "long double")) return "";
          // _Float16 as a member: the BTF layout lacks it (see above).
          if (size == 2)
            return named(n) +
                   ": a 2-byte float as a member; xtramp models _Float16 only as "
                   "a parameter or return value";
          return named(n) + ": a " + std::to_string(size) +
                 "-byte float; xtramp models float, double and long double only";
        case DW_ATE_signed:
        case DW_ATE_unsigned:
        case DW_ATE_signed_char:
        case DW_ATE_unsigned_char:
        case DW_ATE_boolean:
        case DW_ATE_UTF:
          return "";
        default:
          return named(n) + ": a base type of DWARF encoding " +
                 std::to_string(udata(&die, DW_AT_encoding)) + "; xtramp does not model it";
      }
    }
    case DW_TAG_array_type: {
      Dwarf_Attribute a;
      if (dwarf_attr(&die, DW_AT_GNU_vector, &a) != nullptr)
        return named("a GCC vector type") +
               ": xtramp models vector types of 8, 16 or 32 bytes as a parameter or return value "
               "only";
      if (auto el = type_of(&die); el && depth < 16) return problem(*el, depth + 1);
      return "";
    }
    case DW_TAG_structure_type:
    case DW_TAG_union_type: {
      if (depth >= 16) return "";
      Dwarf_Die child;
      if (dwarf_child(&die, &child) != 0) return "";
      do {
        if (dwarf_tag(&child) != DW_TAG_member) continue;
        auto t = type_of(&child);
        if (!t) continue;
        if (std::string why = problem(*t, depth + 1); !why.empty()) {
          const std::string agg =
              (dwarf_tag(&die) == DW_TAG_structure_type ? "struct " : "union ") + name_of(&die);
          return named(agg) + ", member " + name_of(&child) + ": " + why;
        }
      } while (dwarf_siblingof(&child, &child) == 0);
      return "";
    }
    default:
      return "";  // pointers, enums, ...
  }
}

// The function type a probe variable points to.
std::optional<Dwarf_Die> probed_function_type(Dwarf_Die* var) {
  auto t = type_of(var);
  for (int hops = 0; t && hops < 16; ++hops) {
    const int tag = dwarf_tag(&*t);
    if (tag == DW_TAG_subroutine_type) return t;
    if (tag != DW_TAG_pointer_type && tag != DW_TAG_typedef && tag != DW_TAG_const_type &&
        tag != DW_TAG_volatile_type)
      return std::nullopt;
    t = type_of(&*t);
  }
  return std::nullopt;
}

std::string function_problem(Dwarf_Die* fn_type) {
  if (auto r = type_of(fn_type))
    if (std::string why = problem(*r, 0); !why.empty()) return "the return value " + why;
  Dwarf_Die child;
  if (dwarf_child(fn_type, &child) != 0) return "";
  unsigned i = 0;
  do {
    if (dwarf_tag(&child) != DW_TAG_formal_parameter) continue;
    if (auto t = type_of(&child))
      if (std::string why = problem(*t, 0); !why.empty())
        return "argument " + std::to_string(i) + " " + why;
    ++i;
  } while (dwarf_siblingof(&child, &child) == 0);
  return "";
}

}  // namespace

namespace {

// Calls `fn(name, function type DIE)` for each probe variable of `functions`.
template <typename Fn>
void for_each_probed(const std::string& object, const std::vector<std::string>& functions, Fn fn) {
  std::unique_ptr<Dwfl, void (*)(Dwfl*)> dwfl(dwfl_begin(&kCallbacks), dwfl_end);
  if (!dwfl) throw Error(Errc::malformed_btf, "dwfl_begin failed");
  Dwfl_Module* mod = dwfl_report_offline(dwfl.get(), "", object.c_str(), -1);
  Dwarf_Addr bias = 0;
  Dwarf* dw = mod != nullptr && dwfl_report_end(dwfl.get(), nullptr, nullptr) == 0
                  ? dwfl_module_getdwarf(mod, &bias)
                  : nullptr;
  if (dw == nullptr) throw Error(Errc::malformed_btf, object + ": no DWARF");
  const std::set<std::string> wanted(functions.begin(), functions.end());
  Dwarf_Off off = 0, next = 0;
  size_t header_size = 0;
  while (dwarf_nextcu(dw, off, &next, &header_size, nullptr, nullptr, nullptr) == 0) {
    Dwarf_Die cu, child;
    if (dwarf_offdie(dw, off + header_size, &cu) != nullptr && dwarf_child(&cu, &child) == 0) {
      do {
        if (dwarf_tag(&child) != DW_TAG_variable) continue;
        const std::string var = name_of(&child);
        if (!var.starts_with("xt_probe_") || !wanted.count(var.substr(9))) continue;
        if (auto ft = probed_function_type(&child)) fn(var.substr(9), &*ft);
      } while (dwarf_siblingof(&child, &child) == 0);
    }
    off = next;
  }
}

}  // namespace

std::map<std::string, std::string> unmodelled_types(const std::string& object,
                                                    const std::vector<std::string>& functions) {
  std::map<std::string, std::string> out;
  for_each_probed(object, functions, [&](const std::string& name, Dwarf_Die* ft) {
    if (std::string why = function_problem(ft); !why.empty()) out[name] = why;
  });
  return out;
}

std::map<std::string, std::map<unsigned, std::string>> dwarf_only_spellings(
    const std::string& object, const std::vector<std::string>& functions) {
  std::map<std::string, std::map<unsigned, std::string>> out;
  for_each_probed(object, functions, [&](const std::string& name, Dwarf_Die* ft) {
    std::map<unsigned, std::string> at;
    unsigned i = 0;
    Dwarf_Die child;
    if (dwarf_child(ft, &child) == 0) {
      do {
        if (dwarf_tag(&child) != DW_TAG_formal_parameter) continue;
        if (auto t = type_of(&child))
          if (auto d = btf::dwarf_only_type(*t)) at[i] = d->spelling;
        ++i;
      } while (dwarf_siblingof(&child, &child) == 0);
    }
    if (auto r = type_of(ft))
      if (auto d = btf::dwarf_only_type(*r)) at[i] = d->spelling;
    if (!at.empty()) out[name] = std::move(at);
  });
  return out;
}

}  // namespace xtramp::conform
