// The steps of a TrampolinePlan (plan.hpp): one type per operation, carrying
// exactly what that operation needs, and `Step`, the variant of them all. An
// Emitter (emitter.hpp) has one emit(const X&) per type and visits each step,
// so an emitter that misses an operation does not compile.
//
// Offsets named frame_off, ptr_off and FrameBytes::off are from the stack
// pointer after the prologue (the frame of plan.hpp); entry_sp_off are from
// the stack pointer at the trampoline's entry (the emitter adds its frame size).
#pragma once

#include <cstdint>
#include <optional>
#include <variant>

#include "common/call_layout.hpp"
#include "common/tramp/program.hpp"

namespace xtramp {

// One register saved raw at entry and restored before the original call.
struct SavedReg {
  LocKind kind = LocKind::gpr;
  uint16_t reg = 0;
  uint32_t size = 8;  // 8, or 16 for a full vector register
  int32_t off = 0;    // sp offset
  // A general register whose whole 8-byte image is one ctx slot (an 8-byte
  // argument part): not saved again, restored from that slot (off), as the
  // kernel's trampolines restore from their argument save area.
  bool in_ctx = false;
};

// Bytes [offset, offset + size) of a register's image (s390x: big-endian,
// byte 0 the most significant; elsewhere byte 0 the least significant).
struct RegBytes {
  LocKind kind = LocKind::gpr;  // gpr or fpr
  uint16_t reg = 0;
  uint32_t offset = 0;
  uint32_t size = 0;
};

namespace step {

// Store the register raw at reg.off (never an in_ctx one).
struct SaveReg {
  SavedReg reg;
};
// 8 zero bytes at frame_off.
struct ZeroSlot {
  int32_t frame_off = 0;
};
// The 64-bit value at frame_off.
struct StoreImm {
  int32_t frame_off = 0;
  uint64_t value = 0;
};
// An argument's (or the return value's) register bytes at frame_off.
struct RegToFrame {
  RegBytes src;
  int32_t frame_off = 0;
};
// Where a copy goes: `size` bytes at frame offset `off`.
struct FrameBytes {
  int32_t off = 0;
  uint32_t size = 0;
};
// An argument's stack bytes, from entry_sp_off.
struct StackToFrame {
  int32_t entry_sp_off = 0;
  FrameBytes to;
};
// A by-reference argument's bytes, behind the pointer in `ptr` (a gpr, or a
// stack slot at entry-SP offset ptr.offset).
struct ByRefToFrame {
  Location ptr;
  FrameBytes to;
};
// The bytes behind the pointer saved at ptr_off (the result buffer).
struct SavedPtrToFrame {
  int32_t ptr_off = 0;
  FrameBytes to;
};
// runner(prog, sp + ctx_off); an fmod_ret program's result goes to result_off.
struct CallProgram {
  Program* prog = nullptr;
  std::optional<int32_t> result_off;
};
// To `label` if the last program's result is not zero.
struct BranchIfResultNonzero {
  uint32_t label = 0;
};
// Reload the register from reg.off.
struct RestoreReg {
  SavedReg reg;
};
// The original's stack arguments: from the caller's (entry_sp_off) to where
// the original will look.
struct CopyStackArgs {
  int32_t entry_sp_off = 0;
  FrameBytes to;
};
// Call the original at addr.
struct CallOriginal {
  uint64_t addr = 0;
};
// Where BranchIfResultNonzero{label} goes.
struct BindLabel {
  uint32_t label = 0;
};
// The return value's register bytes from frame_off, the register extended as
// the ABI wants (ext).
struct FrameToReg {
  int32_t frame_off = 0;
  RegBytes dst;
  Extension ext = Extension::none;
};
// Load general register gpr (8 bytes) from ptr_off: the result buffer's
// address where the ABI returns it (x86-64: rax).
struct SavedPtrToReg {
  int32_t ptr_off = 0;
  uint16_t gpr = 0;
};

}  // namespace step

using Step =
    std::variant<step::SaveReg, step::ZeroSlot, step::StoreImm, step::RegToFrame,
                 step::StackToFrame, step::ByRefToFrame, step::SavedPtrToFrame, step::CallProgram,
                 step::BranchIfResultNonzero, step::RestoreReg, step::CopyStackArgs,
                 step::CallOriginal, step::BindLabel, step::FrameToReg, step::SavedPtrToReg>;

}  // namespace xtramp
