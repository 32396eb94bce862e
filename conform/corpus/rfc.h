/* The 2025 RFC cases (docs/linux-jits.md "The kernel selftests and the 2025
 * RFC"): struct arguments placed on the stack with 16-byte alignment.
 *  - bpf_testmod_test_struct_arg_10/_11: RFC v1 patch 3/4 (Lothoré, April
 *    2025, never merged), four 16-byte structs, a short, then the same struct
 *    on the stack. The x86-64 run failed with "t11:f actual 35 != 43": the
 *    caller put f at a 16-aligned slot, the trampoline read the next 8-byte
 *    slot.
 *  - rfc_xu_f0/_f1: Xu Kuohai's review examples (2025-04-17): "g will be
 *    located at sp+32 in f0, sp + 24 in f1" on arm64. (His f2 with a 64-byte
 *    aligned(64) struct is left out: the corpus keeps aggregates <= 40 bytes.)
 *  - rfc_xu_int128_scalars: his 2024 objection, __int128 scalars on the stack
 *    "at sp + 0, +16, and +32 ... with 8 bytes padding between f and g".
 *  - rfc_deny_struct_arg_7: the rejected June 2025 deny series' replacement
 *    for struct_arg_7/8/9 (renamed here), a struct beyond the registers on
 *    every architecture.
 * int64_t is spelled long (LP64 on all three architectures). */
#ifndef XTRAMP_CONFORM_CORPUS_RFC_H
#define XTRAMP_CONFORM_CORPUS_RFC_H

typedef unsigned long long u64;

/* ~ sockptr_t */
struct bpf_testmod_struct_arg_6 {
  u64 a;
  u64 b;
};
/* 16-aligned on x86-64 and arm64, 8-aligned on s390x */
struct bpf_testmod_struct_arg_7 {
  __int128 a;
};
/* the RFC's bpf_testmod_struct_arg_4 (struct_arg_7/8/9 of the selftests) */
struct rfc_struct_arg_4 {
  u64 a;
  int b;
};
struct rfc_s0 {
  __int128 x;
};
struct rfc_s1 {
  __int128 x;
} __attribute__((packed));

int bpf_testmod_test_struct_arg_10(struct bpf_testmod_struct_arg_6 a,
                                   struct bpf_testmod_struct_arg_6 b,
                                   struct bpf_testmod_struct_arg_6 c,
                                   struct bpf_testmod_struct_arg_6 d, short e,
                                   struct bpf_testmod_struct_arg_6 f);
int bpf_testmod_test_struct_arg_11(struct bpf_testmod_struct_arg_7 a,
                                   struct bpf_testmod_struct_arg_7 b,
                                   struct bpf_testmod_struct_arg_7 c,
                                   struct bpf_testmod_struct_arg_7 d, short e,
                                   struct bpf_testmod_struct_arg_7 f);
int rfc_xu_f0(__int128 a, __int128 b, __int128 c, long d, __int128 e, long f, struct rfc_s0 g);
int rfc_xu_f1(__int128 a, __int128 b, __int128 c, long d, __int128 e, long f, struct rfc_s1 g);
int rfc_xu_int128_scalars(__int128 a, __int128 b, __int128 c, long d, __int128 e, long f,
                          __int128 g);
int rfc_deny_struct_arg_7(u64 a, void* b, short c, int d, void* e, u64 f, u64 g, u64 h,
                          struct rfc_struct_arg_4 i);

#endif
