/* xtramp kernel-check: the BPF side. Three programs, each attached (one at a
 * time) to one function of the generated module: they copy every ctx slot the
 * kernel's trampoline wrote (bpf_get_func_arg up to bpf_get_func_arg_cnt), the
 * function ip and, for fexit, the return value into one map slot per program
 * kind. fmod_ret returns XTKC_MODRET: non-zero, so the trampoline skips the
 * function and its caller gets that value.
 * Built with clang -target bpfel / bpfeb -O2 -g; needs only libbpf's headers. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define XTKC_SLOTS 16
#define XTKC_MODRET 0xa1a2a3a4a5a6a7a8ull

struct xtkc_rec {
  __u64 runs;
  __u64 nargs;
  __u64 ip;
  __u64 ret;
  __s64 ret_err;
  __u64 slot[XTKC_SLOTS];
  __s64 err[XTKC_SLOTS];
};

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 3);
  __type(key, __u32);
  __type(value, struct xtkc_rec);
} xtkc_seen SEC(".maps");

static __always_inline void xtkc_record(void *ctx, __u32 key, int with_ret) {
  struct xtkc_rec *r = bpf_map_lookup_elem(&xtkc_seen, &key);
  if (!r) return;
  r->runs++;
  r->nargs = bpf_get_func_arg_cnt(ctx);
  r->ip = bpf_get_func_ip(ctx);
#pragma unroll
  for (__u32 i = 0; i < XTKC_SLOTS; i++) r->err[i] = bpf_get_func_arg(ctx, i, &r->slot[i]);
  if (with_ret) r->ret_err = bpf_get_func_ret(ctx, &r->ret);
}

SEC("fentry")
int xtkc_fentry(void *ctx) {
  xtkc_record(ctx, 0, 0);
  return 0;
}

SEC("fexit")
int xtkc_fexit(void *ctx) {
  xtkc_record(ctx, 1, 1);
  return 0;
}

SEC("fmod_ret")
__u64 xtkc_fmod_ret(void *ctx) { /* r0 is the 64-bit return slot */
  xtkc_record(ctx, 2, 0);
  return XTKC_MODRET;
}

char LICENSE[] SEC("license") = "GPL";
