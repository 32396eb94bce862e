// The BTF frontend: opens BTF (vmlinux, raw, ELF .BTF, split) and distils
// function prototypes into FuncModel. When the ELF also carries DWARF, libdw
// refines aggregate alignment (DW_AT_alignment on types and members).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/arch.hpp"
#include "common/func_model.hpp"
#include "common/kernel_release.hpp"

namespace xtramp::btf {

inline constexpr const char* kVmlinuxPath = "/sys/kernel/btf/vmlinux";

struct OpenOptions {
  std::string path;       // empty: the running kernel's /sys/kernel/btf/vmlinux
  std::string base_path;  // split BTF: the base (e.g. vmlinux for a module's BTF)
  // The architecture the BTF describes. Default: the ELF's e_machine; for raw
  // BTF, s390x when big-endian, else the host (x86_64 on a big-endian host).
  std::optional<Arch> target;
  // Read DWARF when the ELF has it, or names a separate debug file
  // (.gnu_debuglink, build-id, .gnu_debugaltlink: libdwfl's standard search).
  bool use_dwarf = true;
};

// Acceptance modes (issue: "two acceptance modes").
enum class Mode : uint8_t {
  extended,       // floats, any struct size, struct returns, any arg count; varargs rejected
  kernel_compat,  // exactly what kernel/bpf/btf.c:btf_distill_func_proto accepts
};

class BtfFile {
 public:
  // Throws Error(io | malformed_btf) with the path in the message.
  static BtfFile open(const OpenOptions& opts);
  // BTF from memory: raw BTF bytes or a whole ELF file (fuzzing, tests). Reads
  // nothing but these bytes: no separate debug file, whatever the ELF names.
  static BtfFile from_bytes(std::span<const uint8_t> bytes, std::optional<Arch> target = {});

  BtfFile(BtfFile&&) noexcept;
  BtfFile& operator=(BtfFile&&) noexcept;
  ~BtfFile();

  const std::string& path() const;  // what was opened ("<memory>" for from_bytes)
  Arch target() const;
  Endian endianness() const;
  bool has_dwarf() const;
  uint32_t type_count() const;  // number of BTF types (split: including the base)

  // Every named BTF_KIND_FUNC, in id order (split BTF: only the split part's functions).
  std::vector<uint32_t> function_ids() const;
  // Resolves a function name; throws Error(not_found) or Error(not_function).
  uint32_t find_function(std::string_view name) const;
  std::string function_name(uint32_t func_id) const;

  // Extended model. Throws Error(unsupported) for varargs, void or incomplete
  // arguments, with a message naming the function and argument.
  FuncModel model(std::string_view name) const;
  FuncModel model_by_id(uint32_t func_id) const;

  // The kernel's verdict and btf_func_model for this function under the rules
  // of `kernel` (never throws for a valid function id; a rejection is
  // reported in the view).
  KernelView kernel_view(uint32_t func_id, KernelRelease kernel = KernelRelease::newest()) const;

  struct Impl;

 private:
  explicit BtfFile(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace xtramp::btf
