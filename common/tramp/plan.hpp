// TrampolinePlan: one arch-neutral description of a trampoline, computed from
// a CallLayout and the attached programs by the one planner (plan.cpp), then
// handed step by step (step.hpp) to an arch's Emitter (emitter.hpp). No
// trampoline logic lives in the backends: they only say how big their own
// prologue is and how to do each step.
//
// The frame, in offsets from the stack pointer after the prologue (growing up):
//
//   sp + 0                      outgoing area: arch reserve (s390x: the 160-byte
//                               register save area the callee may use), then
//                               the stack arguments copied for the original call
//   sp + cookie_off             fsession cookies, one 8-byte slot per fsession
//                               program (none without them): the k-th of n is
//                               ctx[-(2 + n - k)], as the kernel's JITs give
//                               the first one the lowest address
//   sp + ip_off                 ctx[-2]  the traced function's address
//   sp + ip_off + 8             ctx[-1]  func_meta: argument slot count (bits
//                               0-7), the running fsession program's cookie
//                               index (8-15), its exit half (bit 63)
//   sp + ctx_off                ctx[0 .. arg_slots), then ret_slots for the value
//                               (an integer, enum or pointer is its value as a
//                               zero-extended u64 — right-aligned in its slot on
//                               big-endian s390x; anything else is its memory
//                               image from the slot's first byte, zero-padded)
//   sp + save_off               raw argument registers as they came in, 8 or 16
//                               bytes each (restored before calling the original);
//                               not those whose image is a ctx slot (in_ctx)
//   sp + arch_off               the arch's own prologue area (saved frame
//                               pointer / link register), `arch_area` bytes
//   sp + frame_size             the stack pointer at entry (x86-64: the
//                               return address is there)
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/call_layout.hpp"
#include "common/func_model.hpp"
#include "common/tramp/program.hpp"
#include "common/tramp/step.hpp"

namespace xtramp {

// How the trampoline is reached.
enum class AttachMode : uint8_t {
  // Called exactly like the function (through a pointer slot); calls the
  // function, returns to the caller.
  replace,
  // Called from the function's patched entry (x86-64: call; arm64: mov x9, lr
  // + bl; s390x: brasl %r0). With fexit / fmod_ret programs it calls the
  // function's body and returns to the function's caller (the kernel's
  // CALL_ORIG | SKIP_FRAME); with fentry programs only it restores the
  // argument registers and returns into the body (RESTORE_REGS).
  entry_patch,
};

std::string_view attach_mode_name(AttachMode m);  // "replace", "entry-patch"

// What the planner needs to know of an arch's calling convention and prologue.
struct EmitterTraits {
  uint32_t sp_align = 16;         // stack pointer alignment required at a call
  uint32_t entry_sp_mod = 0;      // entry SP modulo sp_align (x86-64: 8, the return address)
  uint32_t call_pushes = 0;       // bytes a call instruction pushes (x86-64: 8)
  uint32_t outgoing_reserve = 0;  // bytes the callee may use at the caller's sp (s390x: 160)
  uint32_t arch_area = 0;         // bytes of the emitter's own prologue save area
  int32_t stack_args_base = 0;    // the backend's first stack argument, from SP at entry
  uint32_t fpr_save_size = 8;  // bytes to save an argument FP register (arm64 q: 16, x86 xmm: 16)
  // A register that must hold the result buffer's address on return (x86-64
  // psABI: rax), or -1.
  int16_t ret_buffer_result_gpr = -1;
  // Entry patch: bytes between the trampoline's entry SP and the function's
  // (x86-64: the patch site's call pushed 8), added to every stack offset of
  // the layout when reading the caller's stack.
  int32_t entry_extra = 0;
};

// Each list runs in its order. An fsession program is in both fentry (its
// entry half) and fexit (its exit half), as the kernel links it into both of
// its trampoline's lists; both lists hold the fsession programs in the same
// order.
struct ProgramSet {
  std::vector<Program*> fentry, fexit, fmod_ret;
  bool empty() const { return fentry.empty() && fexit.empty() && fmod_ret.empty(); }
  // Where Attachment::attach puts a program: first in its kind's list (the
  // newest runs first, as in the kernel); an fsession program first in
  // fentry and in fexit.
  void add(Program* p);
};

// The cookie index of the k-th (from 0) of n fsession programs: its cookie is
// ctx[-index], and func_meta carries the index in bits 8-15 while it runs.
inline uint32_t session_cookie_index(uint32_t k, uint32_t n) {
  return 2 + n - k;
}

struct TrampolinePlan {
  Arch arch{};
  std::string function;
  uint64_t func_addr = 0;   // ctx[-2]
  uint64_t orig_addr = 0;   // what step::CallOriginal calls
  uint32_t frame_size = 0;  // bytes the prologue subtracts from SP, arch area included
  int32_t cookie_off = 0, ip_off = 0, ctx_off = 0, save_off = 0, arch_off = 0;
  uint32_t arg_slots = 0, ret_slots = 0;
  uint32_t cookies = 0;  // fsession programs (one cookie slot each)
  uint32_t outgoing_size = 0;
  std::vector<SavedReg> saved;
  std::vector<Step> steps;
  uint32_t labels = 0;
  AttachMode mode = AttachMode::replace;
  bool calls_original = true;  // false: entry patch with fentry programs only
  // Where the trampoline goes instead of returning (0: it returns): the code
  // that leaves the caller's RCU read-side section and then returns (to the
  // caller, or into the body: entry patch, fentry only), which is never freed
  // (runtime/rcu.hpp). An Attachment's trampolines have one; xtramp gen's and
  // Trampoline::create's return.
  uint64_t exit_addr = 0;
};

struct PlanRequest {
  const FuncModel* model = nullptr;
  const CallLayout* layout = nullptr;
  ProgramSet programs;
  uint64_t func_addr = 0;  // reported in ctx[-2]
  uint64_t orig_addr =
      0;  // called by the trampoline: the function (replace), its body (entry patch)
  AttachMode mode = AttachMode::replace;
  // TrampolinePlan::exit_addr (0: return).
  uint64_t exit_addr = 0;
};

// Throws Error(unsupported) naming the function when a program kind cannot be
// attached (fmod_ret on a function that does not return an integer-class
// value of at most 8 bytes), Error(bad_request) for an fsession program not
// in both fentry and fexit in the same order.
TrampolinePlan plan_trampoline(const PlanRequest& req, const EmitterTraits& traits);

}  // namespace xtramp
