/* Types for the fuzz seed objects (gcc -gbtf [-g]): a wide spread of BTF
 * kinds and shapes, so mutations start from realistic type graphs. */
#include <stdarg.h>

typedef unsigned long long u64;
typedef const volatile u64 cv_u64;
enum color { RED, GREEN = 7, BLUE = -1 };
enum __attribute__((packed)) small_enum { S0, S1 };
struct __attribute__((aligned(32))) al32 { char c; };
struct zero_width { int a : 3; int : 0; int b : 5; char c; };
struct with_flex { int n; long data[]; };
struct with_array { short s[3]; union { float f; u64 u; } in[2]; };
struct fnptrs { int (*cb)(int, ...); void (*table[2])(void); };
struct hfa { float x, y, z, w; };
struct dbl2 { double a, b; };
union wide { __int128 i; long double ld; char bytes[16]; };
struct nested3 { struct { struct { char c; _Alignas(16) int x; } in; } mid; };
struct __attribute__((packed, aligned(2))) packed_al2 { char c; u64 v; };
struct empty {};

int seed_enum(enum color c, enum small_enum s) { return (int)c + (int)s; }
u64 seed_cv(cv_u64 a, const struct al32* p) { return a + (u64)p->c; }
int seed_bits(struct zero_width z) { return z.a + z.b + z.c; }
long seed_flex(struct with_flex* f) { return f->n ? f->data[0] : 0; }
float seed_array(struct with_array a) { return a.in[1].f + a.s[2]; }
int seed_fnptrs(struct fnptrs f) { return f.cb ? f.cb(1, 2) : 0; }
float seed_hfa(struct hfa h, struct dbl2 d) { return h.x + h.w + (float)d.b; }
union wide seed_wide(union wide w, __int128 i, long double ld) {
  w.i += i + (__int128)ld;
  return w;
}
int seed_nested(struct nested3 n, struct packed_al2 p) { return n.mid.in.x + p.c; }
int seed_empty(struct empty e, int x) { (void)e; return x; }
_Bool seed_bool(_Bool b, unsigned char c, signed short s) { return b && c && s; }
double seed_log(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  double d = va_arg(ap, double);
  va_end(ap);
  return d;
}
