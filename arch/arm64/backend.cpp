// The arm64 backend: AAPCS64 (psabi) and the upstream BPF JIT model (linux).
#include "common/backend.hpp"
#include "arch/arm64/abi.hpp"
#include "arch/arm64/emit/emitter.hpp"
#include "arch/arm64/patch.hpp"
#include "arch/arm64/regs.hpp"
#include "common/error.hpp"

namespace xtramp {

namespace {

class Arm64Backend final : public Backend {
 public:
  Arch arch() const override { return Arch::arm64; }

  CallLayout place(const FuncModel& m, Policy policy) const override {
    switch (policy) {
      case Policy::psabi:
        return arm64::place_psabi(m);
      case Policy::linux_jit:
        return arm64::place_linux(m, KernelRelease::newest());
    }
    throw Error(Errc::bad_request, "unknown placement policy");
  }

  CallLayout place_linux(const FuncModel& m, KernelRelease kernel) const override {
    return arm64::place_linux(m, kernel);
  }

  std::string reg_name(LocKind kind, uint16_t reg) const override {
    return arm64::reg_name(kind, reg);
  }

  int32_t stack_args_base() const override { return arm64::kStackArgsBase; }

  size_t patch_site_size() const override { return 8; }

  std::unique_ptr<Emitter> emitter() const override { return arm64::make_emitter(); }

  EntryPatch check_patchable(const void* fn, const std::string& name,
                             CodeWriter& code) const override {
    if (host_arch() != Arch::arm64) return Backend::check_patchable(fn, name, code);
    arm64::check_patchable(fn, name.c_str(), code);
    // The B sits at fn, the block is placed relative to the body (fn + 8):
    // keep a margin so every byte stays within the B's reach.
    return EntryPatch{arm64::kPatchSize, arm64::kBranchReach - 16};
  }

  void set_entry_call(void* fn, const void* tramp, CodeWriter& code) const override {
    if (host_arch() != Arch::arm64) return Backend::set_entry_call(fn, tramp, code);
    arm64::set_entry_call(fn, tramp, code);
  }

  const HostCode* host_code() const override { return arm64::host_code(); }
};

}  // namespace

const Backend& backend_arm64() {
  static const Arm64Backend b;
  return b;
}

}  // namespace xtramp
