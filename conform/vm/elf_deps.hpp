// What a dynamically linked binary needs to start in a guest that has
// nothing else: its ELF interpreter (PT_INTERP) and, transitively, the
// shared libraries its DT_NEEDED entries name, found in the arch's library
// directories of this host (guest_arch.hpp).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/arch.hpp"

namespace xtramp::vm {

struct ElfDeps {
  uint16_t machine = 0;          // e_machine
  std::string interpreter;       // PT_INTERP as the binary names it ("" when static)
  std::string interpreter_host;  // where it is on this host
  struct Library {
    std::string name;  // as DT_NEEDED names it (the soname)
    std::string host;  // the file on this host
  };
  std::vector<Library> libraries;  // every needed library, transitively
};

// Throws Error(io) naming the binary when it is not a readable ELF file,
// Error(bad_request) when it is not a binary of `a` (naming both arches), and
// Error(not_found) naming the library and the directories searched.
ElfDeps elf_deps(const std::string& binary, Arch a);

}  // namespace xtramp::vm
