/* Zero-width and unnamed bit-fields first, between, last and alone, next to
 * float, double, integer and aggregate members (docs/abi.md "Bit-fields").
 * `xtramp conform --arch all selftests/conform/bitfields.c`: psabi passes on
 * every arch except where the debug information cannot show the bit-field
 * (unsupported, with the diagnosis): bf_zf_shift on s390x (bf_zf_last and
 * bf_zf_first pass there through the callee's DWARF location, r2), bfu_zf,
 * bfu_zh and bfu_zd2 on x86-64 and arm64.
 * GCC 12 passes, for example, struct bf_uf_last in rdi (x86-64), x0 (arm64)
 * and r2 (s390x), where a plain struct { float a; } takes xmm0, s0, f0. */
struct bf_zf_last  { float a; int : 0; };
struct bf_zf_first { int : 0; float a; };
struct bf_zf_betw  { float a; int : 0; float b; };
struct bf_zd_betw  { double a; int : 0; double b; };
struct bf_uf_last  { float a; int : 8; };
struct bf_uf_first { int : 8; float a; };
struct bf_uf_betw  { float a; int : 32; float b; };
struct bf_ud_last  { double a; long : 8; };
struct bf_zh       { struct { float x, y; } h; int : 0; float z; };
struct bf_uh       { struct { float x, y; } h; int : 8; };
struct bf_zi_betw  { char c; int : 0; char d; };
struct bf_ui_last  { int i; unsigned char : 8; };
struct bf_pad      { unsigned char : 8; };
struct bf_ua_alone { float a; struct bf_pad p; };
struct bf_fa8      { float a __attribute__((aligned(8))); };
struct bf_ul40     { float a; unsigned long : 40; };
struct bf_big      { long x, y; };
/* Unions: GCC classifies their members by their types, so a bit-field of
 * any width, zero included, is an integer member on x86-64 (rdi) and arm64
 * (no HFA); s390x never passes a union in an FPR. Only bfu_ul40 shows it
 * (a size its named member does not explain). */
union bfu_zf       { float f; int : 0; };
union bfu_zh       { struct { float x, y; } h; int : 0; };
union bfu_zd2      { struct { double a, b; } h; long : 0; };
union bfu_ul40     { float f; long : 40; };
union bfu_zi       { int i; int : 0; };

float bf_zf_last(struct bf_zf_last a, float b, int c);
float bf_zf_first(int a, struct bf_zf_first b, double c);
float bf_zf_betw(struct bf_zf_betw a, float b);
double bf_zd_betw(struct bf_zd_betw a, double b, long c);
float bf_uf_last(struct bf_uf_last a, float b, long c);
float bf_uf_first(float a, struct bf_uf_first b, int c);
float bf_uf_betw(struct bf_uf_betw a, float b, long c);
double bf_ud_last(struct bf_ud_last a, double b, long c);
float bf_zh(struct bf_zh a, float b);
float bf_uh(struct bf_uh a, float b, long c);
int bf_zi_betw(struct bf_zi_betw a, int b);
int bf_ui_last(struct bf_ui_last a, float b, int c);
float bf_ua_alone(struct bf_ua_alone a, float b, int c);
float bf_fa8(struct bf_fa8 a, float b, int c);
float bf_ul40(struct bf_ul40 a, float b, long c);
/* s390x: GCC passes f on the stack (r2-r6 are taken), xtramp by the debug
 * info in f0, so it reads g's pointer from f's slot: the round trip crashes,
 * and the runner still diagnoses it (docs/conformance.md). */
long bf_zf_shift(long a, long b, long c, long d, long e, struct bf_zf_first f, struct bf_big g);
float bfu_zf(union bfu_zf a, float b, int c);
float bfu_zh(union bfu_zh a, float b);
double bfu_zd2(union bfu_zd2 a, double b, long c);
float bfu_ul40(union bfu_ul40 a, float b, long c);
int bfu_zi(union bfu_zi a, float b, int c);

/* The same structs where the kernel accepts the prototype (no float argument
 * or return): the linux policy runs too. */
long bf_k_zf_last(struct bf_zf_last a, long b);
long bf_k_uf_last(struct bf_uf_last a, long b);
long bf_k_uf_first(long a, struct bf_uf_first b);
long bf_k_uf_betw(struct bf_uf_betw a, long b);
long bf_k_ud_last(struct bf_ud_last a, long b);
long bf_k_ua_alone(struct bf_ua_alone a, long b);
long bf_k_zi_betw(struct bf_zi_betw a, long b);
long bf_k_ui_last(struct bf_ui_last a, long b);
