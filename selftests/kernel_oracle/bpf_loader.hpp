// Loading the minimal programs that make the running kernel distil a vmlinux
// function, and deciding whether that works on this machine at all.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/arch.hpp"
#include "oracle_log.hpp"

namespace xtramp::oracle {

struct LoadOutcome {
  int err = 0;      // 0: loaded (the fd is closed again), else errno
  std::string log;  // verifier log, level 1
};

// fentry route: BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY, attach_btf_id =
// func_id, program "r0 = 0; exit".
// kfunc route: BPF_PROG_TYPE_SOCKET_FILTER, program "call kfunc func_id;
// r0 = 0; exit".
LoadOutcome load_for_distill(Route route, uint32_t vmlinux_func_id);

// The architecture the running kernel's BTF describes, read from its
// struct pt_regs (r15: x86-64, pstate: arm64, psw: s390x); nullopt if unknown.
std::optional<Arch> vmlinux_btf_arch();

struct Availability {
  bool available = false;
  std::string reason;  // why not (the skip message), or what the probe saw
};

// /sys/kernel/btf/vmlinux is readable and describes the architecture this
// process runs as (under qemu-user it describes the host's kernel instead).
Availability check_environment();

// Whether the kernel's distill verdict is observable on `route`: the
// environment, then one probe load against `probe_func` (a function our
// kernel view accepts).
Availability probe_route(Route route, uint32_t probe_func_id, const std::string& probe_func);

// Major*1000+minor of the running kernel (uname release), 0 if unknown.
int kernel_version();

}  // namespace xtramp::oracle
