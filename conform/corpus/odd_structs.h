/* Small structs of every size 1-8 by value, in several positions and counts.
 * s390x passes structs of 1, 2, 4 or 8 bytes in a GPR (right-aligned, padded on
 * the left) and every other size by reference, as a pointer to a caller-made
 * copy ([S390ABI] simple_arg, docs/abi.md "s390x"); the kernel's s390x JIT
 * treats any argument of at most 8 bytes as a value in the register, so for
 * 3/5/6/7-byte structs it saves the pointer instead (docs/linux-jits.md
 * "s390x"). x86-64 and arm64 pass
 * all of them in one GPR (the size rounded up to 8). The 1/2/4/8-byte ones are
 * the controls. odd<N> is a char array, odd<N>m mixes char and short members
 * (packed where that is needed for an odd size). Declarations only. */
#ifndef XTRAMP_CONFORM_CORPUS_ODD_STRUCTS_H
#define XTRAMP_CONFORM_CORPUS_ODD_STRUCTS_H

struct odd1 {
  char c;
}; /* 1 byte */
struct odd2 {
  char c[2];
}; /* 2 bytes */
struct odd2m {
  short s;
}; /* 2 bytes */
struct odd3 {
  char c[3];
}; /* 3 bytes */
struct odd3m {
  short s;
  char c;
} __attribute__((packed)); /* 3 bytes */
struct odd4 {
  char c[4];
}; /* 4 bytes */
struct odd4m {
  short s;
  char a;
  char b;
}; /* 4 bytes */
struct odd5 {
  char c[5];
}; /* 5 bytes */
struct odd5m {
  char a;
  short b;
  short c;
} __attribute__((packed)); /* 5 bytes */
struct odd6 {
  char c[6];
}; /* 6 bytes */
struct odd6m {
  char a;
  short b;
  char c;
}; /* 6 bytes */
struct odd7 {
  char c[7];
}; /* 7 bytes */
struct odd7m {
  short a[3];
  char b;
} __attribute__((packed)); /* 7 bytes */
struct odd8 {
  char c[8];
}; /* 8 bytes */
struct odd8m {
  short a;
  char b;
  char c[5];
}; /* 8 bytes */

/* 1 byte (control: s390x GPR) */
int odd_struct1_first(struct odd1 a, int b, long c);
int odd_struct1_middle(int a, struct odd1 b, int c);
int odd_struct1_last(long a, long b, struct odd1 c);
int odd_struct1_pair(struct odd1 a, struct odd1 b);
long odd_struct1_stack(long a, long b, long c, long d, long e, struct odd1 f);

/* 2 bytes (control: s390x GPR) */
int odd_struct2_first(struct odd2 a, int b, long c);
int odd_struct2_middle(int a, struct odd2m b, int c);
int odd_struct2_last(long a, long b, struct odd2 c);
int odd_struct2_pair(struct odd2 a, struct odd2m b);
long odd_struct2_stack(long a, long b, long c, long d, long e, struct odd2 f);

/* 3 bytes (s390x: by reference) */
int odd_struct3_first(struct odd3 a, int b, long c);
int odd_struct3_middle(int a, struct odd3m b, int c);
int odd_struct3_last(long a, long b, struct odd3 c);
int odd_struct3_pair(struct odd3 a, struct odd3m b);
long odd_struct3_stack(long a, long b, long c, long d, long e, struct odd3 f);
int odd_struct3_five(struct odd3 a, struct odd3m b, struct odd3 c, struct odd3m d, struct odd3 e);
int odd_struct3_float(double a, struct odd3m b, float c, struct odd3 d);
struct odd3 odd_struct3_ret(int a, struct odd3 b);

/* 4 bytes (control: s390x GPR) */
int odd_struct4_first(struct odd4 a, int b, long c);
int odd_struct4_middle(int a, struct odd4m b, int c);
int odd_struct4_last(long a, long b, struct odd4 c);
int odd_struct4_pair(struct odd4 a, struct odd4m b);
long odd_struct4_stack(long a, long b, long c, long d, long e, struct odd4 f);

/* 5 bytes (s390x: by reference) */
int odd_struct5_first(struct odd5 a, int b, long c);
int odd_struct5_middle(int a, struct odd5m b, int c);
int odd_struct5_last(long a, long b, struct odd5 c);
int odd_struct5_pair(struct odd5 a, struct odd5m b);
long odd_struct5_stack(long a, long b, long c, long d, long e, struct odd5 f);
int odd_struct5_five(struct odd5 a, struct odd5m b, struct odd5 c, struct odd5m d, struct odd5 e);
int odd_struct5_float(double a, struct odd5m b, float c, struct odd5 d);
struct odd5 odd_struct5_ret(int a, struct odd5 b);

/* 6 bytes (s390x: by reference) */
int odd_struct6_first(struct odd6 a, int b, long c);
int odd_struct6_middle(int a, struct odd6m b, int c);
int odd_struct6_last(long a, long b, struct odd6 c);
int odd_struct6_pair(struct odd6 a, struct odd6m b);
long odd_struct6_stack(long a, long b, long c, long d, long e, struct odd6 f);
int odd_struct6_five(struct odd6 a, struct odd6m b, struct odd6 c, struct odd6m d, struct odd6 e);
int odd_struct6_float(double a, struct odd6m b, float c, struct odd6 d);
struct odd6 odd_struct6_ret(int a, struct odd6 b);

/* 7 bytes (s390x: by reference) */
int odd_struct7_first(struct odd7 a, int b, long c);
int odd_struct7_middle(int a, struct odd7m b, int c);
int odd_struct7_last(long a, long b, struct odd7 c);
int odd_struct7_pair(struct odd7 a, struct odd7m b);
long odd_struct7_stack(long a, long b, long c, long d, long e, struct odd7 f);
int odd_struct7_five(struct odd7 a, struct odd7m b, struct odd7 c, struct odd7m d, struct odd7 e);
int odd_struct7_float(double a, struct odd7m b, float c, struct odd7 d);
struct odd7 odd_struct7_ret(int a, struct odd7 b);

/* 8 bytes (control: s390x GPR) */
int odd_struct8_first(struct odd8 a, int b, long c);
int odd_struct8_middle(int a, struct odd8m b, int c);
int odd_struct8_last(long a, long b, struct odd8 c);
int odd_struct8_pair(struct odd8 a, struct odd8m b);
long odd_struct8_stack(long a, long b, long c, long d, long e, struct odd8 f);

#endif
