/* The patchable entry of a C function xtramp patches on x86-64
 * (arch/x86_64/patch.hpp): five one-byte nops, GCC's patchable_function_entry. */
#if defined(__x86_64__)
#define XTRAMP_PATCHABLE __attribute__((patchable_function_entry(5, 0)))
#endif
