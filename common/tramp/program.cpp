#include "common/tramp/program.hpp"

#include <mutex>
#include <string>
#include <vector>

namespace xtramp {

namespace {

// Recursion guard slots: one per live Program, recycled when it is destroyed.
struct GuardSlots {
  std::mutex mu;
  std::vector<uint32_t> free;
  uint32_t next = 0;
};

GuardSlots& slots() {
  static GuardSlots s;
  return s;
}

// Per thread, how deep each program is running now (kernel: prog->active,
// per CPU). Zero-initialised TLS, no constructor: cheap in every thread.
thread_local uint8_t t_depth[kMaxPrograms];

}  // namespace

Program::Program(Fn f, void* c, ProgKind k) : fn(f), cookie(c), kind(k) {
  if (f == nullptr) throw Error(Errc::bad_request, "a program needs a function (fn is null)");
  GuardSlots& s = slots();
  std::lock_guard<std::mutex> lock(s.mu);
  if (!s.free.empty()) {
    guard_ = s.free.back();
    s.free.pop_back();
  } else if (s.next < kMaxPrograms) {
    guard_ = s.next++;
  } else {
    throw Error(Errc::bad_request, "too many programs: at most " + std::to_string(kMaxPrograms) +
                                       " may exist at once");
  }
}

Program::~Program() {
  GuardSlots& s = slots();
  std::lock_guard<std::mutex> lock(s.mu);
  s.free.push_back(guard_);
}

extern "C" uint64_t xtramp_run_program(Program* prog, const uint64_t* ctx) {
  uint8_t& depth = t_depth[prog->guard_slot()];
  if (depth != 0) {
    prog->misses.fetch_add(1, std::memory_order_relaxed);
    return 0;
  }
  depth = 1;
  uint64_t result = 0;
  try {
    result = prog->fn(ctx, prog->cookie);
  } catch (...) {
    prog->errors.fetch_add(1, std::memory_order_relaxed);
    result = 0;
  }
  depth = 0;
  prog->runs.fetch_add(1, std::memory_order_relaxed);
  return result;
}

}  // namespace xtramp
