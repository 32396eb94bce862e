/* A small C corpus for the CLI tests, compiled with `gcc -gbtf -g -O1 -c`:
 * each function exercises one acceptance rule of the kernel
 * (btf_distill_func_proto) or one model fact. Keep the expectations in
 * cli_corpus_test.cpp in sync with this file. */
#include <stdarg.h>

struct pair16 { long a, b; };                       /* 16 bytes: kernel accepts */
struct big40 { long a[5]; };                        /* > 16 bytes: kernel rejects */
struct __attribute__((aligned(16))) over_aligned { int x; };  /* only DWARF knows */
struct __attribute__((packed)) packed5 { char c; int i; };
struct bits { unsigned a : 3, b : 5; int c; };
union num { int i; float f; };
struct nested { struct { short s; union num n; } in; char tail[2]; };

long corpus_pair(struct pair16 p) { return p.a + p.b; }
long corpus_big(struct big40 b) { return b.a[0] + b.a[4]; }
int corpus_aligned(struct over_aligned a, int b) { return a.x + b; }
int corpus_packed(struct packed5 p) { return p.c + p.i; }
int corpus_bits(struct bits b) { return (int)b.a + (int)b.b + b.c; }
int corpus_union(union num n, struct nested s) { return n.i + s.in.s + s.tail[1]; }
int corpus_small(signed char c, unsigned short s) { return c + s; }
double corpus_float(float f, double d) { return f + d; }
int corpus_float_arg(int a, float f) { return a + (int)f; }
long double corpus_long_double(long double x) { return x * 2; }
__int128 corpus_int128(__int128 x) { return x + 1; }
struct pair16 corpus_ret_struct(long a) {
  struct pair16 p = {a, a + 1};
  return p;
}
int corpus_varargs(int n, ...) {
  va_list ap;
  va_start(ap, n);
  int r = n > 0 ? va_arg(ap, int) : 0;
  va_end(ap);
  return r;
}
long corpus_args12(long a1, long a2, long a3, long a4, long a5, long a6, long a7, long a8,
                   long a9, long a10, long a11, long a12) {
  return a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11 + a12;
}
long corpus_args13(long a1, long a2, long a3, long a4, long a5, long a6, long a7, long a8,
                   long a9, long a10, long a11, long a12, long a13) {
  return a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11 + a12 + a13;
}
void corpus_void(void) {}

/* A global of struct type: its name is not a function. */
struct pair16 corpus_not_a_function;
