/* The patchable entry of a C function xtramp patches on arm64
 * (arch/arm64/patch.hpp): two NOPs, GCC's patchable_function_entry. */
#if defined(__aarch64__)
#define XTRAMP_PATCHABLE __attribute__((patchable_function_entry(2, 0)))
#endif
