/* xtramp model corpus: every C type whose layout the FuncModel must get right,
 * each passed by value to (and some returned from) a function so that it
 * appears as an argument/return type in the BTF GCC emits (-gbtf).
 *
 * Compiled for x86-64, aarch64 and s390x by selftests/model/CMakeLists.txt; the
 * model test includes this header in generated C files so that the same
 * compiler answers sizeof/_Alignof/offsetof questions (the oracle).
 *
 * Rules for additions: every parameter type must be nameable (a struct/union/
 * enum tag, a typedef or a scalar), because the oracle spells it; list the
 * function in corpus_funcs.def (one-argument functions) or below by hand.
 *
 * GCC 12 -gbtf quirks seen with this corpus (the test copes with the first
 * four; the last two are kept out because BTF alone cannot be right):
 *  - multi-dimensional arrays come out with their dimensions swapped
 *    (`short m[2][3]` is ARRAY(3) of ARRAY(2)); sizes and leaf sets still agree;
 *  - nameless BTF_KIND_FUNC records for function-pointer prototypes;
 *  - enumerators that do not fit in 32 bits are dropped (e_big has one value),
 *    and ENUM carries no signedness flag (only negative values tell);
 *  - unnamed bit-fields are in neither BTF nor DWARF (zw_i128, zw_c below);
 *  - a struct with _Float16 members gets a BTF type of kind 0 that libbpf
 *    refuses ("Unsupported BTF_KIND:0"), so only the scalar _Float16 is here;
 *  - when a struct STARTS with unnamed bit-fields, the next member's BTF
 *    offset is 0 (`struct { int :8; int a; }`: BTF says a at 0, DWARF says 4). */
#ifndef XTRAMP_MODEL_CORPUS_H
#define XTRAMP_MODEL_CORPUS_H

/* The kernel's bpf_testmod types and prototypes (u64, u32 too): the one
 * shared copy, also conform's built-in corpus. */
#include "../../../conform/corpus/selftests.h"

typedef unsigned short u16;
typedef unsigned char u8;
typedef long long s64;

/* ---- the 2025 RFC ("bpf, arm64: support up to 12 arguments") ---- */
struct rfc_i128 { __int128 a; };
struct rfc_u64x2 { u64 a; u64 b; };

/* ---- over-alignment (invisible in BTF; DWARF has DW_AT_alignment) ---- */
struct om16 { long a __attribute__((aligned(16))); long b; };     /* member-aligned: AAPCS64 natural 16 */
struct __attribute__((aligned(16))) os16 { long a, b; };         /* struct-aligned: natural 8 */
struct __attribute__((aligned(32))) os32 { long a, b; };         /* size 32 */
struct __attribute__((aligned(16))) os16_small { int v; };       /* size 16, one int */
struct om8 { int a __attribute__((aligned(8))); int b; };         /* over-aligned below 16 */
typedef long al16l __attribute__((aligned(16)));                  /* typedef'd aligned scalar */
typedef int al32i __attribute__((aligned(32)));
struct tdal16 { al16l x; long y; };                               /* member via aligned typedef */
struct tdal32 { al32i x; int y; };                                /* size 32 */
struct mixed_al { char c; struct os16_small s; double d; };       /* size 48, s at 16 */
struct om16_in { struct om16 in; };                               /* nested member-aligned */
struct os_in { int i; struct os16 s; };                           /* size 32, s at 16 */
typedef struct bpf_testmod_struct_arg_2 arg2_al32 __attribute__((aligned(32))); /* main variant: 8 */
struct i128_c { char c; __int128 x; };                            /* 32 bytes, x at 16 (s390x: 24, x at 8) */
struct wide { __int128 q; char tag; };                            /* 32 on x86-64/arm64, 24 on s390x */
struct ld_tag { long double x; char tag; };                       /* 32 / 32 / 24 */

/* ---- packing ---- */
struct __attribute__((packed)) pk_mis { char a; int b; short c; };          /* 7 bytes, detectable */
struct __attribute__((packed)) pk_i128 { __int128 x; };                    /* undetectable */
struct __attribute__((packed)) pk_ll { long a; long b; };                  /* undetectable, < 16 */
struct __attribute__((packed, aligned(4))) pk_a4 { char a; int b; short c; }; /* size 8, align 4 */
struct __attribute__((packed, aligned(4))) pk_a4_i128 { unsigned __int128 x; long y; short z; }; /* 28, align 4: only DWARF tells */
struct __attribute__((packed)) pk_tail { long a; char b; };                /* size 9: size % 8 */
struct __attribute__((packed)) pk5 { int a; char b; };                     /* 5 bytes */
struct pk_member { char c; int x __attribute__((packed)); };               /* member-packed: 5 bytes */
struct pk_outer { char c; struct pk_ll p; };                               /* contains a packed struct */

/* ---- bit-fields ---- */
struct bf1 { unsigned a : 3; unsigned b : 5; unsigned long long x : 57; };   /* 16 bytes */
struct bf57 { unsigned long long x : 57; };
struct bf_zw { int a : 4; int : 0; int b : 4; };                          /* zero-width: b at 4 */
struct bf_char { char c; int a : 8; };                                     /* a shares c's int unit */
struct bf_span { char c[3]; int a : 16; };                                 /* a moves to the next int */
struct __attribute__((packed)) bf_pk { char c; int a : 8; };               /* 2 bytes */
struct bf_signed { int s : 5; unsigned u : 5; long long l : 40; };
/* Unnamed zero-width bit-fields are in neither BTF nor DWARF, yet on AArch64
 * they raise the struct's alignment (GCC: zw_i128 is 16-aligned, passed in an
 * even register pair); on x86-64 and s390x they only move the next field. */
struct zw_i128 { __int128 : 0; long a; long b; };
struct zw_c { char a; int : 0; char b; };                                  /* 5 bytes; 8 on arm64 */

/* ---- unions ---- */
union u_i128 { __int128 q; char c; };
union u_ld { long double ld; int i; };
union u_f { float f; int i; };
union u_fd { float f; double d; };
union u_arr { char c[12]; int i; };                                        /* 12 bytes */
struct s_with_u { int tag; union u_fd v; };
union u_nest { struct bpf_testmod_struct_arg_2 s; double d[2]; };

/* ---- floating point ---- */
struct sf { float f; };
struct sd { double d; };
struct ss_d { struct sd s; };                                              /* single-member chain */
struct sss_f { struct { struct sf in; } mid; };
struct f2 { float a, b; };
struct hfa3 { float a, b, c; };
struct hfa_d4 { double x[4]; };
struct hfa_d2 { double x, y; };
struct fd_mix { float f; int i; };
struct dl_mix { double d; long l; };
struct fdf { float a; double b; float c; };
struct ld_s { long double x; };
struct f128_s { _Float128 x; };
struct ld_d { long double x; double d; };
/* No struct with _Float16 members: GCC 12 -gbtf emits BTF kind 0 for it
 * (libbpf: "Unsupported BTF_KIND:0"). The scalar is fine. */

/* ---- nesting, arrays, anonymous members ---- */
struct nest_arr { struct { short s; char c[3]; } in[2]; int tail; };       /* 16 bytes */
struct nest { struct bpf_testmod_struct_arg_1 x; long y[2]; };
struct anon_m { int a; struct { char b; short c; }; union { int d; float e; }; };
struct arr2d { short m[2][3]; };
struct ptrs { void *p; const char *s; int (*fn)(int); };
struct flex { int n; int d[]; };                                           /* by value: 4 bytes */
typedef struct { int a; char b; } anon_t;                                  /* typedef of an anonymous struct */
typedef struct bpf_testmod_struct_arg_2 targ2_t;

/* ---- sizes 1..32 (char arrays), odd sizes ---- */
#define XT_SZ(n) struct sz##n { unsigned char c[n]; };
XT_SZ(1) XT_SZ(2) XT_SZ(3) XT_SZ(4) XT_SZ(5) XT_SZ(6) XT_SZ(7) XT_SZ(8)
XT_SZ(9) XT_SZ(10) XT_SZ(11) XT_SZ(12) XT_SZ(13) XT_SZ(14) XT_SZ(15) XT_SZ(16)
XT_SZ(17) XT_SZ(18) XT_SZ(19) XT_SZ(20) XT_SZ(21) XT_SZ(22) XT_SZ(23) XT_SZ(24)
XT_SZ(25) XT_SZ(26) XT_SZ(27) XT_SZ(28) XT_SZ(29) XT_SZ(30) XT_SZ(31) XT_SZ(32)
#undef XT_SZ
struct s3 { short a; char b; };           /* 4, not 3 */
struct s6 { short s[3]; };
struct s6b { char a; char b; short c; char d[2]; };
struct s12 { int a, b, c; };
struct s24 { long a, b, c; };
struct s2i { int a, b; };
struct sl_i { long a; int b; };           /* 16 bytes (tail padding) */
struct sc_l { char c; long l; };          /* 16 bytes */

/* ---- more alignment edge cases ---- */
union u_os { struct os16 s; long l; };                       /* union with an over-aligned member */
struct arr_os { struct os16 a[2]; };                         /* array of over-aligned structs: 32 */
struct __attribute__((packed)) pk_om { char c; long x __attribute__((aligned(16))); }; /* 32, align 16 */
struct alas { _Alignas(16) char c; };                        /* C11 _Alignas member: 16 bytes */
struct __attribute__((packed)) pk_i128_mis { char c; __int128 x; };   /* 17 bytes, x at 1 */
struct empty {};                                             /* GNU C: size 0 */
struct with_empty { int a; struct empty e; int b; };
struct zla { int n; char d[0]; };                            /* GNU zero-length array */
typedef struct sf sf_t;
struct chain_td { sf_t x; };                                 /* single-member chain via a typedef */
struct cv { const int a; volatile short b; const volatile char c; };

/* ---- bigger than 64 bytes ---- */
struct big72 { long x[9]; };
struct big_mix { char c; double d[10]; };   /* 88 bytes */
struct big64 { long x[8]; };                /* exactly 64: fields still complete */

/* ---- enums ---- */
enum e_small { ES_A, ES_B };                                   /* unsigned int */
enum e_neg { EN_M = -1, EN_P = 1 };                            /* int */
enum e_big { EB_A = 1, EB_B = 0x100000000ULL };                /* 8 bytes, unsigned */
enum e_bigneg { EBN_M = -1, EBN_B = 0x10000000000LL };         /* 8 bytes, signed */
enum __attribute__((packed)) e_pk { EP_A, EP_B };              /* 1 byte */
struct bf_enum { enum e_small e : 2; unsigned x : 6; };         /* enum bit-field */

typedef int (*xt_fnp)(int);
typedef int myint;

/* ---- functions ---- */
#define XT_TAKE(name, T) int name(T a);
#define XT_RET(name, T) T name(int x);
#include "corpus_funcs.def"
#undef XT_TAKE
#undef XT_RET

/* both bpf_testmod union arguments in one function */
int bpf_testmod_test_union_arg(union bpf_testmod_union_arg_1 a, union bpf_testmod_union_arg_2 b);
/* RFC: 4 x 16-byte arguments, then the stack */
int rfc_many_i128(struct rfc_i128 a, struct rfc_i128 b, struct rfc_i128 c, struct rfc_i128 d,
                  int e, struct rfc_i128 f);
int rfc_many_u64x2(struct rfc_u64x2 a, struct rfc_u64x2 b, struct rfc_u64x2 c, struct rfc_u64x2 d,
                   int e, struct rfc_u64x2 f);
/* qualifiers, raw function pointer, many arguments */
int f_qual(const struct bpf_testmod_struct_arg_2 a, const int b, volatile long c);
int f_cb(int (*cb)(int, long), void (*v)(void));
double f_many(char a, short b, int c, long d, float e, double f, long double g, __int128 h,
              struct wide i, struct hfa3 j, struct sz3 k, u8 l, u16 m, u32 n, u64 o, void *p,
              enum e_neg q, _Bool r, struct om16 s, struct os16 t);
/* varargs: the model must refuse it */
int f_varargs(int n, ...);

#endif
