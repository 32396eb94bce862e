#include "btf/btf_file.hpp"

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <elf.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "btf/btf_bytes.hpp"
#include "btf/dwarf_align.hpp"
#include "btf/kernel_distill.hpp"
#include "btf/type_facts.hpp"
#include "btf/unsupported.hpp"
#include "common/error.hpp"
#include "common/target.hpp"

namespace xtramp::btf {

namespace {

// libbpf reports parse problems on stderr through a global callback; the
// frontend reports them as Errors instead, so it is silenced while we parse.
int quiet(enum libbpf_print_level, const char*, va_list) {
  return 0;
}

struct QuietLibbpf {
  libbpf_print_fn_t old = libbpf_set_print(quiet);
  ~QuietLibbpf() { libbpf_set_print(old); }
};

struct ElfIdent {
  bool is_elf = false;
  std::optional<Arch> machine;
  uint16_t e_machine = 0;
};

// Reads e_ident and e_machine (in the file's own byte order).
ElfIdent read_elf_ident(const uint8_t* p, size_t n) {
  ElfIdent id;
  if (n < sizeof(Elf64_Ehdr) || std::memcmp(p, ELFMAG, SELFMAG) != 0) return id;
  id.is_elf = true;
  const bool big = p[EI_DATA] == ELFDATA2MSB;
  id.e_machine =
      big ? static_cast<uint16_t>(p[18] << 8 | p[19]) : static_cast<uint16_t>(p[19] << 8 | p[18]);
  if (const TargetDesc* t = target_of_elf_machine(id.e_machine)) id.machine = t->arch;
  return id;
}

ElfIdent read_elf_ident(const std::string& path) {
  uint8_t buf[sizeof(Elf64_Ehdr)] = {};
  std::ifstream in(path, std::ios::binary);
  in.read(reinterpret_cast<char*>(buf), sizeof buf);
  return read_elf_ident(buf, static_cast<size_t>(in.gcount()));
}

[[noreturn]] void fail_parse(const std::string& path, int err) {
  if (err == ENOENT || err == EACCES || err == EISDIR || err == EPERM)
    throw Error(Errc::io, "cannot read BTF from '" + path + "': " + std::strerror(err));
  char why[128] = "";
  libbpf_strerror(err, why, sizeof why);  // libbpf's own codes (4000+) too
  throw Error(Errc::malformed_btf, "malformed BTF in '" + path + "': " + why);
}

// libbpf 1.1 copies a .BTF / .BTF.ext section without checking that it has
// bytes in the file (SHT_NOBITS gives a NULL buffer: SIGSEGV). Check first.
void check_btf_sections(const std::string& path, const std::string& shown) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;  // libbpf reports the open error itself
  elf_version(EV_CURRENT);
  Elf* elf = elf_begin(fd, ELF_C_READ, nullptr);
  std::string problem;
  size_t shstrndx = 0;
  if (elf != nullptr && elf_getshdrstrndx(elf, &shstrndx) == 0) {
    for (Elf_Scn* scn = elf_nextscn(elf, nullptr); scn != nullptr && problem.empty();
         scn = elf_nextscn(elf, scn)) {
      GElf_Shdr sh;
      if (gelf_getshdr(scn, &sh) == nullptr) continue;
      const char* name = elf_strptr(elf, shstrndx, sh.sh_name);
      if (name == nullptr || (std::strcmp(name, ".BTF") != 0 && std::strcmp(name, ".BTF.ext") != 0))
        continue;
      Elf_Data* data = sh.sh_type == SHT_NOBITS ? nullptr : elf_getdata(scn, nullptr);
      if (data == nullptr || (data->d_size > 0 && data->d_buf == nullptr))
        problem = std::string(name) + " section has no data in the file";
    }
  }
  if (elf != nullptr) elf_end(elf);
  ::close(fd);
  if (!problem.empty())
    throw Error(Errc::malformed_btf, "malformed BTF in '" + shown + "': " + problem);
}

// The BTF bytes of `path`: its .BTF section when it is ELF, else the whole
// file. Empty when unreadable (libbpf then reports why).
std::vector<uint8_t> btf_bytes(const std::string& path, bool is_elf) {
  std::vector<uint8_t> out;
  if (!is_elf) {
    std::ifstream in(path, std::ios::binary);
    out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    return out;
  }
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return out;
  elf_version(EV_CURRENT);
  Elf* elf = elf_begin(fd, ELF_C_READ, nullptr);
  size_t shstrndx = 0;
  if (elf != nullptr && elf_getshdrstrndx(elf, &shstrndx) == 0) {
    for (Elf_Scn* scn = elf_nextscn(elf, nullptr); scn != nullptr; scn = elf_nextscn(elf, scn)) {
      GElf_Shdr sh;
      if (gelf_getshdr(scn, &sh) == nullptr || sh.sh_type == SHT_NOBITS) continue;
      const char* name = elf_strptr(elf, shstrndx, sh.sh_name);
      if (name == nullptr || std::strcmp(name, ".BTF") != 0) continue;
      Elf_Data* data = elf_rawdata(scn, nullptr);
      if (data != nullptr && data->d_buf != nullptr) {
        const auto* b = static_cast<const uint8_t*>(data->d_buf);
        out.assign(b, b + data->d_size);
      }
      break;
    }
  }
  if (elf != nullptr) elf_end(elf);
  ::close(fd);
  return out;
}

// btf__parse / btf__parse_split, except that BTF in the other byte order is
// swapped here first (btf_bytes.hpp: libbpf 1.1 refuses Linux 7.x's
// non-native module BTF); the result still reports its own byte order.
struct btf* parse_btf(const std::string& path, bool is_elf, struct btf* base) {
  // Only BTF that starts with the swapped magic takes the copy (raw files are
  // peeked first: /sys/kernel/btf/vmlinux is megabytes).
  const uint16_t swapped = 0x9feb;  // BTF_MAGIC (0xeb9f) in the other byte order
  std::vector<uint8_t> raw;
  if (!is_elf) {
    uint16_t m = 0;
    std::ifstream in(path, std::ios::binary);
    in.read(reinterpret_cast<char*>(&m), 2);
    if (in.gcount() == 2 && m == swapped) raw = btf_bytes(path, false);
  } else {
    raw = btf_bytes(path, true);
  }
  std::optional<std::vector<uint8_t>> host;
  uint16_t magic = 0;
  if (raw.size() >= 2) std::memcpy(&magic, raw.data(), 2);
  if (magic == swapped) {
    try {
      host = host_order_btf(raw);
    } catch (const Error& e) {
      throw Error(Errc::malformed_btf, "malformed BTF in '" + path + "': " + e.what());
    }
  }
  if (!host)
    return base != nullptr ? btf__parse_split(path.c_str(), base)
                           : btf__parse(path.c_str(), nullptr);
  // Parsed from a memfd: libbpf 1.1.2's shared library does not export
  // btf__new_split (btf.h declares it; libbpf.map at v1.1.0 does not list it).
  const int fd = memfd_create("xtramp-btf", MFD_CLOEXEC);
  if (fd < 0) throw Error(Errc::io, std::string("memfd_create: ") + std::strerror(errno));
  size_t done = 0;
  while (done < host->size()) {
    const ssize_t n = write(fd, host->data() + done, host->size() - done);
    if (n <= 0) {
      const int e = errno;
      close(fd);
      throw Error(Errc::io, std::string("memfd write: ") + std::strerror(e));
    }
    done += static_cast<size_t>(n);
  }
  const std::string fdpath = "/proc/self/fd/" + std::to_string(fd);
  struct btf* b = btf__parse_raw_split(fdpath.c_str(), base);
  const int parse_errno = errno;
  close(fd);
  errno = parse_errno;
  if (b == nullptr) return nullptr;
  const bool host_big = arch_endian(host_arch()) == Endian::big;
  btf__set_endianness(b, host_big ? BTF_LITTLE_ENDIAN : BTF_BIG_ENDIAN);
  if (btf__pointer_size(b) == 0) btf__set_pointer_size(b, 8);  // every xtramp arch is 64-bit
  return b;
}

}  // namespace

struct BtfFile::Impl {
  std::string path;
  struct btf* btf = nullptr;
  struct btf* base = nullptr;
  Arch target{};
  std::unique_ptr<DwarfIndex> dwarf;
  std::unique_ptr<TypeAnalyzer> analyzer;
  int memfd = -1;

  ~Impl() {
    btf__free(btf);
    btf__free(base);
    if (memfd >= 0) close(memfd);
  }

  uint32_t first_id() const { return base != nullptr ? btf__type_cnt(base) : 1; }

  const struct btf_type* func_type(uint32_t id) const {
    const struct btf_type* t = btf__type_by_id(btf, id);
    if (t == nullptr || !btf_is_func(t))
      throw Error(Errc::not_function,
                  "BTF id " + std::to_string(id) + " in '" + path + "' is not a function");
    return t;
  }
  std::string name_of(const struct btf_type* t) const {
    const char* n = btf__name_by_offset(btf, t->name_off);
    return n != nullptr ? n : "";
  }
};

BtfFile::BtfFile(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
BtfFile::BtfFile(BtfFile&&) noexcept = default;
BtfFile& BtfFile::operator=(BtfFile&&) noexcept = default;
BtfFile::~BtfFile() = default;

namespace {

// The target of a BTF: explicit > ELF machine > byte order (raw BTF) > host.
Arch pick_target(const std::optional<Arch>& requested, const ElfIdent& elf, const struct btf* btf,
                 const std::string& path) {
  if (requested) return *requested;
  if (elf.is_elf) {
    if (elf.machine) return *elf.machine;
    throw Error(Errc::bad_request, "'" + path + "' is an ELF file for machine " +
                                       std::to_string(elf.e_machine) +
                                       ", which xtramp does not know; pass the target explicitly");
  }
  // Raw BTF: the host when its byte order matches, else the first target of it.
  const Endian order = btf__endianness(btf) == BTF_BIG_ENDIAN ? Endian::big : Endian::little;
  if (arch_endian(host_arch()) == order) return host_arch();
  for (const TargetDesc* t : targets())
    if (t->endian == order) return t->arch;
  throw Error(Errc::bad_request, "'" + path + "': no known target has its byte order");
}

}  // namespace

BtfFile BtfFile::open(const OpenOptions& opts) {
  auto impl = std::make_unique<Impl>();
  impl->path = opts.path.empty() ? kVmlinuxPath : opts.path;
  QuietLibbpf quiet_guard;
  if (!opts.base_path.empty()) {
    const bool base_elf = read_elf_ident(opts.base_path).is_elf;
    if (base_elf) check_btf_sections(opts.base_path, opts.base_path);
    impl->base = parse_btf(opts.base_path, base_elf, nullptr);
    if (impl->base == nullptr) fail_parse(opts.base_path, errno);
  }
  const ElfIdent elf = read_elf_ident(impl->path);
  if (elf.is_elf) check_btf_sections(impl->path, impl->path);
  impl->btf = parse_btf(impl->path, elf.is_elf, impl->base);
  if (impl->btf == nullptr) fail_parse(impl->path, errno);

  impl->target = pick_target(opts.target, elf, impl->btf, impl->path);
  if (elf.is_elf && opts.use_dwarf)
    impl->dwarf = DwarfIndex::open(impl->path, DebugLookup::standard);
  impl->analyzer = std::make_unique<TypeAnalyzer>(impl->btf, impl->target);
  return BtfFile(std::move(impl));
}

BtfFile BtfFile::from_bytes(std::span<const uint8_t> bytes, std::optional<Arch> target) {
  auto impl = std::make_unique<Impl>();
  impl->path = "<memory>";
  QuietLibbpf quiet_guard;
  const ElfIdent elf = read_elf_ident(bytes.data(), bytes.size());
  if (!elf.is_elf) {
    if (bytes.size() > UINT32_MAX)
      throw Error(Errc::malformed_btf, "malformed BTF in '<memory>': too large");
    impl->btf = btf__new(bytes.data(), static_cast<uint32_t>(bytes.size()));
    if (impl->btf == nullptr) fail_parse(impl->path, errno);
  } else {
    // libbpf and libdw read ELF from a path: give them an anonymous file.
    impl->memfd = memfd_create("xtramp-btf", MFD_CLOEXEC);
    if (impl->memfd < 0)
      throw Error(Errc::io, std::string("memfd_create: ") + std::strerror(errno));
    size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = write(impl->memfd, bytes.data() + done, bytes.size() - done);
      if (n <= 0) throw Error(Errc::io, std::string("memfd write: ") + std::strerror(errno));
      done += static_cast<size_t>(n);
    }
    const std::string fdpath = "/proc/self/fd/" + std::to_string(impl->memfd);
    check_btf_sections(fdpath, impl->path);
    impl->btf = btf__parse(fdpath.c_str(), nullptr);
    if (impl->btf == nullptr) fail_parse(impl->path, errno);
    impl->dwarf = DwarfIndex::open(fdpath, DebugLookup::self_only);
  }
  impl->target = pick_target(target, elf, impl->btf, impl->path);
  impl->analyzer = std::make_unique<TypeAnalyzer>(impl->btf, impl->target);
  return BtfFile(std::move(impl));
}

const std::string& BtfFile::path() const {
  return impl_->path;
}
Arch BtfFile::target() const {
  return impl_->target;
}
Endian BtfFile::endianness() const {
  return btf__endianness(impl_->btf) == BTF_BIG_ENDIAN ? Endian::big : Endian::little;
}
bool BtfFile::has_dwarf() const {
  return impl_->dwarf != nullptr;
}
uint32_t BtfFile::type_count() const {
  return btf__type_cnt(impl_->btf);
}

std::vector<uint32_t> BtfFile::function_ids() const {
  std::vector<uint32_t> ids;
  const uint32_t n = btf__type_cnt(impl_->btf);
  for (uint32_t id = impl_->first_id(); id < n; ++id) {
    const struct btf_type* t = btf__type_by_id(impl_->btf, id);
    // GCC 12's -gbtf emits a nameless FUNC for function-pointer parameters: not a function.
    if (btf_is_func(t) && !impl_->name_of(t).empty()) ids.push_back(id);
  }
  return ids;
}

uint32_t BtfFile::find_function(std::string_view name) const {
  const std::string n(name);
  const int id = btf__find_by_name_kind(impl_->btf, n.c_str(), BTF_KIND_FUNC);
  if (id > 0) return static_cast<uint32_t>(id);
  const int other = btf__find_by_name(impl_->btf, n.c_str());
  if (other > 0) {
    const struct btf_type* t = btf__type_by_id(impl_->btf, static_cast<uint32_t>(other));
    throw Error(Errc::not_function, "'" + n + "' is a " + btf_kind_str(t) + " in '" + impl_->path +
                                        "', not a function");
  }
  throw Error(Errc::not_found, "no function '" + n + "' in '" + impl_->path + "'");
}

std::string BtfFile::function_name(uint32_t func_id) const {
  return impl_->name_of(impl_->func_type(func_id));
}

FuncModel BtfFile::model(std::string_view name) const {
  return model_by_id(find_function(name));
}

FuncModel BtfFile::model_by_id(uint32_t func_id) const {
  const struct btf* btf = impl_->btf;
  const struct btf_type* func = impl_->func_type(func_id);
  FuncModel m;
  m.name = impl_->name_of(func);
  m.btf_id = func_id;
  m.target = impl_->target;
  const struct btf_type* proto = btf__type_by_id(btf, func->type);
  if (proto == nullptr || !btf_is_func_proto(proto))
    throw Error(Errc::malformed_btf, "malformed BTF: function " + m.name + " has no prototype");

  const struct btf_param* params = btf_params(proto);
  const uint16_t n = btf_vlen(proto);
  std::optional<DwarfIndex::Proto> dw;
  if (impl_->dwarf) dw = impl_->dwarf->proto(m.name, n);
  // GCC's -gbtf gives a _Float16 parameter type 0, as it does "...": DWARF
  // tells them apart (a varargs function has one formal parameter fewer).
  // (A typedef of _Float16 is a BTF TYPEDEF of void.)
  TypeAnalyzer& an = *impl_->analyzer;
  auto is_void = [&](uint32_t id) { return id == 0 || an.resolve(&id) == btf__type_by_id(btf, 0); };
  auto dwarf_only = [&](uint16_t i) {
    return dw && is_void(params[i].type) ? TypeAnalyzer::dwarf_only_facts(&dw->params[i]) : nullptr;
  };
  if (n > 0 && params[n - 1].type == 0 && !dwarf_only(n - 1))  // kernel wording, kernel/bpf/btf.c
    throw Error(Errc::unsupported,
                "The function " + m.name + " with variable args is unsupported.");

  TypeRef dwarf_ret =
      dw && dw->ret && is_void(proto->type) ? TypeAnalyzer::dwarf_only_facts(&*dw->ret) : nullptr;
  if (dwarf_ret) {
    m.ret.type = std::move(dwarf_ret);
  } else if (proto->type != 0) {
    try {
      m.ret.type = an.facts(proto->type, dw && dw->ret ? &*dw->ret : nullptr);
    } catch (const UnsupportedType& u) {
      throw Error(Errc::unsupported, "The function " + m.name + " return type " + u.kind +
                                         " is unsupported (" + u.detail + ").");
    }
  } else {
    static const TypeRef kVoid = [] {
      auto v = std::make_shared<TypeFacts>();
      v->c_type = "void";
      v->btf_kind = "UNKNOWN";
      return v;
    }();
    m.ret.type = kVoid;
  }

  m.args.reserve(n);
  for (uint16_t i = 0; i < n; ++i) {
    ValueModel v;
    const char* pname = btf__name_by_offset(btf, params[i].name_off);
    v.name = pname != nullptr ? pname : "";
    if (TypeRef h = dwarf_only(i)) {
      v.type = std::move(h);
      m.args.push_back(std::move(v));
      continue;
    }
    if (is_void(params[i].type))
      throw Error(Errc::unsupported, "The function " + m.name + " has malformed void argument.");
    try {
      v.type = an.facts(params[i].type, dw ? &dw->params[i] : nullptr);
    } catch (const UnsupportedType& u) {
      throw Error(Errc::unsupported, "The function " + m.name + " arg" + std::to_string(i) +
                                         " type " + u.kind + " is unsupported (" + u.detail + ").");
    }
    if (dw) v.entry_dwarf_reg = dw->entry_regs[i];
    m.args.push_back(std::move(v));
  }
  return m;
}

KernelView BtfFile::kernel_view(uint32_t func_id, KernelRelease kernel) const {
  impl_->func_type(func_id);
  return kernel_distill(impl_->btf, *impl_->analyzer, func_id, kernel);
}

}  // namespace xtramp::btf
