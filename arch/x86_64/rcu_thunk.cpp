// xtramp_rcu_register_thunk (common/tramp/rcu_facts.hpp) of the x86-64 host:
// called from an entry stub at the entry of a hooked function (every argument
// register live): saves them, calls xtramp_rcu_register_thread (the run-time
// layer's), restores them.
#if defined(__x86_64__)
// Called with `call` from a stub; the stack's alignment depends on the attach
// mode (replace / entry patch), so it is aligned here. Saved: the argument
// registers rdi rsi rdx rcx r8 r9, rax (variadic calls: vector register
// count), r10 (static chain), r11, xmm0-7.
asm(R"(
  .text
  .globl xtramp_rcu_register_thunk
  .type xtramp_rcu_register_thunk, @function
xtramp_rcu_register_thunk:
  push %rbp
  mov %rsp, %rbp
  and $-16, %rsp
  sub $208, %rsp
  mov %rdi, 0(%rsp)
  mov %rsi, 8(%rsp)
  mov %rdx, 16(%rsp)
  mov %rcx, 24(%rsp)
  mov %r8, 32(%rsp)
  mov %r9, 40(%rsp)
  mov %rax, 48(%rsp)
  mov %r10, 56(%rsp)
  mov %r11, 64(%rsp)
  movdqu %xmm0, 80(%rsp)
  movdqu %xmm1, 96(%rsp)
  movdqu %xmm2, 112(%rsp)
  movdqu %xmm3, 128(%rsp)
  movdqu %xmm4, 144(%rsp)
  movdqu %xmm5, 160(%rsp)
  movdqu %xmm6, 176(%rsp)
  movdqu %xmm7, 192(%rsp)
  call xtramp_rcu_register_thread@PLT
  mov 0(%rsp), %rdi
  mov 8(%rsp), %rsi
  mov 16(%rsp), %rdx
  mov 24(%rsp), %rcx
  mov 32(%rsp), %r8
  mov 40(%rsp), %r9
  mov 48(%rsp), %rax
  mov 56(%rsp), %r10
  mov 64(%rsp), %r11
  movdqu 80(%rsp), %xmm0
  movdqu 96(%rsp), %xmm1
  movdqu 112(%rsp), %xmm2
  movdqu 128(%rsp), %xmm3
  movdqu 144(%rsp), %xmm4
  movdqu 160(%rsp), %xmm5
  movdqu 176(%rsp), %xmm6
  movdqu 192(%rsp), %xmm7
  mov %rbp, %rsp
  pop %rbp
  ret
  .size xtramp_rcu_register_thunk, .-xtramp_rcu_register_thunk
)");
#endif  // __x86_64__
