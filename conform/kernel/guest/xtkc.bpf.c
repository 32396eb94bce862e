/* xtramp kernel-check: the BPF side. Three programs, each attached (one at a
 * time) to one function of the generated module: they copy every ctx slot the
 * kernel's trampoline wrote (bpf_get_func_arg up to bpf_get_func_arg_cnt), the
 * function ip and, for fexit, the return value into one map slot per program
 * kind. fmod_ret returns XTKC_MODRET: non-zero, so the trampoline skips the
 * function and its caller gets that value.
 *
 * fsession (Linux 7.0+, expected_attach_type BPF_TRACE_FSESSION, set by the
 * loader: libbpf 1.1 has no section name for it) runs at the entry and at the
 * exit of one call. Each half records what the others do plus
 * bpf_session_is_return, the session cookie as it found it, and the cookie's
 * index below ctx (ctx - cookie, in slots: the verifier lets a privileged
 * program subtract two pointers); the entry half writes the cookie, the exit
 * half reads it back. The fsession step attaches, in this order, fentry A,
 * fexit A, fsession 1, fentry B, fexit B, fsession 2, and every run takes a
 * sequence number: the order the trampoline runs them in. xtkc_fs_skip
 * returns 1 from its entry half: does the kernel accept it, and does a
 * non-zero entry result skip the exit half? The session programs and their
 * kfuncs are only in the object built with -DXTKC_FSESSION: a kernel before
 * 7.0 has bpf_session_cookie(void) (kprobe.session's), and libbpf refuses a
 * whole object whose kfunc prototype does not match the kernel's.
 * Built with clang -target bpfel / bpfeb -O2 -g; needs only libbpf's headers. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define XTKC_SLOTS 16
#define XTKC_MODRET 0xa1a2a3a4a5a6a7a8ull
#define XTKC_COOKIE 0xc0c1c2c3c4c5c6c0ull
#define XTKC_KEYS 16

#ifdef XTKC_FSESSION
extern __u64 *bpf_session_cookie(void *ctx) __ksym;
extern _Bool bpf_session_is_return(void *ctx) __ksym;
#endif

struct xtkc_rec {
  __u64 runs;
  __u64 nargs;
  __u64 ip;
  __u64 ret;
  __s64 ret_err;
  __u64 slot[XTKC_SLOTS];
  __s64 err[XTKC_SLOTS];
  __u64 is_return;    /* fsession: bpf_session_is_return */
  __u64 cookie;       /* fsession: the cookie as this half found it */
  __u64 cookie_index; /* fsession: (ctx - cookie) / 8 */
  __u64 seq;          /* the run's sequence number (key XTKC_KEYS - 1 counts) */
};

/* Keys: 0 fentry, 1 fexit, 2 fmod_ret, 3/4 fsession 1 entry/exit, 5/6
 * fsession 2 entry/exit, 7 fentry A, 8 fexit A, 9 fentry B, 10 fexit B,
 * 11/12 xtkc_fs_skip entry/exit, 15 the sequence counter. */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, XTKC_KEYS);
  __type(key, __u32);
  __type(value, struct xtkc_rec);
} xtkc_seen SEC(".maps");

static __always_inline struct xtkc_rec *xtkc_record(void *ctx, __u32 key, int with_ret) {
  struct xtkc_rec *r = bpf_map_lookup_elem(&xtkc_seen, &key);
  __u32 sk = XTKC_KEYS - 1;
  struct xtkc_rec *s = bpf_map_lookup_elem(&xtkc_seen, &sk);
  if (!r) return 0;
  r->runs++;
  if (s) r->seq = ++s->runs;
  r->nargs = bpf_get_func_arg_cnt(ctx);
  r->ip = bpf_get_func_ip(ctx);
#pragma unroll
  for (__u32 i = 0; i < XTKC_SLOTS; i++) r->err[i] = bpf_get_func_arg(ctx, i, &r->slot[i]);
  if (with_ret) r->ret_err = bpf_get_func_ret(ctx, &r->ret);
  return r;
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

#ifdef XTKC_FSESSION
/* One fsession half: key for the entry half, key + 1 for the exit half. */
static __always_inline void xtkc_session(void *ctx, __u32 key) {
  const int ret = bpf_session_is_return(ctx);
  struct xtkc_rec *r = xtkc_record(ctx, key + (ret ? 1 : 0), ret);
  __u64 *c = bpf_session_cookie(ctx);
  if (!r) return;
  r->is_return = ret;
  r->cookie = *c;
  r->cookie_index = ((__u64)ctx - (__u64)c) / 8;
  if (!ret) *c = XTKC_COOKIE ^ key;
}

SEC("fentry") /* the loader makes it BPF_TRACE_FSESSION */
int xtkc_fsession(void *ctx) {
  xtkc_session(ctx, 3);
  return 0;
}

SEC("fentry") /* BPF_TRACE_FSESSION */
int xtkc_fsession2(void *ctx) {
  xtkc_session(ctx, 5);
  return 0;
}

SEC("fentry")
int xtkc_fentry_a(void *ctx) {
  xtkc_record(ctx, 7, 0);
  return 0;
}

SEC("fexit")
int xtkc_fexit_a(void *ctx) {
  xtkc_record(ctx, 8, 1);
  return 0;
}

SEC("fentry")
int xtkc_fentry_b(void *ctx) {
  xtkc_record(ctx, 9, 0);
  return 0;
}

SEC("fexit")
int xtkc_fexit_b(void *ctx) {
  xtkc_record(ctx, 10, 1);
  return 0;
}

SEC("fentry") /* BPF_TRACE_FSESSION; the entry half returns 1 */
int xtkc_fs_skip(void *ctx) {
  const int ret = bpf_session_is_return(ctx);
  xtkc_record(ctx, ret ? 12 : 11, 0);
  return ret ? 0 : 1;
}
#endif /* XTKC_FSESSION */

char LICENSE[] SEC("license") = "GPL";
