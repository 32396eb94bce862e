#include "conform/vm/elf_deps.hpp"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <set>
#include <string>

#include "common/error.hpp"
#include "conform/vm/guest_arch.hpp"

namespace xtramp::vm {

namespace {

struct ElfInfo {
  uint16_t machine = 0;
  std::string interp;
  std::vector<std::string> needed;
};

ElfInfo read_elf(const std::string& path) {
  elf_version(EV_CURRENT);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(Errc::io, "cannot open " + path);
  Elf* e = elf_begin(fd, ELF_C_READ, nullptr);
  ElfInfo info;
  GElf_Ehdr eh;
  if (e == nullptr || elf_kind(e) != ELF_K_ELF || gelf_getehdr(e, &eh) == nullptr) {
    if (e != nullptr) elf_end(e);
    ::close(fd);
    throw Error(Errc::io, path + " is not an ELF file");
  }
  info.machine = eh.e_machine;
  size_t nph = 0;
  elf_getphdrnum(e, &nph);
  for (size_t i = 0; i < nph; ++i) {
    GElf_Phdr ph;
    if (gelf_getphdr(e, static_cast<int>(i), &ph) == nullptr || ph.p_type != PT_INTERP) continue;
    size_t size = 0;
    const char* raw = elf_rawfile(e, &size);
    if (raw != nullptr && ph.p_offset + ph.p_filesz <= size && ph.p_filesz > 0)
      info.interp.assign(raw + ph.p_offset, strnlen(raw + ph.p_offset, ph.p_filesz));
  }
  for (Elf_Scn* s = elf_nextscn(e, nullptr); s != nullptr; s = elf_nextscn(e, s)) {
    GElf_Shdr sh;
    if (gelf_getshdr(s, &sh) == nullptr || sh.sh_type != SHT_DYNAMIC) continue;
    Elf_Data* d = elf_getdata(s, nullptr);
    if (d == nullptr || sh.sh_entsize == 0) continue;
    for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; ++i) {
      GElf_Dyn dyn;
      if (gelf_getdyn(d, static_cast<int>(i), &dyn) == nullptr) break;
      if (dyn.d_tag != DT_NEEDED) continue;
      const char* name = elf_strptr(e, sh.sh_link, dyn.d_un.d_val);
      if (name != nullptr) info.needed.emplace_back(name);
    }
  }
  elf_end(e);
  ::close(fd);
  return info;
}

std::string find_library(const std::string& name, const std::vector<std::string>& dirs) {
  for (const std::string& d : dirs) {
    const std::string p = d + "/" + name;
    if (::access(p.c_str(), R_OK) == 0) return std::filesystem::canonical(p).string();
  }
  return {};
}

std::string dirs_text(const std::vector<std::string>& dirs) {
  std::string s;
  for (const std::string& d : dirs) s += (s.empty() ? "" : ", ") + d;
  return s;
}

}  // namespace

ElfDeps elf_deps(const std::string& binary, Arch a) {
  const ElfInfo top = read_elf(binary);
  const GuestArch& g = guest_arch(a);
  if (top.machine != g.elf_machine)
    throw Error(Errc::bad_request, binary + " is not an " + std::string(arch_name(a)) +
                                       " binary (ELF machine " + std::to_string(top.machine) +
                                       ", " + std::string(arch_name(a)) + " is " +
                                       std::to_string(g.elf_machine) + ")");
  ElfDeps out;
  out.machine = top.machine;
  out.interpreter = top.interp;
  const std::vector<std::string> dirs = library_dirs(a);
  if (!top.interp.empty()) {
    const std::string base = std::filesystem::path(top.interp).filename().string();
    out.interpreter_host = find_library(base, dirs);
    if (out.interpreter_host.empty())
      throw Error(Errc::not_found,
                  binary + ": its ELF interpreter " + top.interp + " is not in " + dirs_text(dirs));
  }
  std::set<std::string> seen;
  std::vector<std::pair<std::string, std::vector<std::string>>> todo = {{binary, top.needed}};
  while (!todo.empty()) {
    auto [who, needed] = std::move(todo.back());
    todo.pop_back();
    for (const std::string& n : needed) {
      if (!seen.insert(n).second) continue;
      const std::string p = find_library(n, dirs);
      if (p.empty())
        throw Error(Errc::not_found, who + " needs " + n + ", which is not in " + dirs_text(dirs));
      out.libraries.push_back({n, p});
      todo.emplace_back(p, read_elf(p).needed);
    }
  }
  return out;
}

}  // namespace xtramp::vm
