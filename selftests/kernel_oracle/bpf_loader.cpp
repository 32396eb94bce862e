#include "bpf_loader.hpp"

#include <bpf/btf.h>
#include <linux/bpf.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

namespace xtramp::oracle {

namespace {

constexpr size_t kLogSize = 256 * 1024;  // a trivial program logs a few hundred bytes

bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
  bpf_insn i{};
  i.code = code;
  i.dst_reg = dst & 0xf;
  i.src_reg = src & 0xf;
  i.off = off;
  i.imm = imm;
  return i;
}

}  // namespace

LoadOutcome load_for_distill(Route route, uint32_t func_id) {
  std::vector<bpf_insn> prog;
  if (route == Route::kfunc)
    prog.push_back(
        insn(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_KFUNC_CALL, 0, static_cast<int32_t>(func_id)));
  prog.push_back(insn(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0));
  prog.push_back(insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));

  static const char license[] = "GPL";
  std::vector<char> log(kLogSize, '\0');
  union bpf_attr attr;
  std::memset(&attr, 0, sizeof attr);
  attr.insns = reinterpret_cast<uintptr_t>(prog.data());
  attr.insn_cnt = static_cast<uint32_t>(prog.size());
  attr.license = reinterpret_cast<uintptr_t>(license);
  attr.log_level = 1;
  attr.log_buf = reinterpret_cast<uintptr_t>(log.data());
  attr.log_size = static_cast<uint32_t>(log.size());
  if (route == Route::fentry) {
    attr.prog_type = BPF_PROG_TYPE_TRACING;
    attr.expected_attach_type = BPF_TRACE_FENTRY;
    attr.attach_btf_id = func_id;  // attach_btf_obj_fd = 0: vmlinux
  } else {
    attr.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
  }

  LoadOutcome out;
  long fd = -1;
  for (int attempt = 0; attempt < 5; ++attempt) {  // the verifier may ask to retry
    fd = syscall(__NR_bpf, BPF_PROG_LOAD, &attr, sizeof attr);
    if (fd >= 0 || errno != EAGAIN) break;
  }
  if (fd >= 0) {
    close(static_cast<int>(fd));
    out.err = 0;
  } else {
    out.err = errno;
  }
  log.back() = '\0';
  out.log = log.data();
  return out;
}

namespace {

// Looks for a member `name` of `t`, descending into anonymous struct/union
// members (arm64 and s390x wrap their registers in an anonymous union).
bool has_member(const struct btf* btf, const struct btf_type* t, std::string_view name, int depth) {
  if (depth > 4 || !btf_is_composite(t)) return false;
  const struct btf_member* m = btf_members(t);
  for (int i = 0; i < btf_vlen(t); ++i, ++m) {
    const std::string_view n = btf__name_by_offset(btf, m->name_off);
    if (n == name) return true;
    if (n.empty()) {
      const int rid = btf__resolve_type(btf, m->type);
      const struct btf_type* mt =
          rid > 0 ? btf__type_by_id(btf, static_cast<uint32_t>(rid)) : nullptr;
      if (mt != nullptr && has_member(btf, mt, name, depth + 1)) return true;
    }
  }
  return false;
}

}  // namespace

std::optional<Arch> vmlinux_btf_arch() {
  std::unique_ptr<struct btf, void (*)(struct btf*)> btf(btf__load_vmlinux_btf(), btf__free);
  if (!btf) return std::nullopt;
  const int id = btf__find_by_name_kind(btf.get(), "pt_regs", BTF_KIND_STRUCT);
  if (id <= 0) return std::nullopt;
  const struct btf_type* t = btf__type_by_id(btf.get(), static_cast<uint32_t>(id));
  if (has_member(btf.get(), t, "r15", 0)) return Arch::x86_64;    // arch/x86/include/asm/ptrace.h
  if (has_member(btf.get(), t, "pstate", 0)) return Arch::arm64;  // arch/arm64/include/asm/ptrace.h
  if (has_member(btf.get(), t, "psw", 0)) return Arch::s390x;     // arch/s390/include/asm/ptrace.h
  return std::nullopt;
}

int kernel_version() {
  struct utsname u;
  if (uname(&u) != 0) return 0;
  int major = 0, minor = 0;
  if (std::sscanf(u.release, "%d.%d", &major, &minor) != 2) return 0;
  return major * 1000 + minor;
}

Availability check_environment() {
  if (access("/sys/kernel/btf/vmlinux", R_OK) != 0)
    return {false, "no readable /sys/kernel/btf/vmlinux (kernel without CONFIG_DEBUG_INFO_BTF?)"};
  const std::optional<Arch> kernel_arch = vmlinux_btf_arch();
  if (!kernel_arch)
    return {false,
            "cannot tell the architecture of /sys/kernel/btf/vmlinux (no known struct pt_regs)"};
  if (*kernel_arch != host_arch())
    return {false, "the running kernel's BTF is " + std::string(arch_name(*kernel_arch)) +
                       " but this test runs as " + std::string(arch_name(host_arch())) +
                       " (emulated?): its bpf() would not judge our BTF"};

  return {true, "vmlinux BTF is " + std::string(arch_name(*kernel_arch))};
}

Availability probe_route(Route route, uint32_t probe_func_id, const std::string& probe_func) {
  if (Availability env = check_environment(); !env.available) return env;
  const LoadOutcome o = load_for_distill(route, probe_func_id);
  const KernelVerdict v = classify(route, probe_func, o.err, o.log);
  if (v.verdict != Verdict::undetermined)
    return {true, std::string(route_name(route)) + " probe on " + probe_func + ": " + v.message};

  const std::string what =
      route == Route::fentry ? "fentry program load" : "kfunc-calling socket filter load";
  const bool silent = first_log_line(o.log).empty();
  if (o.err == ENOSYS) return {false, "bpf() is not available (ENOSYS)"};
  if ((o.err == EPERM || o.err == EACCES) && silent)
    return {false, what + " returns " + errno_name(o.err) +
                       " before verification (empty verifier log): the kernel forbids " +
                       (route == Route::fentry ? "tracing programs" : "this program") +
                       " here (LSM policy, lockdown, or missing CAP_BPF/CAP_PERFMON)"};
  return {false, what + " for " + probe_func + " fails before distillation: " + v.message};
}

}  // namespace xtramp::oracle
