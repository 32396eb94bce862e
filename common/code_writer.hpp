// How an architecture's entry-patch protocol (arch/<a>/patch.cpp: which bytes
// to write in which order) reaches this process's code. The protocols are
// arch knowledge; writing read-only code, serialising every core, waiting for
// threads and allocating code memory are the run-time layer's
// (runtime/code_writer.hpp implements this and passes it to
// Backend::check_patchable and Backend::set_entry_call).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

namespace xtramp {

class CodeWriter {
 public:
  virtual ~CodeWriter() = default;

  // Writes `bytes` at `at` in this process's code, which stays read-only
  // (runtime/text_poke.hpp poke_text). Throws Error(io).
  virtual void write(void* at, std::span<const uint8_t> bytes) = 0;

  // Every thread executes a core-serialising instruction before it next runs
  // user code (runtime/text_poke.hpp sync_cores). Throws Error(unsupported).
  virtual void sync_cores() = 0;

  // Throws Error(unsupported) where code rewritten after it ran is not seen
  // as rewritten (qemu-user: runtime/poke_probe.hpp).
  virtual void require_rewritten_code_runs() = 0;

  // Waits until no other thread can still be executing straight-line code in
  // [lo, hi) that it entered before the call (runtime/reclaim.hpp
  // wait_quiescent). False on timeout.
  virtual bool wait_quiescent(uintptr_t lo, uintptr_t hi, std::chrono::milliseconds timeout) = 0;

  // New code memory of `size` bytes, every byte within `range` bytes of
  // `near`, never freed: `code(address)` gives its contents. Returns the
  // address. Throws Error when no such memory can be had.
  virtual uintptr_t place_near(size_t size, uintptr_t near, size_t range,
                               const std::function<std::vector<uint8_t>(uintptr_t)>& code) = 0;
};

}  // namespace xtramp
