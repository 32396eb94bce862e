/* Functions xtramp-stress hooks (stress_targets.c, GCC -gbtf: the BTF comes
 * from that object). Every one takes the calling thread's index `t` and the
 * call's sequence number `s` (unique per thread, from 1) as its first two
 * arguments, and records both in st_seen[fn][t] before it returns, so that a
 * caller can tell whether the original ran for its call. */
#ifndef XTRAMP_SELFTESTS_STRESS_TARGETS_H
#define XTRAMP_SELFTESTS_STRESS_TARGETS_H

#ifdef __cplusplus
extern "C" {
#endif

#define ST_MAX_THREADS 64

enum st_fn { ST_ADD, ST_MIX, ST_PAIR, ST_PATCHED, ST_PATCHED_MANY, ST_FUNCS };

/* One cache line per (function, thread): written only by that thread. */
struct st_seen {
  long last;  /* s of the last call the original ran for */
  long calls; /* how many times the original ran */
  long pad[6];
};
extern struct st_seen st_seen[ST_FUNCS][ST_MAX_THREADS];

struct st_pair {
  long a;
  long b;
};

/* Replace mode (called through an atomic function pointer). */
long st_add(long t, long s, long a);                         /* 2a + s + t */
double st_mix(long t, long s, double x, int y, float z);     /* x + y + z  */
struct st_pair st_pair_fn(long t, long s, struct st_pair p); /* {a+t, b-s} */
/* Entry patch (x86-64: five-nop patchable entry; called directly). */
long st_patched(long t, long s, long a); /* 3a - t     */
int st_patched_many(long t, long s, int a, int b, int c, int d, int e,
                    int f); /* 8 arguments: two on the stack on x86-64 */

#ifdef __cplusplus
}
#endif

#endif
