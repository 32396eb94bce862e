// xtramp_rcu_register_thunk (common/tramp/rcu_facts.hpp) of the arm64 host:
// called from an entry stub at the entry of a hooked function (every argument
// register live): saves them, calls xtramp_rcu_register_thread (the run-time
// layer's), restores them.
#if defined(__aarch64__)
// Called with `blr x16` after the stub pushed x29/x30 (so x30 is ours to
// clobber). Saved: x0-x8 (x8: indirect result), q0-q7.
asm(R"(
  .text
  .globl xtramp_rcu_register_thunk
  .type xtramp_rcu_register_thunk, %function
xtramp_rcu_register_thunk:
  stp x29, x30, [sp, #-224]!
  mov x29, sp
  stp x0, x1, [sp, #16]
  stp x2, x3, [sp, #32]
  stp x4, x5, [sp, #48]
  stp x6, x7, [sp, #64]
  str x8, [sp, #80]
  stp q0, q1, [sp, #96]
  stp q2, q3, [sp, #128]
  stp q4, q5, [sp, #160]
  stp q6, q7, [sp, #192]
  bl xtramp_rcu_register_thread
  ldp x0, x1, [sp, #16]
  ldp x2, x3, [sp, #32]
  ldp x4, x5, [sp, #48]
  ldp x6, x7, [sp, #64]
  ldr x8, [sp, #80]
  ldp q0, q1, [sp, #96]
  ldp q2, q3, [sp, #128]
  ldp q4, q5, [sp, #160]
  ldp q6, q7, [sp, #192]
  ldp x29, x30, [sp], #224
  ret
  .size xtramp_rcu_register_thunk, .-xtramp_rcu_register_thunk
)");
#endif  // __aarch64__
