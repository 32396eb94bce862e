// xtramp_rcu_register_thunk (common/tramp/rcu_facts.hpp) of the s390x host:
// called from an entry stub at the entry of a hooked function (every argument
// register live): saves them, calls xtramp_rcu_register_thread (the run-time
// layer's), restores them.
#if defined(__s390x__)
// Called with `basr %r1,%r1` (the return address in r1; r14 still the hooked
// function's). Saved: r1-r6, r14, f0 f2 f4 f6, in a frame of our own below
// the 160-byte area the callee may use.
asm(R"(
  .text
  .globl xtramp_rcu_register_thunk
  .type xtramp_rcu_register_thunk, @function
xtramp_rcu_register_thunk:
  aghi %r15, -248
  stmg %r1, %r6, 160(%r15)
  stg %r14, 208(%r15)
  std %f0, 216(%r15)
  std %f2, 224(%r15)
  std %f4, 232(%r15)
  std %f6, 240(%r15)
  brasl %r14, xtramp_rcu_register_thread@PLT
  ld %f0, 216(%r15)
  ld %f2, 224(%r15)
  ld %f4, 232(%r15)
  ld %f6, 240(%r15)
  lg %r14, 208(%r15)
  lmg %r1, %r6, 160(%r15)
  aghi %r15, 248
  br %r1
  .size xtramp_rcu_register_thunk, .-xtramp_rcu_register_thunk
)");
#endif  // __s390x__
