/* Bodies for the corpus prototypes. The model only reads the prototypes (BTF
 * FUNC / FUNC_PROTO); the bodies just have to compile on every target. */
/* No libc headers: every FUNC in the BTF must be a corpus function. */
#include "corpus.h"

#define XT_TAKE(name, T) int name(T a) { return (int)sizeof a; }
#define XT_RET(name, T)                                                   \
  T name(int x) {                                                         \
    T r;                                                                  \
    for (unsigned i = 0; i < sizeof r; i++) ((unsigned char *)&r)[i] = (unsigned char)x; \
    return r;                                                             \
  }
#include "corpus_funcs.def"

int bpf_testmod_test_struct_arg_1(struct bpf_testmod_struct_arg_2 a, int b, int c) { return a.a + a.b + b + c; }
int bpf_testmod_test_struct_arg_2(int a, struct bpf_testmod_struct_arg_2 b, int c) { return a + b.a + b.b + c; }
int bpf_testmod_test_struct_arg_3(int a, int b, struct bpf_testmod_struct_arg_2 c) { return a + b + c.a + c.b; }
int bpf_testmod_test_struct_arg_4(struct bpf_testmod_struct_arg_1 a, int b, int c, int d,
                                  struct bpf_testmod_struct_arg_2 e) { return a.a + b + c + d + e.a + e.b; }
int bpf_testmod_test_struct_arg_5(void) { return 1; }
int bpf_testmod_test_struct_arg_6(struct bpf_testmod_struct_arg_3 *a) { return a->b[0]; }
int bpf_testmod_test_struct_arg_7(u64 a, void *b, short c, int d, void *e,
                                  struct bpf_testmod_struct_arg_4 f) {
  return (int)(a + (long)b + c + d + (long)e + f.a + f.b);
}
int bpf_testmod_test_struct_arg_8(u64 a, void *b, short c, int d, void *e,
                                  struct bpf_testmod_struct_arg_4 f, int g) {
  return (int)(a + (long)b + c + d + (long)e + f.a + f.b + g);
}
int bpf_testmod_test_struct_arg_9(u64 a, void *b, short c, int d, void *e, char f, short g,
                                  struct bpf_testmod_struct_arg_5 h, long i) {
  return (int)(a + (long)b + c + d + (long)e + f + g + h.a + h.b + h.c + h.d + i);
}
int bpf_testmod_test_arg_ptr_to_struct(struct bpf_testmod_struct_arg_1 *a) { return a->a; }
int bpf_testmod_test_union_arg(union bpf_testmod_union_arg_1 a, union bpf_testmod_union_arg_2 b) {
  return a.arg.a + b.arg.a;
}
int rfc_many_i128(struct rfc_i128 a, struct rfc_i128 b, struct rfc_i128 c, struct rfc_i128 d,
                  int e, struct rfc_i128 f) {
  return (int)(a.a + b.a + c.a + d.a + e + f.a);
}
int rfc_many_u64x2(struct rfc_u64x2 a, struct rfc_u64x2 b, struct rfc_u64x2 c, struct rfc_u64x2 d,
                   int e, struct rfc_u64x2 f) {
  return (int)(a.a + b.b + c.a + d.b + e + f.a);
}
int f_qual(const struct bpf_testmod_struct_arg_2 a, const int b, volatile long c) { return a.a + b + c; }
int f_cb(int (*cb)(int, long), void (*v)(void)) { v(); return cb(1, 2); }
double f_many(char a, short b, int c, long d, float e, double f, long double g, __int128 h,
              struct wide i, struct hfa3 j, struct sz3 k, u8 l, u16 m, u32 n, u64 o, void *p,
              enum e_neg q, _Bool r, struct om16 s, struct os16 t) {
  return a + b + c + d + e + f + (double)g + (double)h + (double)i.q + j.a + k.c[0] + l + m + n + o +
         (p != 0) + q + r + s.a + t.b;
}
int f_varargs(int n, ...) { return n; }
