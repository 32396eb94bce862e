/* The functions xtramp-stress hooks; compiled with GCC -gbtf -g -O1 (the BTF
 * the stress reads comes from this object). `noipa` keeps GCC from changing a
 * target's calling convention or folding it into a caller. */
#include "stress_targets.h"

/* The patchable entry each architecture's entry patching takes (see
 * selftests/tramp/targets.c): five nops, two NOPs, brcl 0,0. */
#if defined(__x86_64__)
#define PATCHABLE __attribute__((patchable_function_entry(5, 0)))
#elif defined(__aarch64__)
#define PATCHABLE __attribute__((patchable_function_entry(2, 0)))
#elif defined(__s390x__)
#define PATCHABLE __attribute__((hotpatch(0, 3)))
#else
#define PATCHABLE
#endif
#define TARGET __attribute__((noipa))

struct st_seen st_seen[ST_FUNCS][ST_MAX_THREADS];

static void seen(enum st_fn f, long t, long s) {
  struct st_seen* p = &st_seen[f][t];
  p->last = s;
  p->calls++;
}

TARGET long st_add(long t, long s, long a) {
  seen(ST_ADD, t, s);
  return 2 * a + s + t;
}
TARGET double st_mix(long t, long s, double x, int y, float z) {
  seen(ST_MIX, t, s);
  return x + y + z;
}
TARGET struct st_pair st_pair_fn(long t, long s, struct st_pair p) {
  struct st_pair r = {p.a + t, p.b - s};
  seen(ST_PAIR, t, s);
  return r;
}
TARGET PATCHABLE long st_patched(long t, long s, long a) {
  seen(ST_PATCHED, t, s);
  return 3 * a - t;
}
TARGET PATCHABLE int st_patched_many(long t, long s, int a, int b, int c, int d, int e, int f) {
  seen(ST_PATCHED_MANY, t, s);
  return a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f + (int)(s & 0xffff);
}
