/* The patchable entry of a C function xtramp patches on s390x
 * (arch/s390x/patch.hpp): one 6-byte brcl 0,0, GCC's hotpatch(0, 3). */
#if defined(__s390x__)
#define XTRAMP_PATCHABLE __attribute__((hotpatch(0, 3)))
#endif
