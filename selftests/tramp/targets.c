/* Compiled with GCC -gbtf -g -O1: the BTF the tests read comes from this very
 * object, and these are the functions the trampolines call. `noipa` keeps GCC
 * from changing a target's calling convention or folding it into a caller. */
#include "targets.h"

/* Every target also has a patchable entry, so that the same round trips run
 * in replace mode and in entry-patch mode: x86-64 five one-byte nops, arm64
 * two NOPs, s390x one 6-byte `brcl 0,0` (hotpatch(0,3): three halfwords; its
 * patchable_function_entry(3,0) form, three 2-byte nopr, cannot be patched
 * atomically and is refused, see arch/s390x/patch.hpp). */
#if defined(__x86_64__)
#define PATCHABLE __attribute__((patchable_function_entry(5, 0)))
#elif defined(__aarch64__)
#define PATCHABLE __attribute__((patchable_function_entry(2, 0)))
#elif defined(__s390x__)
#define PATCHABLE __attribute__((hotpatch(0, 3)))
#else
#define PATCHABLE
#endif
#define TARGET __attribute__((noipa)) PATCHABLE
/* Callers are plain functions (no patchable entry). */
#define CALLER __attribute__((noipa))

long target_result;
long target_calls;

static int record(long v) {
  target_result = v;
  target_calls++;
  return (int)v;
}

TARGET int bpf_testmod_test_struct_arg_1(struct bpf_testmod_struct_arg_2 a, int b, int c) {
  return record(a.a + a.b + b + c);
}
TARGET int bpf_testmod_test_struct_arg_2(int a, struct bpf_testmod_struct_arg_2 b, int c) {
  return record(a + b.a + b.b + c);
}
TARGET int bpf_testmod_test_struct_arg_3(int a, int b, struct bpf_testmod_struct_arg_2 c) {
  return record(a + b + c.a + c.b);
}
TARGET int bpf_testmod_test_struct_arg_4(struct bpf_testmod_struct_arg_1 a, int b, int c, int d,
                                         struct bpf_testmod_struct_arg_2 e) {
  return record(a.a + b + c + d + e.a + e.b);
}
TARGET int bpf_testmod_test_struct_arg_5(void) {
  return record(1);
}
TARGET int bpf_testmod_test_struct_arg_7(u64 a, void* b, short c, int d, void* e,
                                         struct bpf_testmod_struct_arg_4 f) {
  return record((long)a + (long)b + c + d + (long)e + (long)f.a + f.b);
}
TARGET int bpf_testmod_test_struct_arg_8(u64 a, void* b, short c, int d, void* e,
                                         struct bpf_testmod_struct_arg_4 f, int g) {
  return record((long)a + (long)b + c + d + (long)e + (long)f.a + f.b + g);
}
TARGET int bpf_testmod_test_struct_arg_9(u64 a, void* b, short c, int d, void* e, char f, short g,
                                         struct bpf_testmod_struct_arg_5 h, long i) {
  return record((long)a + (long)b + c + d + (long)e + f + g + h.a + h.b + h.c + h.d + i);
}
TARGET int bpf_testmod_test_union_arg_1(union bpf_testmod_union_arg_1 a, int b, int c) {
  return record(a.arg.a + b + c);
}
TARGET int bpf_testmod_test_union_arg_2(int a, union bpf_testmod_union_arg_2 b) {
  return record(a + b.arg.a + b.arg.b);
}
TARGET int bpf_testmod_fentry_test7(u64 a, void* b, short c, int d, void* e, char f, int g) {
  return record((long)a + (long)b + c + d + (long)e + f + g);
}
TARGET int bpf_testmod_fentry_test11(u64 a, void* b, short c, int d, void* e, char f, int g,
                                     unsigned int h, long i, u64 j, unsigned long k) {
  return record((long)a + (long)b + c + d + (long)e + f + g + h + i + (long)j + (long)k);
}
TARGET int bpf_testmod_test_struct_arg_10(struct rfc_u64x2 a, struct rfc_u64x2 b,
                                          struct rfc_u64x2 c, struct rfc_u64x2 d, short e,
                                          struct rfc_u64x2 f) {
  return record((long)(a.a + a.b + b.a + b.b + c.a + c.b + d.a + d.b) + e + (long)(f.a + f.b));
}
TARGET int bpf_testmod_test_struct_arg_11(struct rfc_i128 a, struct rfc_i128 b, struct rfc_i128 c,
                                          struct rfc_i128 d, short e, struct rfc_i128 f) {
  return record((long)(a.a + b.a + c.a + d.a + e + f.a));
}
TARGET double target_floats(float a, double b, int c, double d) {
  record(c);
  return a + b + c + d;
}
TARGET long target_big(int a, struct big40 b, long c) {
  return record(a + b.a[0] + b.a[1] + b.a[2] + b.a[3] + b.a[4] + c);
}
TARGET struct pair_ret target_ret_pair(long a, long b) {
  struct pair_ret r = {a * 2, b * 3};
  record(a + b);
  return r;
}
TARGET struct big40 target_ret_big(long a) {
  struct big40 r = {{a, a + 1, a + 2, a + 3, a + 4}};
  record(a);
  return r;
}
TARGET struct mixed target_ret_mixed(int i, float f, double d) {
  struct mixed r = {i + 1, f * 2, d * 3};
  record(i);
  return r;
}
TARGET long double target_long_double(long double x, int y) {
  record(y);
  return x * 2 + y;
}
TARGET __int128 target_int128(__int128 x, long y) {
  record(y);
  return x * 3 + y;
}
TARGET long target_many(long a1, double d1, long a2, double d2, long a3, double d3, long a4,
                        double d4, long a5, double d5, long a6, double d6, long a7, double d7,
                        long a8, double d8, long a9, double d9, long a10, double d10) {
  double d = d1 + d2 + d3 + d4 + d5 + d6 + d7 + d8 + d9 + d10;
  return record(a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + (long)d);
}
TARGET void target_void(long a) {
  record(a);
}

/* Callers: the values of bpf_testmod_test_read() and the RFC. */
static const struct bpf_testmod_struct_arg_1 struct_arg1 = {10};
static const struct bpf_testmod_struct_arg_2 struct_arg2 = {2, 3};
static const struct bpf_testmod_struct_arg_4 struct_arg4 = {21, 22};
static const struct bpf_testmod_struct_arg_5 struct_arg5 = {23, 24, 25, 26};

CALLER int call_struct_arg_1(int (*f)(struct bpf_testmod_struct_arg_2, int, int)) {
  return f(struct_arg2, 1, 4);
}
CALLER int call_struct_arg_2(int (*f)(int, struct bpf_testmod_struct_arg_2, int)) {
  return f(1, struct_arg2, 4);
}
CALLER int call_struct_arg_3(int (*f)(int, int, struct bpf_testmod_struct_arg_2)) {
  return f(1, 4, struct_arg2);
}
CALLER int call_struct_arg_4(int (*f)(struct bpf_testmod_struct_arg_1, int, int, int,
                                      struct bpf_testmod_struct_arg_2)) {
  return f(struct_arg1, 1, 2, 3, struct_arg2);
}
CALLER int call_struct_arg_5(int (*f)(void)) {
  return f();
}
CALLER int call_struct_arg_7(int (*f)(u64, void*, short, int, void*,
                                      struct bpf_testmod_struct_arg_4)) {
  return f(16, (void*)17, 18, 19, (void*)20, struct_arg4);
}
CALLER int call_struct_arg_8(int (*f)(u64, void*, short, int, void*,
                                      struct bpf_testmod_struct_arg_4, int)) {
  return f(16, (void*)17, 18, 19, (void*)20, struct_arg4, 23);
}
CALLER int call_struct_arg_9(int (*f)(u64, void*, short, int, void*, char, short,
                                      struct bpf_testmod_struct_arg_5, long)) {
  return f(16, (void*)17, 18, 19, (void*)20, 21, 22, struct_arg5, 27);
}
CALLER int call_union_arg_1(int (*f)(union bpf_testmod_union_arg_1, int, int)) {
  union bpf_testmod_union_arg_1 u;
  u.arg.a = 1;
  return f(u, 4, 5);
}
CALLER int call_union_arg_2(int (*f)(int, union bpf_testmod_union_arg_2)) {
  union bpf_testmod_union_arg_2 u;
  u.arg.a = 2;
  u.arg.b = 3;
  return f(6, u);
}
CALLER int call_fentry_test7(int (*f)(u64, void*, short, int, void*, char, int)) {
  return f(16, (void*)17, 18, 19, (void*)20, 21, 22);
}
CALLER int call_fentry_test11(int (*f)(u64, void*, short, int, void*, char, int, unsigned int, long,
                                       u64, unsigned long)) {
  return f(16, (void*)17, 18, 19, (void*)20, 21, 22, 23, 24, 25, 26);
}
CALLER int call_struct_arg_10(int (*f)(struct rfc_u64x2, struct rfc_u64x2, struct rfc_u64x2,
                                       struct rfc_u64x2, short, struct rfc_u64x2)) {
  struct rfc_u64x2 a = {27, 28}, b = {29, 30}, c = {31, 32}, d = {33, 34}, g = {36, 37};
  return f(a, b, c, d, 35, g);
}
CALLER int call_struct_arg_11(int (*f)(struct rfc_i128, struct rfc_i128, struct rfc_i128,
                                       struct rfc_i128, short, struct rfc_i128)) {
  struct rfc_i128 a = {38}, b = {39}, c = {40}, d = {41}, g = {43};
  return f(a, b, c, d, 42, g);
}
CALLER double call_floats(double (*f)(float, double, int, double)) {
  return f(1.5f, 2.25, 3, 4.125);
}
CALLER long call_big(long (*f)(int, struct big40, long)) {
  struct big40 b = {{100, 200, 300, 400, 500}};
  return f(7, b, 9);
}
CALLER struct pair_ret call_ret_pair(struct pair_ret (*f)(long, long)) {
  return f(5, 6);
}
CALLER struct big40 call_ret_big(struct big40 (*f)(long)) {
  return f(50);
}
CALLER struct mixed call_ret_mixed(struct mixed (*f)(int, float, double)) {
  return f(41, 1.25f, 0.5);
}
CALLER long double call_long_double(long double (*f)(long double, int)) {
  return f(1.5L, 4);
}
CALLER __int128 call_int128(__int128 (*f)(__int128, long)) {
  return f(((__int128)0x1122334455667788 << 64) | 0x99aabbccddeeff00ull, 5);
}
CALLER long call_many(long (*f)(long, double, long, double, long, double, long, double, long,
                                double, long, double, long, double, long, double, long, double,
                                long, double)) {
  return f(1, 0.5, 2, 1.5, 3, 2.5, 4, 3.5, 5, 4.5, 6, 5.5, 7, 6.5, 8, 7.5, 9, 8.5, 10, 9.5);
}
CALLER void call_void(void (*f)(long)) {
  f(77);
}

long target_atomic_calls;
TARGET long target_counted(long a) {
  __atomic_fetch_add(&target_atomic_calls, 1, __ATOMIC_RELAXED);
  return a + 1;
}
CALLER long call_counted(long (*f)(long), long a) {
  return f(a);
}

/* Entry-patch-only targets (the entry_patch_test functions). */

TARGET int patched_struct_arg_1(struct bpf_testmod_struct_arg_2 a, int b, int c) {
  return record(a.a + a.b + b + c);
}
TARGET int patched_struct_arg_11(struct rfc_i128 a, struct rfc_i128 b, struct rfc_i128 c,
                                           struct rfc_i128 d, short e, struct rfc_i128 f) {
  return record((long)(a.a + b.a + c.a + d.a + e + f.a));
}
TARGET struct big40 patched_ret_big(long a) {
  struct big40 r = {{a, a + 1, a + 2, a + 3, a + 4}};
  record(a);
  return r;
}
TARGET double patched_floats(float a, double b, int c, double d) {
  record(c);
  return a + b + c + d;
}
TARGET long patched_counted(long a) {
  __atomic_fetch_add(&target_atomic_calls, 1, __ATOMIC_RELAXED);
  return a + 1;
}

#if defined(__s390x__)
/* The form s390x refuses: three 2-byte nopr. */
__attribute__((noipa, patchable_function_entry(3, 0))) long three_nopr_counted(long a) {
  return a + 1;
}
#endif
