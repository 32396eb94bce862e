// The x86-64 backend: registers, policies, registry entry.
#include "common/backend.hpp"
#include "arch/x86_64/abi.hpp"
#include "arch/x86_64/emit/emitter.hpp"
#include "arch/x86_64/patch.hpp"
#include "arch/x86_64/regs.hpp"
#include "common/error.hpp"

namespace xtramp {

namespace x86_64 {

std::string arg_label(const FuncModel& m, size_t i) {
  std::string s = "The function " + m.name + " arg" + std::to_string(i);
  if (i < m.args.size() && !m.args[i].name.empty()) s += " (" + m.args[i].name + ")";
  return s;
}

namespace {

class X86_64Backend final : public Backend {
 public:
  Arch arch() const override { return Arch::x86_64; }

  CallLayout place(const FuncModel& m, Policy policy) const override {
    switch (policy) {
      case Policy::psabi:
        return x86_64::place_psabi(m);
      case Policy::linux_jit:
        return x86_64::place_linux(m);
    }
    throw Error(Errc::bad_request, "unknown placement policy");
  }

  std::string reg_name(LocKind kind, uint16_t reg) const override {
    switch (kind) {
      case LocKind::gpr:
        return gpr_name(reg);
      case LocKind::fpr:
        return fpr_name(reg);
      case LocKind::stack:
        break;
    }
    return "stack";
  }

  int32_t stack_args_base() const override { return kStackArgsBase; }

  size_t patch_site_size() const override { return 5; }

  std::unique_ptr<Emitter> emitter() const override { return make_emitter(); }

  EntryPatch check_patchable(const void* fn, const std::string& name,
                             CodeWriter& code) const override {
    if (host_arch() != Arch::x86_64) return Backend::check_patchable(fn, name, code);
    x86_64::check_patchable(fn, name.c_str(), code);
    const int64_t bias = x86_64::stub_bias(fn);
    return EntryPatch{kPatchSize, kCallReach - static_cast<size_t>(bias < 0 ? -bias : bias), bias};
  }

  void set_entry_call(void* fn, const void* tramp, CodeWriter& code) const override {
    if (host_arch() != Arch::x86_64) return Backend::set_entry_call(fn, tramp, code);
    x86_64::set_entry_call(fn, tramp, code);
  }

  const HostCode* host_code() const override { return x86_64::host_code(); }
};

}  // namespace

}  // namespace x86_64

const Backend& backend_x86_64() {
  static const x86_64::X86_64Backend b;
  return b;
}

}  // namespace xtramp
