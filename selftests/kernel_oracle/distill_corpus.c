/* Prototypes for the kernel_view unit checks (kernel_oracle_test.cpp).
 *
 * Compiled with `gcc -gbtf -O1 -c` at build time; the test reads the object's
 * .BTF section. Every function is defined (GCC emits BTF_KIND_FUNC for
 * definitions), noinline and used so that it survives -O1. The expected
 * kernel verdict of each one is written next to it in the test, derived from
 * kernel/bpf/btf.c:btf_distill_func_proto() and __get_type_size().
 */
#define KEEP __attribute__((noinline, used))

typedef int i32_t;
typedef const volatile i32_t cv_i32_t;

struct s8 { long a; };
struct s16 { long a, b; };
struct s17 { char c[17]; };
struct s16_chars { char c[16]; };
struct s16_int128 { __int128 x; };
struct s16_nested { struct { int a; short b; } in; long long c; };  /* 16 bytes */
struct empty { };                                                  /* GNU C: size 0 */
union u8 { long a; int b; };
union u16 { __int128 a; char c[16]; };
union u24 { char c[24]; long l; };
union uempty { };

enum small_enum { SE_NEG = -1, SE_POS = 1 };
enum big_enum { BE_BIG = 0x100000000ULL, BE_SMALL = 1 };  /* GCC 12 emits ENUM of size 8, not ENUM64 */
enum __attribute__((packed)) packed_enum { PE_A = 1, PE_B = 200 };  /* 1 byte */

/* 12 and 13 arguments */
KEEP int fn_12_args(int a1, int a2, int a3, int a4, int a5, int a6, int a7, int a8, int a9,
                    int a10, int a11, long a12) { return a1 + a12; }
KEEP int fn_13_args(int a1, int a2, int a3, int a4, int a5, int a6, int a7, int a8, int a9,
                    int a10, int a11, int a12, int a13) { return a1 + a13; }
/* 12 named + "..." = 13 BTF params: the count check fires before the varargs check */
KEEP int fn_12_args_va(int a1, int a2, int a3, int a4, int a5, int a6, int a7, int a8, int a9,
                       int a10, int a11, int a12, ...) { return a1 + a12; }
/* 11 named + "..." = 12 BTF params: rejected as varargs */
KEEP int fn_11_args_va(int a1, int a2, int a3, int a4, int a5, int a6, int a7, int a8, int a9,
                       int a10, int a11, ...) { return a1 + a11; }
KEEP int fn_varargs(const char *fmt, ...) { return fmt[0]; }
/* the argument loop reaches the bad arg0 before the trailing "..." */
KEEP int fn_float_then_va(float f, ...) { return (int)f; }
/* 13 arguments and a struct return: the count check is first */
KEEP struct s8 fn_13_args_struct_ret(int a1, int a2, int a3, int a4, int a5, int a6, int a7,
                                     int a8, int a9, int a10, int a11, int a12, int a13) {
  struct s8 r = {a1 + a13}; return r;
}

/* return types */
KEEP struct s8 fn_ret_struct(long a) { struct s8 r = {a}; return r; }
KEEP union u8 fn_ret_union(long a) { union u8 r = {a}; return r; }
KEEP double fn_ret_double(int a) { return a * 0.5; }
KEEP struct s8 fn_ret_struct_float_arg(float f) { struct s8 r = {(long)f}; return r; }
KEEP void fn_ret_void(int *p) { *p = 1; }
KEEP __int128 fn_ret_int128(long a) { return (__int128)a << 64; }
KEEP unsigned long fn_ret_ulong(unsigned long a) { return a + 1; }
KEEP long fn_ret_long(long a) { return a - 1; }
KEEP enum small_enum fn_ret_enum(int a) { return a ? SE_POS : SE_NEG; }
KEEP const char *fn_ret_ptr(const char *s) { return s + 1; }
KEEP _Bool fn_ret_bool(int a) { return a > 3; }

/* argument types */
KEEP int fn_float_arg(int a, float b) { return a + (int)b; }
KEEP int fn_double_arg(double d) { return (int)d; }
KEEP int fn_long_double_arg(int a, long b, long double c) { return a + (int)b + (int)c; }
KEEP int fn_struct17_arg(struct s17 s) { return s.c[16]; }
KEEP int fn_struct16_arg(struct s16 s) { return (int)(s.a + s.b); }
KEEP int fn_union24_arg(int a, union u24 u) { return a + u.c[23]; }
KEEP int fn_int128_arg(__int128 x, unsigned __int128 y) { return (int)(x + y); }
KEEP int fn_enum_args(enum small_enum a, enum big_enum b) { return (int)a + (int)b; }
KEEP int fn_void_params(void) { return 42; }
KEEP int fn_empty_struct_arg(int a, struct empty e) { (void)e; return a; }
KEEP int fn_empty_union_arg(union uempty e, int a) { (void)e; return a; }
KEEP long fn_mixed(signed char a, unsigned char b, short c, unsigned short d, _Bool e,
                   long long f, unsigned long long g, void *h, int (*cb)(int),
                   cv_i32_t i, struct s8 j, union u16 k) {
  return a + b + c + d + e + f + (long)g + (long)h + cb(i) + j.a + k.c[0];
}
KEEP long fn_aggregates(struct s16_chars a, struct s16_int128 b, struct s16_nested c, union u8 d) {
  return a.c[0] + (long)b.x + c.c + d.a;
}
KEEP int fn_packed_enum(enum packed_enum e, short s) { return (int)e + s; }
