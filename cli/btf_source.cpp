#include "cli/btf_source.hpp"

#include <CLI/CLI.hpp>

#include "common/arch.hpp"
#include "common/error.hpp"

namespace xtramp::cli {

void BtfSource::add_options(CLI::App& sub) {
  sub.add_option("--btf", path,
                 "BTF to read: raw BTF or an ELF file with a .BTF section (any endianness). "
                 "Default: the running kernel's /sys/kernel/btf/vmlinux")
      ->option_text("FILE");
  sub.add_option("--btf-base", base_path,
                 "Base BTF for split BTF (e.g. vmlinux when --btf is a kernel module's BTF)")
      ->option_text("FILE");
  sub.add_option("--target", target,
                 "Architecture the BTF describes: " + arch_list("or") +
                     ". Default: the ELF's machine; for raw BTF the host when the byte order "
                     "matches, else the first arch of that byte order")
      ->option_text("ARCH");
  sub.add_flag("--no-dwarf", no_dwarf,
               "Do not refine alignment from DWARF even when the ELF carries it");
}

btf::OpenOptions BtfSource::options() const {
  btf::OpenOptions o;
  o.path = path;
  o.base_path = base_path;
  o.use_dwarf = !no_dwarf;
  if (!target.empty()) {
    o.target = parse_arch(target);
    if (!o.target) {
      throw Error(Errc::bad_request,
                  "unknown target '" + target + "' (expected " + arch_list("or") + ")");
    }
  }
  return o;
}

btf::BtfFile BtfSource::open() const {
  return btf::BtfFile::open(options());
}

}  // namespace xtramp::cli
