/* The functions the trampoline benchmarks hook (bench_targets.c, built with
 * GCC -gbtf: their BTF comes from that object). Each sums its arguments;
 * noipa keeps GCC from inlining or specialising them, and the patchable entry
 * lets the same functions be entry-patched. */
#ifndef XTRAMP_BENCH_TARGETS_H
#define XTRAMP_BENCH_TARGETS_H

#ifdef __cplusplus
extern "C" {
#endif

long bench_sum1(long a);
long bench_sum6(long a, long b, long c, long d, long e, long f);
long bench_sum12(long a, long b, long c, long d, long e, long f, long g, long h, long i, long j,
                 long k, long l);

struct bench_s16 { unsigned long a, b; };
struct bench_a16 { __int128 a; };
int bench_rfc(struct bench_s16 a, struct bench_s16 b, struct bench_s16 c, struct bench_s16 d,
              short e, struct bench_a16 f);

#ifdef __cplusplus
}
#endif

#endif
