// Attaching programs to a live function in replace mode. Callers reach the
// function through `slot`, a function-pointer variable (a table entry, a GOT
// slot): while programs are attached it holds the function's entry stub,
// else the original. The entry stub (one per function and slot, never
// freed) enters the caller's RCU read-side section and jumps to the current
// trampoline (rcu.hpp). Attaching or detaching a program builds a new
// trampoline, publishes it with one atomic store of the stub's target, and
// retires the old one to the Reclaimer, which frees it after a grace period
// (reclaim.hpp). Callers keep running throughout; each call runs either the
// old or the new program set, never a mix.
//
// The caller's side of the contract: none beyond calling through the slot (a
// caller may hold the loaded address as long as it likes: the stub is never
// freed, and a stub reached after the last detach calls the original).
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

#include "common/func_model.hpp"
#include "runtime/reclaim.hpp"
#include "runtime/trampoline.hpp"

namespace xtramp {

namespace detail {
// The never-freed entry stub of (function, slot) and its target word.
struct EntrySite;
}  // namespace detail

// Programs per function, as the kernel's BPF_MAX_TRAMP_LINKS.
inline constexpr size_t kMaxProgramsPerFunction = 38;

// Selects the entry-patch constructor.
struct EntryPatchMode {};
inline constexpr EntryPatchMode kEntryPatch{};

class Attachment {
 public:
  // `slot` must hold `original` (or be null: then slot() is this object's own).
  Attachment(FuncModel model, const void* original, std::atomic<const void*>* slot = nullptr,
             Policy policy = Policy::psabi, ExecMemory& memory = ExecMemory::global(),
             Reclaimer& reclaimer = Reclaimer::global());
  // Entry patch: `function` was built with -fpatchable-function-entry (x86-64:
  // 5); its entry is patched to call the trampoline while programs are
  // attached, and restored when none are. Callers call the function itself.
  // Throws Error(bad_request) if its entry is not patchable, Error(unsupported)
  // where this architecture cannot patch yet.
  Attachment(FuncModel model, void* function, EntryPatchMode, Policy policy = Policy::psabi,
             ExecMemory& memory = ExecMemory::global(), Reclaimer& reclaimer = Reclaimer::global());
  // Detaches everything: the slot gets the original back / the entry its nops.
  ~Attachment();
  Attachment(const Attachment&) = delete;
  Attachment& operator=(const Attachment&) = delete;

  // By the program's kind, first in its list (ProgramSet::add): the newest
  // program runs first, as in the kernel. Throws Error(bad_request) for a program already
  // attached here or beyond kMaxProgramsPerFunction, and Error(unsupported)
  // for what cannot be planned (fmod_ret on a struct return); on a throw the
  // previous state is intact.
  void attach(Program& p);
  // Throws Error(bad_request) for a program not attached here.
  void detach(Program& p);

  std::atomic<const void*>& slot() { return *slot_; }
  AttachMode mode() const { return mode_; }
  const void* original() const { return original_; }
  // Links, as the kernel counts them: an fsession program counts twice.
  size_t program_count() const;
  // The current trampoline's code (null with no program attached); the slot /
  // the patched entry reaches it through the entry stub.
  const void* trampoline() const;
  // The entry stub (null before the first attach).
  const void* entry_stub() const;

 private:
  void publish(ProgramSet next);
  void check_model() const;
  void ensure_site();

  FuncModel model_;
  const void* original_;
  std::atomic<const void*> own_slot_;
  std::atomic<const void*>* slot_;
  Policy policy_;
  AttachMode mode_ = AttachMode::replace;
  Backend::EntryPatch patch_{};
  ExecMemory& memory_;
  Reclaimer& reclaimer_;

  mutable std::mutex mu_;
  ProgramSet programs_;
  CodeBlock current_;
  detail::EntrySite* site_ = nullptr;
};

}  // namespace xtramp
