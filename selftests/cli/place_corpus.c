/* Prototypes for the `xtramp place` / `xtramp audit` CLI tests, compiled
 * with `gcc -gbtf -g -O1 -c` for the build's architecture. Each one is a
 * case docs/linux-jits.md documents; keep cli_place_test.cpp in sync. */

/* The 2025 RFC's shape: four 16-byte-aligned structs, a short, and a fifth
 * one that lands on the stack after the short. */
struct rfc16 { __int128 a; };
int place_rfc(struct rfc16 a, struct rfc16 b, struct rfc16 c, struct rfc16 d, short e,
              struct rfc16 f) { return e + (int)f.a; }

/* s390x passes a 3-byte struct by reference; the s390x JIT by value. */
struct three { char a, b, c; };
int place_three(struct three t) { return t.a + t.c; }

/* Integers and pointers only: every policy agrees everywhere. */
long place_plain(long a, int *b, unsigned char c) { return a + *b + c; }

/* The kernel refuses floats; the extended model places them. */
double place_float(double d, long x) { return d + x; }
