/* The functions the Linux kernel's BPF selftests trace, with their types:
 *  - tools/testing/selftests/bpf/test_kmods/bpf_testmod.c (earlier
 *    bpf_testmod/bpf_testmod.c): bpf_testmod_test_struct_arg_1..9, the union
 *    arguments of v6.18 (Leon Hwang, ccb4f5d91ec4 / 1c6686bf7fc1),
 *    bpf_testmod_test_arg_ptr_to_struct and bpf_testmod_fentry_test1/2/3/7/11
 *    (docs/linux-jits.md "The kernel selftests and the 2025 RFC").
 *  - net/bpf/test_run.c: bpf_fentry_test1..11 (test11 takes a union by value,
 *    added with the union-argument series) and bpf_modify_return_test/2.
 * Declarations only. The kernel's u64/__u64 are unsigned long long and u32 is
 * unsigned int on all three architectures.
 *
 * The one copy of these types and prototypes: conform's built-in corpus (this
 * file's text, embedded), the model corpus (selftests/model/corpus/corpus.h)
 * and the trampoline round-trip targets (selftests/tramp/targets.h) include
 * it. Self-contained and plain C (no extern "C" block: conform's tests read
 * its declarations as text): conform compiles it alone. */
#ifndef XTRAMP_CONFORM_CORPUS_SELFTESTS_H
#define XTRAMP_CONFORM_CORPUS_SELFTESTS_H

typedef unsigned long long u64;
typedef unsigned long long __u64;
typedef unsigned int u32;

/* bpf_testmod.c */
struct bpf_testmod_struct_arg_1 {
  int a;
};
struct bpf_testmod_struct_arg_2 {
  long a;
  long b;
};
struct bpf_testmod_struct_arg_3 {
  int a;
  int b[]; /* only ever passed by pointer (struct_arg_6) */
};
struct bpf_testmod_struct_arg_4 {
  u64 a;
  int b;
}; /* 16 bytes */
struct bpf_testmod_struct_arg_5 {
  char a;
  short b;
  int c;
  long d;
}; /* 16 bytes */
union bpf_testmod_union_arg_1 {
  char a;
  short b;
  struct bpf_testmod_struct_arg_1 arg;
}; /* 4 bytes */
union bpf_testmod_union_arg_2 {
  int a;
  long b;
  struct bpf_testmod_struct_arg_2 arg;
}; /* 16 bytes */

int bpf_testmod_test_struct_arg_1(struct bpf_testmod_struct_arg_2 a, int b, int c);
int bpf_testmod_test_struct_arg_2(int a, struct bpf_testmod_struct_arg_2 b, int c);
int bpf_testmod_test_struct_arg_3(int a, int b, struct bpf_testmod_struct_arg_2 c);
int bpf_testmod_test_struct_arg_4(struct bpf_testmod_struct_arg_1 a, int b, int c, int d,
                                  struct bpf_testmod_struct_arg_2 e);
int bpf_testmod_test_struct_arg_5(void);
int bpf_testmod_test_struct_arg_6(struct bpf_testmod_struct_arg_3* a);
int bpf_testmod_test_struct_arg_7(u64 a, void* b, short c, int d, void* e,
                                  struct bpf_testmod_struct_arg_4 f);
int bpf_testmod_test_struct_arg_8(u64 a, void* b, short c, int d, void* e,
                                  struct bpf_testmod_struct_arg_4 f, int g);
int bpf_testmod_test_struct_arg_9(u64 a, void* b, short c, int d, void* e, char f, short g,
                                  struct bpf_testmod_struct_arg_5 h, long i);
int bpf_testmod_test_union_arg_1(union bpf_testmod_union_arg_1 a, int b, int c);
int bpf_testmod_test_union_arg_2(int a, union bpf_testmod_union_arg_2 b);
int bpf_testmod_test_arg_ptr_to_struct(struct bpf_testmod_struct_arg_1* a);
int bpf_testmod_fentry_test1(int a);
int bpf_testmod_fentry_test2(int a, u64 b);
int bpf_testmod_fentry_test3(char a, int b, u64 c);
int bpf_testmod_fentry_test7(u64 a, void* b, short c, int d, void* e, char f, int g);
int bpf_testmod_fentry_test11(u64 a, void* b, short c, int d, void* e, char f, int g,
                              unsigned int h, long i, __u64 j, unsigned long k);

/* net/bpf/test_run.c */
struct bpf_fentry_test_t {
  struct bpf_fentry_test_t* a;
};
typedef union {
  void* arg0;
  int* arg1;
} union_test_t; /* 8 bytes, passed by value */

int bpf_fentry_test1(int a);
int bpf_fentry_test2(int a, u64 b);
int bpf_fentry_test3(char a, int b, u64 c);
int bpf_fentry_test4(void* a, char b, int c, u64 d);
int bpf_fentry_test5(u64 a, void* b, short c, int d, u64 e);
int bpf_fentry_test6(u64 a, void* b, short c, int d, void* e, u64 f);
int bpf_fentry_test7(struct bpf_fentry_test_t* arg);
int bpf_fentry_test8(struct bpf_fentry_test_t* arg);
u32 bpf_fentry_test9(u32* a);
int bpf_fentry_test10(const void* a);
int bpf_fentry_test11(union_test_t t);
int bpf_modify_return_test(int a, int* b);
int bpf_modify_return_test2(int a, int* b, short c, int d, void* e, char f, int g);

#endif
