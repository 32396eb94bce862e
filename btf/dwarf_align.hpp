// DWARF side of the frontend: finds a function's parameter type DIEs and reads
// the alignment facts BTF cannot carry (DW_AT_alignment on types and members).
// Relocations of ET_REL objects are applied through libdwfl's offline mode.
#pragma once

#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace xtramp::btf {

// DW_AT_alignment of `die`, or 0 when absent.
uint32_t dw_alignment(Dwarf_Die* die);
// The DIE named by DW_AT_type, if any.
std::optional<Dwarf_Die> dw_type(Dwarf_Die* die);
// Skips typedef/const/volatile/restrict/atomic DIEs. When `typedef_align` is
// given it receives the largest DW_AT_alignment seen on the skipped DIEs.
std::optional<Dwarf_Die> dw_strip(Dwarf_Die die, uint32_t* typedef_align);
// DW_TAG_member children, in order.
std::vector<Dwarf_Die> dw_members(Dwarf_Die* die);

// Where DWARF may come from besides the ELF itself.
enum class DebugLookup {
  // Only the ELF's own sections. For bytes given in memory: what they say must
  // not make the frontend open other files (a .gnu_debuglink name is resolved
  // against the memfd's directory, /proc/self/fd, i.e. the process's other
  // descriptors). DWARF that refers to a .gnu_debugaltlink file is not used.
  self_only,
  // libdwfl's standard search: .gnu_debuglink beside the file and under
  // /usr/lib/debug, build-id files, .gnu_debugaltlink (how distributions ship
  // debug info). For files the user names.
  standard,
};

class DwarfIndex {
 public:
  // nullptr when the file has no usable DWARF (not an error: BTF alone works).
  static std::unique_ptr<DwarfIndex> open(const std::string& path, DebugLookup lookup);
  ~DwarfIndex();

  // Type DIEs of the parameters and return of `func`; nullopt when the
  // function is not described or its parameter count differs from `nparams`.
  struct Proto {
    std::vector<Dwarf_Die> params;
    std::optional<Dwarf_Die> ret;  // nullopt for void
    // Per parameter: the register its location names at the entry pc
    // (DW_OP_reg0..31, DW_OP_regx), else -1 (ValueModel::entry_dwarf_reg).
    std::vector<int> entry_regs;
  };
  std::optional<Proto> proto(std::string_view func, size_t nparams);

 private:
  DwarfIndex() = default;
  void build_index();
  ::Dwfl* dwfl_ = nullptr;
  Dwarf* dwarf_ = nullptr;
  bool indexed_ = false;
  std::unordered_map<std::string, std::vector<Dwarf_Off>> subprograms_;
};

}  // namespace xtramp::btf
