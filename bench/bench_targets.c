#include "bench_targets.h"

/* The patchable entries entry patching needs (as selftests/tramp/targets.c):
 * the host arch's, from arch/<a>/patchable_entry.h. */
#include "xtramp_patchable_entry.h"
#define TARGET __attribute__((noipa)) XTRAMP_PATCHABLE

TARGET long bench_sum1(long a) {
  return a;
}
TARGET long bench_sum6(long a, long b, long c, long d, long e, long f) {
  return a + b + c + d + e + f;
}
TARGET long bench_sum12(long a, long b, long c, long d, long e, long f, long g, long h, long i,
                        long j, long k, long l) {
  return a + b + c + d + e + f + g + h + i + j + k + l;
}
TARGET int bench_rfc(struct bench_s16 a, struct bench_s16 b, struct bench_s16 c, struct bench_s16 d,
                     short e, struct bench_a16 f) {
  return (int)(a.a + b.b + c.a + d.b + e + (long)f.a);
}
