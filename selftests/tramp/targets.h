/* Functions traced by the trampoline round-trip tests (targets.c), and the
 * GCC-compiled callers that call them through a function pointer (a
 * trampoline, or the function itself) with fixed values. The struct_arg_*,
 * union_arg_* and fentry_test* functions and values are the kernel
 * selftests' (tools/testing/selftests/bpf/test_kmods/bpf_testmod.c and
 * prog_tests/tracing_struct.c, see docs/linux-jits.md); the rest covers
 * what the kernel refuses (floats, big structs, struct returns) and the 2025
 * RFC's 16-byte-aligned stack arguments. */
#ifndef XTRAMP_SELFTESTS_TRAMP_TARGETS_H
#define XTRAMP_SELFTESTS_TRAMP_TARGETS_H

#ifdef __cplusplus
extern "C" {
#endif

/* The kernel's bpf_testmod types and prototypes: the one shared copy. */
#include "../../conform/corpus/selftests.h"

struct rfc_u64x2 {
  u64 a;
  u64 b;
}; /* RFC bpf_testmod_struct_arg_6 */
struct rfc_i128 {
  __int128 a;
}; /* RFC bpf_testmod_struct_arg_7 */
struct big40 {
  long a[5];
};
struct pair_ret {
  long a;
  long b;
};
struct mixed {
  int i;
  float f;
  double d;
};

/* Every target stores what it computed here and returns it (as the kernel's
 * bpf_testmod functions do with bpf_testmod_test_struct_arg_result). */
extern long target_result;
extern long target_calls;

int bpf_testmod_test_struct_arg_10(struct rfc_u64x2 a, struct rfc_u64x2 b, struct rfc_u64x2 c,
                                   struct rfc_u64x2 d, short e, struct rfc_u64x2 f);
int bpf_testmod_test_struct_arg_11(struct rfc_i128 a, struct rfc_i128 b, struct rfc_i128 c,
                                   struct rfc_i128 d, short e, struct rfc_i128 f);
double target_floats(float a, double b, int c, double d);
long target_big(int a, struct big40 b, long c);
struct pair_ret target_ret_pair(long a, long b);
struct big40 target_ret_big(long a);
struct mixed target_ret_mixed(int i, float f, double d);
long double target_long_double(long double x, int y);
__int128 target_int128(__int128 x, long y);
long target_many(long a1, double d1, long a2, double d2, long a3, double d3, long a4, double d4,
                 long a5, double d5, long a6, double d6, long a7, double d7, long a8, double d8,
                 long a9, double d9, long a10, double d10);
void target_void(long a);

/* The callers: each passes the kernel selftest's values (or fixed ones). */
int call_struct_arg_1(int (*f)(struct bpf_testmod_struct_arg_2, int, int));
int call_struct_arg_2(int (*f)(int, struct bpf_testmod_struct_arg_2, int));
int call_struct_arg_3(int (*f)(int, int, struct bpf_testmod_struct_arg_2));
int call_struct_arg_4(int (*f)(struct bpf_testmod_struct_arg_1, int, int, int,
                               struct bpf_testmod_struct_arg_2));
int call_struct_arg_5(int (*f)(void));
int call_struct_arg_7(int (*f)(u64, void*, short, int, void*, struct bpf_testmod_struct_arg_4));
int call_struct_arg_8(int (*f)(u64, void*, short, int, void*, struct bpf_testmod_struct_arg_4,
                               int));
int call_struct_arg_9(int (*f)(u64, void*, short, int, void*, char, short,
                               struct bpf_testmod_struct_arg_5, long));
int call_union_arg_1(int (*f)(union bpf_testmod_union_arg_1, int, int));
int call_union_arg_2(int (*f)(int, union bpf_testmod_union_arg_2));
int call_fentry_test7(int (*f)(u64, void*, short, int, void*, char, int));
int call_fentry_test11(int (*f)(u64, void*, short, int, void*, char, int, unsigned int, long, u64,
                                unsigned long));
int call_struct_arg_10(int (*f)(struct rfc_u64x2, struct rfc_u64x2, struct rfc_u64x2,
                                struct rfc_u64x2, short, struct rfc_u64x2));
int call_struct_arg_11(int (*f)(struct rfc_i128, struct rfc_i128, struct rfc_i128, struct rfc_i128,
                                short, struct rfc_i128));
double call_floats(double (*f)(float, double, int, double));
long call_big(long (*f)(int, struct big40, long));
struct pair_ret call_ret_pair(struct pair_ret (*f)(long, long));
struct big40 call_ret_big(struct big40 (*f)(long));
struct mixed call_ret_mixed(struct mixed (*f)(int, float, double));
long double call_long_double(long double (*f)(long double, int));
__int128 call_int128(__int128 (*f)(__int128, long));
long call_many(long (*f)(long, double, long, double, long, double, long, double, long, double, long,
                         double, long, double, long, double, long, double, long, double));
void call_void(void (*f)(long));

#ifdef __cplusplus
}
#endif

#endif

/* For the concurrency tests: counts its calls atomically, and returns a+1. */
#ifdef __cplusplus
extern "C" {
#endif
extern long target_atomic_calls;
long target_counted(long a);
long call_counted(long (*f)(long), long a);
#ifdef __cplusplus
}
#endif

/* Entry-patch targets: built with a patchable entry (x86-64: 5 nops). */
#ifdef __cplusplus
extern "C" {
#endif
int patched_struct_arg_1(struct bpf_testmod_struct_arg_2 a, int b, int c);
int patched_struct_arg_11(struct rfc_i128 a, struct rfc_i128 b, struct rfc_i128 c,
                          struct rfc_i128 d, short e, struct rfc_i128 f);
struct big40 patched_ret_big(long a);
double patched_floats(float a, double b, int c, double d);
long patched_counted(long a);
#if defined(__s390x__)
long three_nopr_counted(long a); /* patchable_function_entry(3, 0): refused */
#endif
#ifdef __cplusplus
}
#endif
