// The s390x backend: ELF ABI placement (psabi) and the upstream JIT model (linux).
#include <string>

#include "arch/s390x/abi.hpp"
#include "arch/s390x/emit/emitter.hpp"
#include "arch/s390x/patch.hpp"
#include "arch/s390x/regs.hpp"
#include "common/backend.hpp"

namespace xtramp {

namespace {

class S390xBackend final : public Backend {
 public:
  Arch arch() const override { return Arch::s390x; }

  CallLayout place(const FuncModel& m, Policy policy) const override {
    return policy == Policy::psabi ? s390x::place_psabi(m) : s390x::place_linux(m);
  }

  std::string reg_name(LocKind kind, uint16_t reg) const override {
    switch (kind) {
      case LocKind::gpr:
        return "r" + std::to_string(reg);
      case LocKind::fpr:
        return "f" + std::to_string(reg);
      case LocKind::stack:
        break;
    }
    return "?";
  }

  int32_t stack_args_base() const override { return s390x::kStackArgsBase; }

  size_t patch_site_size() const override { return 6; }

  std::unique_ptr<Emitter> emitter() const override { return s390x::make_emitter(); }

  EntryPatch check_patchable(const void* fn, const std::string& name,
                             CodeWriter& code) const override {
    if (host_arch() != Arch::s390x) return Backend::check_patchable(fn, name, code);
    s390x::check_patchable(fn, name.c_str(), code);
    // reach 0: the site reaches the trampoline through its stub's `br %r1`
    // (an absolute address), so the trampoline may be anywhere.
    return EntryPatch{s390x::kPatchSize, 0};
  }

  void set_entry_call(void* fn, const void* tramp, CodeWriter& code) const override {
    if (host_arch() != Arch::s390x) return Backend::set_entry_call(fn, tramp, code);
    s390x::set_entry_call(fn, tramp, code);
  }

  const HostCode* host_code() const override { return s390x::host_code(); }
};

}  // namespace

const Backend& backend_s390x() {
  static const S390xBackend b;
  return b;
}

}  // namespace xtramp
