// The guest-side sources of kernel-check (guest/*.c), embedded at configure
// time: the BPF programs and the libbpf loader, compiled when kernel-check runs.
#pragma once

namespace xtramp::conform::kernel {

extern const char* const kBpfSource;     // guest/xtkc.bpf.c
extern const char* const kLoaderSource;  // guest/xtkc_loader.c

// The value fmod_ret returns (XTKC_MODRET in guest/xtkc.bpf.c).
inline constexpr unsigned long long kModRet = 0xa1a2a3a4a5a6a7a8ull;

}  // namespace xtramp::conform::kernel
