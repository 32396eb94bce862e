#include "btf/dwarf_align.hpp"

#include <dwarf.h>
#include <elfutils/libdwelf.h>
#include <elfutils/libdwfl.h>

namespace xtramp::btf {

uint32_t dw_alignment(Dwarf_Die* die) {
  Dwarf_Attribute attr;
  Dwarf_Word value = 0;
  if (dwarf_attr(die, DW_AT_alignment, &attr) == nullptr) return 0;
  if (dwarf_formudata(&attr, &value) != 0 || value > (1u << 16)) return 0;
  return static_cast<uint32_t>(value);
}

std::optional<Dwarf_Die> dw_type(Dwarf_Die* die) {
  Dwarf_Attribute attr;
  Dwarf_Die out;
  if (dwarf_attr_integrate(die, DW_AT_type, &attr) == nullptr) return std::nullopt;
  if (dwarf_formref_die(&attr, &out) == nullptr) return std::nullopt;
  return out;
}

std::optional<Dwarf_Die> dw_strip(Dwarf_Die die, uint32_t* typedef_align) {
  for (int hops = 0; hops < 32; ++hops) {
    switch (dwarf_tag(&die)) {
      case DW_TAG_typedef:
      case DW_TAG_const_type:
      case DW_TAG_volatile_type:
      case DW_TAG_restrict_type:
      case DW_TAG_atomic_type: {
        if (typedef_align != nullptr) *typedef_align = std::max(*typedef_align, dw_alignment(&die));
        auto next = dw_type(&die);
        if (!next) return std::nullopt;  // e.g. `const void`
        die = *next;
        break;
      }
      default:
        return die;
    }
  }
  return std::nullopt;
}

std::vector<Dwarf_Die> dw_members(Dwarf_Die* die) {
  std::vector<Dwarf_Die> out;
  Dwarf_Die child;
  if (dwarf_child(die, &child) != 0) return out;
  do {
    if (dwarf_tag(&child) == DW_TAG_member) out.push_back(child);
  } while (dwarf_siblingof(&child, &child) == 0);
  return out;
}

namespace {

const Dwfl_Callbacks kStandardCallbacks = {
    .find_elf = dwfl_build_id_find_elf,
    .find_debuginfo = dwfl_standard_find_debuginfo,
    .section_address = dwfl_offline_section_address,
    .debuginfo_path = nullptr,
};

// find_debuginfo for DebugLookup::self_only: there is no separate file.
int no_separate_debuginfo(Dwfl_Module*, void**, const char*, Dwarf_Addr, const char*, const char*,
                          GElf_Word, char**) {
  return -1;
}

const Dwfl_Callbacks kSelfOnlyCallbacks = {
    .find_elf = dwfl_build_id_find_elf,
    .find_debuginfo = no_separate_debuginfo,
    .section_address = dwfl_offline_section_address,
    .debuginfo_path = nullptr,
};

}  // namespace

std::unique_ptr<DwarfIndex> DwarfIndex::open(const std::string& path, DebugLookup lookup) {
  std::unique_ptr<DwarfIndex> idx(new DwarfIndex());
  idx->dwfl_ =
      dwfl_begin(lookup == DebugLookup::self_only ? &kSelfOnlyCallbacks : &kStandardCallbacks);
  if (idx->dwfl_ == nullptr) return nullptr;
  Dwfl_Module* mod = dwfl_report_offline(idx->dwfl_, "", path.c_str(), -1);
  if (mod == nullptr || dwfl_report_end(idx->dwfl_, nullptr, nullptr) != 0) return nullptr;
  Dwarf_Addr bias = 0;
  idx->dwarf_ = dwfl_module_getdwarf(mod, &bias);
  if (idx->dwarf_ == nullptr) return nullptr;
  if (lookup == DebugLookup::self_only) {
    // libdw would look for the alt file (by the path the section names, then
    // by build-id) the first time a DIE refers into it.
    const char* alt_name = nullptr;
    const void* alt_build_id = nullptr;
    if (dwelf_dwarf_gnu_debugaltlink(idx->dwarf_, &alt_name, &alt_build_id) != 0) return nullptr;
  }
  return idx;
}

DwarfIndex::~DwarfIndex() {
  if (dwfl_ != nullptr) dwfl_end(dwfl_);
}

void DwarfIndex::build_index() {
  indexed_ = true;
  Dwarf_Off off = 0, next = 0;
  size_t header_size = 0;
  while (dwarf_nextcu(dwarf_, off, &next, &header_size, nullptr, nullptr, nullptr) == 0) {
    Dwarf_Die cu, child;
    if (dwarf_offdie(dwarf_, off + header_size, &cu) != nullptr && dwarf_child(&cu, &child) == 0) {
      do {
        if (dwarf_tag(&child) != DW_TAG_subprogram) continue;
        const char* name = dwarf_diename(&child);
        if (name != nullptr) subprograms_[name].push_back(dwarf_dieoffset(&child));
      } while (dwarf_siblingof(&child, &child) == 0);
    }
    off = next;
  }
}

namespace {

// The register a parameter's DW_AT_location names at `pc` (a location list's
// entry covering it, or a single expression): DWARF 5 §2.6.1.1.3 "Register
// Location Descriptions". -1 for anything else (memory, pieces, nothing).
int entry_register(Dwarf_Die* param, Dwarf_Addr pc) {
  Dwarf_Attribute loc;
  if (dwarf_attr(param, DW_AT_location, &loc) == nullptr) return -1;
  Dwarf_Op* expr = nullptr;
  size_t len = 0;
  if (dwarf_getlocation_addr(&loc, pc, &expr, &len, 1) != 1 || len != 1) return -1;
  if (expr[0].atom >= DW_OP_reg0 && expr[0].atom <= DW_OP_reg31) return expr[0].atom - DW_OP_reg0;
  if (expr[0].atom == DW_OP_regx) return static_cast<int>(expr[0].number);
  return -1;
}

}  // namespace

std::optional<DwarfIndex::Proto> DwarfIndex::proto(std::string_view func, size_t nparams) {
  if (!indexed_) build_index();
  auto it = subprograms_.find(std::string(func));
  if (it == subprograms_.end()) return std::nullopt;
  for (Dwarf_Off off : it->second) {
    Dwarf_Die sp, child;
    if (dwarf_offdie(dwarf_, off, &sp) == nullptr) continue;
    Proto p;
    bool ok = true;
    Dwarf_Addr entry = 0;
    const bool defined = dwarf_entrypc(&sp, &entry) == 0;
    if (dwarf_child(&sp, &child) == 0) {
      do {
        if (dwarf_tag(&child) != DW_TAG_formal_parameter) continue;
        auto t = dw_type(&child);
        if (!t) {
          ok = false;
          break;
        }
        p.params.push_back(*t);
        p.entry_regs.push_back(defined ? entry_register(&child, entry) : -1);
      } while (dwarf_siblingof(&child, &child) == 0);
    }
    if (!ok || p.params.size() != nparams) continue;
    p.ret = dw_type(&sp);
    return p;
  }
  return std::nullopt;
}

}  // namespace xtramp::btf
