// Attaching and detaching programs on a live function (replace mode, through
// a function-pointer slot), errors that leave the attachment intact, W^X, and
// threads calling while programs come and go: every call either ran the
// program or not, no program run is lost or doubled, counts reconcile, and
// every trampoline is freed in the end (runtime/reclaim.hpp).
#include <gtest/gtest.h>

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>

#include <atomic>
#include <chrono>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <vector>

#include "btf/btf_file.hpp"
#include "common/error.hpp"
#include "runtime/attachment.hpp"
#include "selftests/tramp/patch_site.hpp"
#include "selftests/tramp/targets.h"
#include "selftests/tramp/targets_btf.hpp"

namespace xtramp {
namespace {

using test::targets_btf;

using CountedFn = long(long);

long call_slot(std::atomic<const void*>& slot, long a) {
  auto* f = reinterpret_cast<CountedFn*>(const_cast<void*>(slot.load(std::memory_order_acquire)));
  return call_counted(f, a);
}

uint64_t count_prog(const uint64_t*, void* cookie) {
  static_cast<std::atomic<uint64_t>*>(cookie)->fetch_add(1, std::memory_order_relaxed);
  return 0;
}

uint64_t plus_hundred(const uint64_t* ctx, void*) {
  return ctx[0] + 100;  // fmod_ret: replaces a + 1 by a + 100
}

// No mapping of the process is writable and executable at once.
std::string rwx_mappings() {
  std::ifstream maps("/proc/self/maps");
  std::string line, bad;
  while (std::getline(maps, line)) {
    std::istringstream in(line);
    std::string range, perms;
    in >> range >> perms;
    if (perms.size() >= 3 && perms[1] == 'w' && perms[2] == 'x') bad += line + "\n";
  }
  return bad;
}

TEST(Attach, SlotFollowsThePrograms) {
  std::atomic<const void*> slot{reinterpret_cast<const void*>(&target_counted)};
  Attachment a(targets_btf().model("target_counted"), (const void*)&target_counted, &slot);
  std::atomic<uint64_t> runs{0};
  Program p{count_prog, &runs, ProgKind::fentry};
  Program m{plus_hundred, nullptr, ProgKind::fmod_ret};

  EXPECT_EQ(call_slot(slot, 1), 2);
  a.attach(p);
  EXPECT_NE(slot.load(), (const void*)&target_counted);
  EXPECT_EQ(call_slot(slot, 1), 2);
  EXPECT_EQ(runs.load(), 1u);
  a.attach(m);
  EXPECT_EQ(call_slot(slot, 1), 101);
  EXPECT_EQ(runs.load(), 2u);
  EXPECT_EQ(rwx_mappings(), "");
  a.detach(m);
  EXPECT_EQ(call_slot(slot, 1), 2);
  a.detach(p);
  EXPECT_EQ(slot.load(), (const void*)&target_counted) << "no programs: the original again";
  EXPECT_EQ(call_slot(slot, 1), 2);
  EXPECT_EQ(runs.load(), 3u);
}

TEST(Attach, BadRequestsLeaveTheAttachmentIntact) {
  std::atomic<const void*> slot{reinterpret_cast<const void*>(&target_counted)};
  Attachment a(targets_btf().model("target_counted"), (const void*)&target_counted, &slot);
  std::atomic<uint64_t> runs{0};
  Program p{count_prog, &runs, ProgKind::fentry};
  a.attach(p);
  const void* before = slot.load();

  EXPECT_THROW(a.attach(p), Error) << "double attach";
  Program stranger{count_prog, &runs, ProgKind::fexit};
  EXPECT_THROW(a.detach(stranger), Error) << "detach of a program never attached";
  std::vector<std::unique_ptr<Program>> many;
  for (size_t i = 1; i < kMaxProgramsPerFunction; ++i) {
    many.push_back(std::make_unique<Program>(count_prog, &runs, ProgKind::fexit));
    a.attach(*many.back());
  }
  Program one_too_many{count_prog, &runs, ProgKind::fentry};
  try {
    a.attach(one_too_many);
    FAIL() << "program " << kMaxProgramsPerFunction + 1 << " must be refused";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::bad_request);
    EXPECT_NE(std::string(e.what()).find("target_counted"), std::string::npos) << e.what();
  }
  EXPECT_EQ(a.program_count(), kMaxProgramsPerFunction);
  runs = 0;
  EXPECT_EQ(call_slot(slot, 5), 6) << "still callable";
  EXPECT_EQ(runs.load(), kMaxProgramsPerFunction) << "every attached program ran once";
  for (auto& q : many) a.detach(*q);
  EXPECT_EQ(a.program_count(), 1u);
  (void)before;
}

TEST(Attach, UnplannableProgramIsRefusedAndNothingChanges) {
  std::atomic<const void*> slot{reinterpret_cast<const void*>(&target_ret_big)};
  Attachment a(targets_btf().model("target_ret_big"), (const void*)&target_ret_big, &slot);
  Program m{plus_hundred, nullptr, ProgKind::fmod_ret};
  EXPECT_THROW(a.attach(m), Error);
  EXPECT_EQ(slot.load(), (const void*)&target_ret_big);
  EXPECT_EQ(a.program_count(), 0u);
}

TEST(Attach, ArchitectureMismatchIsRefused) {
  FuncModel m = targets_btf().model("target_counted");
  m.target = host_arch() == Arch::s390x ? Arch::x86_64 : Arch::s390x;
  EXPECT_THROW(Attachment(m, (const void*)&target_counted), Error);
}

// N callers through the slot while one thread attaches, detaches and swaps
// programs in a loop. Each call passes a unique value; the program marks the
// values it sees, so a doubled run is caught; the original counts every call.
TEST(Attach, ConcurrentCallersWhileProgramsChange) {
  constexpr int kCallers = 4;
#if defined(__x86_64__)
  constexpr long kCallsPerThread = 200000;
  constexpr int kSwaps = 400;
#else  // under qemu: fewer
  constexpr long kCallsPerThread = 20000;
  constexpr int kSwaps = 100;
#endif
  const ExecMemory::Stats mem_before = ExecMemory::global().stats();
  std::atomic<const void*> slot{reinterpret_cast<const void*>(&target_counted)};
  const long calls_before = __atomic_load_n(&target_atomic_calls, __ATOMIC_RELAXED);

  struct Seen {
    std::vector<std::atomic<uint8_t>> marks;
    std::atomic<uint64_t> doubled{0};
    explicit Seen(size_t n) : marks(n) {}
  };
  Seen seen(static_cast<size_t>(kCallers * kCallsPerThread));
  auto mark = [](const uint64_t* ctx, void* cookie) -> uint64_t {
    auto* s = static_cast<Seen*>(cookie);
    if (s->marks[ctx[0]].fetch_add(1, std::memory_order_relaxed) != 0)
      s->doubled.fetch_add(1, std::memory_order_relaxed);
    // Linger, so that threads are often inside the trampoline (in this call
    // out) when it is retired: freeing it too early then traps.
    volatile int spin = 0;
    for (int i = 0; i < 2000; ++i) spin = spin + 1;
    return 0;
  };
  std::atomic<uint64_t> other_runs{0};
  Program p{mark, &seen, ProgKind::fentry};
  Program q{count_prog, &other_runs, ProgKind::fexit};
  std::atomic<bool> stop{false};
  std::atomic<long> wrong{0};
  {
    Attachment a(targets_btf().model("target_counted"), (const void*)&target_counted, &slot);
    // The callers start once the swapper has attached p and p has run: the
    // first calls overlap the first change for sure.
    std::atomic<bool> go{false};
    std::vector<std::thread> callers;
    for (int t = 0; t < kCallers; ++t) {
      callers.emplace_back([&, t] {
        go.wait(false);  // blocks (a futex): a spinning thread would never be quiescent
        for (long i = 0; i < kCallsPerThread; ++i) {
          const long v = t * kCallsPerThread + i;
          if (call_slot(slot, v) != v + 1) wrong.fetch_add(1);
          if (i % 2000 == 0) usleep(1);  // blocks now and then, like real threads
        }
      });
    }
    std::thread swapper([&] {
      a.attach(p);
      go = true;
      go.notify_all();
      while (p.runs.load() == 0) std::this_thread::yield();
      a.detach(p);
      // Until the callers are done, and at least kSwaps rounds.
      for (int i = 0; i < kSwaps || !stop.load(); ++i) {
        a.attach(p);
        a.attach(q);
        a.detach(p);
        a.attach(p);
        a.detach(q);
        a.detach(p);
      }
    });
    for (auto& c : callers) c.join();
    stop = true;
    swapper.join();
    EXPECT_GT(p.runs.load(), 0u);
    EXPECT_EQ(rwx_mappings(), "");
  }
  const long total = kCallers * kCallsPerThread;
  EXPECT_EQ(wrong.load(), 0) << "a call returned a wrong value";
  EXPECT_EQ(__atomic_load_n(&target_atomic_calls, __ATOMIC_RELAXED) - calls_before, total)
      << "every call reached the original exactly once";
  EXPECT_EQ(seen.doubled.load(), 0u) << "a program ran twice for one call";
  uint64_t marked = 0;
  for (auto& m : seen.marks) marked += m.load();
  EXPECT_EQ(marked, p.runs.load()) << "program runs and marks reconcile";
  EXPECT_LE(p.runs.load(), static_cast<uint64_t>(total));
  EXPECT_EQ(p.misses.load(), 0u);
  EXPECT_EQ(slot.load(), (const void*)&target_counted);

  // Every retired trampoline is freed once no thread can be inside.
  const size_t freed_before = Reclaimer::global().stats().freed;
  EXPECT_TRUE(Reclaimer::global().drain(std::chrono::seconds(20)))
      << Reclaimer::global().stats().retired << " trampolines still retired";
  EXPECT_EQ(ExecMemory::global().stats().live_blocks, mem_before.live_blocks);
  EXPECT_GE(Reclaimer::global().stats().freed, freed_before);
  RecordProperty("program_runs", static_cast<int>(p.runs.load()));
  RecordProperty("trampolines_freed", static_cast<int>(Reclaimer::global().stats().freed));
}

}  // namespace
}  // namespace xtramp

namespace xtramp {
namespace {

// Injected faults: when code memory cannot be had, attaching throws
// Error(io) naming the call, and the function keeps working, unhooked.
void* failing_mmap(void*, size_t, int, int, int, off_t) {
  errno = ENOMEM;
  return MAP_FAILED;
}

TEST(AttachFaults, NoCodeMemoryLeavesTheFunctionAsItWas) {
  ExecMemoryOptions o;
  o.force_fallback = true;  // no probe mapping at construction
  o.ops.mmap = failing_mmap;
  ExecMemory memory(o);
  std::atomic<uint64_t> runs{0};
  Program p{count_prog, &runs, ProgKind::fentry};

  std::atomic<const void*> slot{reinterpret_cast<const void*>(&target_counted)};
  Attachment replace(targets_btf().model("target_counted"), (const void*)&target_counted, &slot,
                     Policy::psabi, memory);
  try {
    replace.attach(p);
    FAIL() << "attach must fail without code memory";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::io);
    EXPECT_NE(std::string(e.what()).find("mmap"), std::string::npos) << e.what();
  }
  EXPECT_EQ(slot.load(), (const void*)&target_counted);
  EXPECT_EQ(replace.program_count(), 0u);
  EXPECT_EQ(call_slot(slot, 1), 2);
  EXPECT_EQ(runs.load(), 0u);

  if (!poked_code_problem().empty()) return;  // no entry patching here (qemu-user)
  Attachment patched(targets_btf().model("patched_counted"), (void*)&patched_counted, kEntryPatch,
                     Policy::psabi, memory);
  EXPECT_THROW(patched.attach(p), Error);
  EXPECT_TRUE(test::entry_is_nops((void*)&patched_counted)) << "the entry is untouched";
  EXPECT_EQ(call_counted(&patched_counted, 1), 2);
  EXPECT_EQ(runs.load(), 0u);
}

}  // namespace
}  // namespace xtramp

namespace xtramp {
namespace {

uint64_t throwing_prog(const uint64_t*, void*) {
  throw std::runtime_error("a program's bug");
}

// A program that throws is counted in `errors`; the exception never crosses
// the generated code, and the call goes on.
TEST(AttachFaults, ThrowingProgramIsContained) {
  std::atomic<const void*> slot{reinterpret_cast<const void*>(&target_counted)};
  Attachment a(targets_btf().model("target_counted"), (const void*)&target_counted, &slot);
  Program bad{throwing_prog, nullptr, ProgKind::fentry};
  Program worse{throwing_prog, nullptr, ProgKind::fmod_ret};
  a.attach(bad);
  a.attach(worse);
  EXPECT_EQ(call_slot(slot, 41), 42) << "fmod_ret's failure counts as 0: the original runs";
  EXPECT_EQ(bad.errors.load(), 1u);
  EXPECT_EQ(worse.errors.load(), 1u);
  EXPECT_EQ(bad.runs.load(), 1u);
}

}  // namespace
}  // namespace xtramp

namespace xtramp {
namespace {

// The Program limit: kMaxPrograms Programs may exist at once in the process
// (each owns a recursion-guard slot in every thread). Counted here: the one
// Program this test keeps attached; no other Program of this binary outlives
// its test, so every other slot is free when the test starts.
TEST(ProgramLimit, TheNextProgramIsRefusedAndRoomComesBack) {
  std::atomic<const void*> slot{reinterpret_cast<const void*>(&target_counted)};
  Attachment a(targets_btf().model("target_counted"), (const void*)&target_counted, &slot);
  std::atomic<uint64_t> runs{0}, filler_runs{0};
  Program p{count_prog, &runs, ProgKind::fentry};
  a.attach(p);
  constexpr size_t kAliveHere = 1;  // p

  // Construct until refused; a missing limit stops the loop one past it.
  std::vector<std::unique_ptr<Program>> filler;
  std::optional<Error> refused;
  while (filler.size() <= kMaxPrograms) {
    try {
      filler.push_back(std::make_unique<Program>(count_prog, &filler_runs, ProgKind::fexit));
    } catch (const Error& e) {
      refused = e;
      break;
    }
  }
  ASSERT_TRUE(refused.has_value()) << kMaxPrograms + 1 << " Programs were constructed";
  EXPECT_EQ(refused->code(), Errc::bad_request);
  EXPECT_NE(std::string(refused->what()).find(std::to_string(kMaxPrograms)), std::string::npos)
      << "the message names the limit: " << refused->what();
  EXPECT_EQ(filler.size() + kAliveHere, size_t{kMaxPrograms})
      << "Programs alive when the construction was refused";

  // At the limit, the existing attachment keeps working, and so does a
  // Program made last (the highest guard slot).
  EXPECT_EQ(call_slot(slot, 1), 2);
  EXPECT_EQ(runs.load(), 1u);
  a.attach(*filler.back());
  EXPECT_EQ(call_slot(slot, 2), 3);
  EXPECT_EQ(runs.load(), 2u);
  EXPECT_EQ(filler.back()->runs.load(), 1u);
  EXPECT_EQ(filler.back()->misses.load(), 0u);
  a.detach(*filler.back());
  EXPECT_THROW(Program(count_prog, &filler_runs, ProgKind::fentry), Error)
      << "a refusal must not use up or free a slot";

  // Destroying one makes room for exactly one.
  filler.erase(filler.begin() + static_cast<std::ptrdiff_t>(filler.size() / 2));
  ASSERT_NO_THROW(
      filler.push_back(std::make_unique<Program>(count_prog, &filler_runs, ProgKind::fentry)));
  EXPECT_THROW(Program(count_prog, &filler_runs, ProgKind::fentry), Error);
  // The Program in the recycled slot runs as any other (its guard is clear).
  a.attach(*filler.back());
  EXPECT_EQ(call_slot(slot, 3), 4);
  EXPECT_EQ(filler.back()->runs.load(), 1u);
  EXPECT_EQ(filler.back()->misses.load(), 0u);
  EXPECT_EQ(runs.load(), 3u);
  a.detach(*filler.back());

  filler.clear();
  std::vector<std::unique_ptr<Program>> again;
  for (int i = 0; i < 8; ++i)
    again.push_back(std::make_unique<Program>(count_prog, &filler_runs, ProgKind::fentry));
  EXPECT_EQ(call_slot(slot, 4), 5);
  EXPECT_EQ(runs.load(), 4u);
}

}  // namespace
}  // namespace xtramp

namespace xtramp {
namespace {

// Injected failures of every system call ExecMemory makes on the attach path:
//   dual mapping:      memfd_create, ftruncate, mmap of the write view (rw-),
//                      mmap of the exec view (r-x; near the function for an
//                      entry patch, where every placement hint fails);
//   mprotect fallback: mmap of the block's pages (rw-), mprotect to r-x.
// Attaching throws Error(io) naming the call and strerror, and the function
// stays as it was: the slot holds the original (or the previous trampoline),
// the entry its nops (or the previous call), and it is callable with the
// programs it had. Nothing is leaked (the allocator's stats and, separately,
// the mappings made through the ops), and the next attach works.
enum class Sys { memfd_create, ftruncate, mmap_write, mmap_exec, mprotect };

const char* sys_name(Sys s) {
  switch (s) {
    case Sys::memfd_create:
      return "memfd_create";
    case Sys::ftruncate:
      return "ftruncate";
    case Sys::mmap_write:
      return "mmap_write";
    case Sys::mmap_exec:
      return "mmap_exec";
    case Sys::mprotect:
      return "mprotect";
  }
  return "?";
}

struct Injector {
  std::atomic<bool> armed{false};
  Sys which = Sys::mmap_write;
  int err = 0;
  std::atomic<int> hits{0};
  std::mutex mu;
  std::map<uintptr_t, size_t> maps;  // mapped through the ops, not unmapped yet

  bool fire(Sys s) {
    if (!armed.load() || which != s) return false;
    hits.fetch_add(1);
    errno = err;
    return true;
  }
  size_t live_maps() {
    std::lock_guard<std::mutex> lock(mu);
    return maps.size();
  }
};
Injector g_inject;

int inj_memfd_create(const char* name, unsigned int flags) {
  return g_inject.fire(Sys::memfd_create) ? -1 : ::memfd_create(name, flags);
}
int inj_ftruncate(int fd, off_t len) {
  return g_inject.fire(Sys::ftruncate) ? -1 : ::ftruncate(fd, len);
}
void* inj_mmap(void* addr, size_t len, int prot, int flags, int fd, off_t off) {
  // Sticky while armed: a near mapping tries many hints, every one fails.
  if ((prot & PROT_WRITE) != 0 && g_inject.fire(Sys::mmap_write)) return MAP_FAILED;
  if ((prot & PROT_EXEC) != 0 && g_inject.fire(Sys::mmap_exec)) return MAP_FAILED;
  void* p = ::mmap(addr, len, prot, flags, fd, off);
  if (p != MAP_FAILED) {
    std::lock_guard<std::mutex> lock(g_inject.mu);
    g_inject.maps[reinterpret_cast<uintptr_t>(p)] = len;
  }
  return p;
}
int inj_munmap(void* addr, size_t len) {
  const int r = ::munmap(addr, len);
  if (r == 0) {
    std::lock_guard<std::mutex> lock(g_inject.mu);
    g_inject.maps.erase(reinterpret_cast<uintptr_t>(addr));
  }
  return r;
}
int inj_mprotect(void* addr, size_t len, int prot) {
  return g_inject.fire(Sys::mprotect) ? -1 : ::mprotect(addr, len, prot);
}

struct FaultCase {
  AttachMode attach;
  ExecMemory::Mode memory;
  Sys sys;
  int err;
  const char* names;  // what the message must contain
};

std::string case_name(const FaultCase& c) {
  return std::string(c.attach == AttachMode::replace ? "Replace" : "EntryPatch") + "_" +
         (c.memory == ExecMemory::Mode::dual_mapping ? "dual" : "fallback") + "_" + sys_name(c.sys);
}

void PrintTo(const FaultCase& c, std::ostream* os) {
  *os << case_name(c);
}

class AttachSyscallFault : public ::testing::TestWithParam<FaultCase> {
 protected:
  void SetUp() override {
    g_inject.armed = false;
    g_inject.hits = 0;
  }
  void TearDown() override { g_inject.armed = false; }
};

// Where the function's callers go now: the slot's target (replace), or the
// five entry bytes (entry patch).
struct Target {
  const FaultCase& c;
  std::atomic<const void*> slot{reinterpret_cast<const void*>(&target_counted)};
  long call(long a) {
    return c.attach == AttachMode::replace ? call_slot(slot, a) : call_counted(&patched_counted, a);
  }
  std::vector<uint8_t> state() const {
    if (c.attach == AttachMode::replace) {
      const void* p = slot.load();
      std::vector<uint8_t> v(sizeof p);
      std::memcpy(v.data(), &p, sizeof p);
      return v;
    }
    const auto* e = reinterpret_cast<const uint8_t*>(&patched_counted);
    return std::vector<uint8_t>(e, e + 5);
  }
  std::unique_ptr<Attachment> attachment(ExecMemory& mem, Reclaimer& rec) {
    if (c.attach == AttachMode::replace)
      return std::make_unique<Attachment>(targets_btf().model("target_counted"),
                                          (const void*)&target_counted, &slot, Policy::psabi, mem,
                                          rec);
    return std::make_unique<Attachment>(targets_btf().model("patched_counted"),
                                        (void*)&patched_counted, kEntryPatch, Policy::psabi, mem,
                                        rec);
  }
};

TEST_P(AttachSyscallFault, LeavesTheFunctionAsItWas) {
  const FaultCase& c = GetParam();
  if (c.attach == AttachMode::entry_patch) {
    REQUIRE_ENTRY_PATCHING();
  }
  ExecMemoryOptions o;
  o.chunk_size = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  o.force_fallback = c.memory == ExecMemory::Mode::mprotect_fallback;
  o.ops = {inj_memfd_create, inj_ftruncate, inj_mmap, inj_munmap, inj_mprotect};
  ExecMemory mem(o);
  if (mem.mode() != c.memory)
    GTEST_SKIP() << "this system gives no dual mapping: " << mem.fallback_reason();
  const size_t maps_at_start = g_inject.live_maps();
  Reclaimer rec;
  Target t{c};
  std::unique_ptr<Attachment> a = t.attachment(mem, rec);
  std::atomic<uint64_t> p_runs{0}, q_runs{0};
  Program p{count_prog, &p_runs, ProgKind::fentry};
  Program q{count_prog, &q_runs, ProgKind::fexit};
  const std::string strerr = std::generic_category().message(c.err);

  auto attach_fails = [&](Program& prog) {
    g_inject.which = c.sys;
    g_inject.err = c.err;
    g_inject.hits = 0;
    g_inject.armed = true;
    try {
      a->attach(prog);
      ADD_FAILURE() << "attach succeeded although " << sys_name(c.sys) << " failed";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), Errc::io) << e.what();
      EXPECT_NE(std::string(e.what()).find(c.names), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(strerr), std::string::npos) << e.what();
    }
    g_inject.armed = false;
    EXPECT_GT(g_inject.hits.load(), 0) << "the injected call was never made";
  };

  // 1. Nothing attached yet.
  const std::vector<uint8_t> unpatched = t.state();
  attach_fails(p);
  EXPECT_EQ(t.state(), unpatched) << "the function is unpatched";
  EXPECT_EQ(a->program_count(), 0u);
  EXPECT_EQ(t.call(1), 2);
  EXPECT_EQ(p_runs.load(), 0u);
  EXPECT_EQ(mem.stats().live_blocks, 0u);
  EXPECT_EQ(mem.stats().mapped_bytes, 0u);
  EXPECT_EQ(g_inject.live_maps(), maps_at_start) << "a mapping leaked";

  // 2. The next attach works.
  a->attach(p);
  EXPECT_NE(t.state(), unpatched);
  EXPECT_EQ(t.call(2), 3);
  EXPECT_EQ(p_runs.load(), 1u);

  // 3. A failure with a program attached keeps the current trampoline. In
  // dual-mapping mode a new trampoline only makes system calls when its
  // chunk is full: fill the chunk first.
  // (Entry patch: the chunks near the function, where its trampolines go.)
  std::vector<CodeBlock> filler;
  if (mem.mode() == ExecMemory::Mode::dual_mapping) {
    const ExecNear near{reinterpret_cast<uintptr_t>(&patched_counted),
                        (size_t{1} << 31) - 2 * mem.chunk_size()};
    auto reserve = [&](size_t n) {
      return c.attach == AttachMode::replace ? mem.reserve(n) : mem.reserve(n, near);
    };
    const size_t chunks = mem.stats().chunks;
    while (mem.stats().chunks == chunks) filler.push_back(reserve(ExecMemory::kBlockAlign));
    filler.push_back(reserve(mem.chunk_size() - ExecMemory::kBlockAlign));  // fills the new one
  }
  const std::vector<uint8_t> hooked = t.state();
  const ExecMemory::Stats before = mem.stats();
  const size_t maps_before = g_inject.live_maps();
  attach_fails(q);
  EXPECT_EQ(t.state(), hooked) << "the previous trampoline is still the one called";
  EXPECT_EQ(a->program_count(), 1u);
  EXPECT_EQ(t.call(3), 4);
  EXPECT_EQ(p_runs.load(), 2u) << "the previous program set still runs";
  EXPECT_EQ(q_runs.load(), 0u);
  EXPECT_EQ(mem.stats().live_blocks, before.live_blocks);
  EXPECT_EQ(mem.stats().mapped_bytes, before.mapped_bytes);
  EXPECT_EQ(g_inject.live_maps(), maps_before) << "a mapping leaked";
  filler.clear();

  a->attach(q);
  EXPECT_EQ(t.call(4), 5);
  EXPECT_EQ(p_runs.load(), 3u);
  EXPECT_EQ(q_runs.load(), 1u);
  a->detach(p);
  a->detach(q);
  EXPECT_EQ(t.state(), unpatched) << "detached: the function as it was";
  EXPECT_EQ(t.call(5), 6);
  a.reset();
  EXPECT_TRUE(rec.drain(std::chrono::seconds(10)));
  EXPECT_EQ(mem.stats().live_blocks, 0u);
  EXPECT_EQ(mem.stats().mapped_bytes, 0u);
  EXPECT_EQ(g_inject.live_maps(), maps_at_start);
}

constexpr auto kDual = ExecMemory::Mode::dual_mapping;
constexpr auto kFallback = ExecMemory::Mode::mprotect_fallback;

std::vector<FaultCase> fault_cases() {
  std::vector<FaultCase> v;
  for (AttachMode m : {AttachMode::replace, AttachMode::entry_patch}) {
    v.push_back({m, kDual, Sys::memfd_create, EMFILE, "memfd_create"});
    v.push_back({m, kDual, Sys::ftruncate, EFBIG, "ftruncate"});
    v.push_back({m, kDual, Sys::mmap_write, ENOMEM, "mmap(PROT_READ|PROT_WRITE, MAP_SHARED)"});
    v.push_back({m, kDual, Sys::mmap_exec, ENOMEM, "mmap(PROT_READ|PROT_EXEC, MAP_SHARED)"});
    v.push_back({m, kFallback, Sys::mmap_write, ENOMEM,
                 "mmap(PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)"});
    v.push_back({m, kFallback, Sys::mprotect, EACCES, "mprotect(PROT_READ|PROT_EXEC)"});
  }
  return v;
}

INSTANTIATE_TEST_SUITE_P(Syscalls, AttachSyscallFault, ::testing::ValuesIn(fault_cases()),
                         [](const auto& info) { return case_name(info.param); });

}  // namespace
}  // namespace xtramp

namespace xtramp {
namespace {

// A program that calls the hooked function itself: the inner run of that
// program is skipped and counted as a miss (the per-thread recursion guard),
// other programs still run for the inner call, both calls reach the
// original, and the trampoline keeps working for later calls. (Trampoline
// level: RoundtripReplace.RecursionGuardCountsMisses; here through
// Attachment, in both attach modes.)
struct Reentry {
  AttachMode mode;
  std::atomic<const void*>* slot = nullptr;
  long inner_result = 0;
};

uint64_t reentering(const uint64_t* ctx, void* cookie) {
  auto* r = static_cast<Reentry*>(cookie);
  const long a = static_cast<long>(ctx[0]) + 1000;
  r->inner_result =
      r->mode == AttachMode::replace ? call_slot(*r->slot, a) : call_counted(&patched_counted, a);
  return 0;
}

void check_recursion(AttachMode mode) {
  std::atomic<const void*> slot{reinterpret_cast<const void*>(&target_counted)};
  std::unique_ptr<Attachment> a =
      mode == AttachMode::replace
          ? std::make_unique<Attachment>(targets_btf().model("target_counted"),
                                         (const void*)&target_counted, &slot)
          : std::make_unique<Attachment>(targets_btf().model("patched_counted"),
                                         (void*)&patched_counted, kEntryPatch);
  Reentry r{mode, &slot};
  std::atomic<uint64_t> other_runs{0};
  Program rec{reentering, &r, ProgKind::fentry};
  Program other{count_prog, &other_runs, ProgKind::fexit};
  a->attach(rec);
  a->attach(other);
  auto call = [&](long v) {
    return mode == AttachMode::replace ? call_slot(slot, v) : call_counted(&patched_counted, v);
  };
  for (uint64_t round = 1; round <= 3; ++round) {
    const long before = __atomic_load_n(&target_atomic_calls, __ATOMIC_RELAXED);
    r.inner_result = 0;
    EXPECT_EQ(call(static_cast<long>(round)), static_cast<long>(round) + 1);
    EXPECT_EQ(r.inner_result, static_cast<long>(round) + 1001) << "the inner call's result";
    EXPECT_EQ(__atomic_load_n(&target_atomic_calls, __ATOMIC_RELAXED) - before, 2)
        << "outer and inner call both ran the original";
    EXPECT_EQ(rec.runs.load(), round) << "one run per outer call";
    EXPECT_EQ(rec.misses.load(), round) << "the inner run is skipped and counted";
    EXPECT_EQ(other.runs.load(), 2 * round) << "the guard is per program";
    EXPECT_EQ(other.misses.load(), 0u);
  }
  a->detach(rec);
  EXPECT_EQ(call(7), 8);
  EXPECT_EQ(rec.runs.load(), 3u);
  EXPECT_EQ(rec.misses.load(), 3u);
  EXPECT_EQ(other.runs.load(), 7u);
  EXPECT_EQ(rec.errors.load() + other.errors.load(), 0u);
}

TEST(AttachRecursion, ReplaceInnerRunIsAMiss) {
  check_recursion(AttachMode::replace);
}

TEST(AttachRecursion, EntryPatchInnerRunIsAMiss) {
  REQUIRE_ENTRY_PATCHING();
  check_recursion(AttachMode::entry_patch);
}

}  // namespace
}  // namespace xtramp

namespace xtramp {
namespace {

// A trampoline put where a freed one ran must run its own programs. The
// trampolines of one function go near the program runner, at the same
// address once the previous chunk is unmapped (the placement hints repeat),
// often on the same page (the kernel hands it out again). Under
// qemu-system-s390x 7.2 the code used to be copied with memcpy, whose MVC
// stores do not discard QEMU's translation of the old code: the new
// trampoline ran the previous round's program, then a dead one (a SIGSEGV
// in AttachRecursion after AttachFaults and ProgramLimit). Each round's
// program is a different, still-live Program, so a stale translation shows
// as a run of the wrong one rather than a crash.
TEST(AttachReuse, TrampolineAtAFreedAddressRunsItsOwnPrograms) {
  constexpr int kRounds = 24;
  ExecMemory mem;
  Reclaimer rec;
  std::vector<std::unique_ptr<Program>> progs;
  std::vector<std::atomic<uint64_t>> runs(kRounds);
  for (int i = 0; i < kRounds; ++i)
    progs.push_back(std::make_unique<Program>(count_prog, &runs[static_cast<size_t>(i)],
                                              i % 2 == 0 ? ProgKind::fentry : ProgKind::fexit));
  std::map<const void*, int> addresses;  // trampoline address -> rounds placed there
  for (int i = 0; i < kRounds; ++i) {
    std::atomic<const void*> slot{reinterpret_cast<const void*>(&target_counted)};
    {
      Attachment a(targets_btf().model("target_counted"), (const void*)&target_counted, &slot,
                   Policy::psabi, mem, rec);
      a.attach(*progs[static_cast<size_t>(i)]);
      ++addresses[slot.load()];
      EXPECT_EQ(call_slot(slot, i), i + 1) << "round " << i;
    }
    ASSERT_TRUE(rec.drain(std::chrono::seconds(10))) << "round " << i;
    ASSERT_EQ(mem.stats().chunks, 0u) << "round " << i << ": the chunk is unmapped";
    for (int j = 0; j < kRounds; ++j)
      EXPECT_EQ(runs[static_cast<size_t>(j)].load(), j <= i ? 1u : 0u)
          << "round " << i << ": program " << j << " ran for the wrong trampoline";
  }
  size_t reused = 0;
  for (const auto& [addr, n] : addresses) reused += static_cast<size_t>(n - 1);
  RecordProperty("address_reused", static_cast<int>(reused));
  EXPECT_GT(reused, 0u) << "no trampoline went where a freed one had been: nothing was tested";
}

struct Hold {
  std::atomic<bool> inside{false};
  std::atomic<bool> release{false};
};

uint64_t hold_prog(const uint64_t*, void* cookie) {
  auto* h = static_cast<Hold*>(cookie);
  h->inside.store(true);
  while (!h->release.load()) std::this_thread::yield();
  return 0;
}

// A caller inside a hooked call holds the retirement of the trampoline it is
// in: reclaim() frees nothing meanwhile and never waits for it (it yields the
// CPU once, runtime/reclaim.hpp); once the caller is out, the trampoline is
// freed.
TEST(AttachReclaim, CallerInsideHoldsTheRetirementAndReclaimNeverWaits) {
  ExecMemory mem;
  Reclaimer rec;
  Hold hold;
  Program p{hold_prog, &hold, ProgKind::fentry};
  std::atomic<const void*> slot{reinterpret_cast<const void*>(&target_counted)};
  Attachment a(targets_btf().model("target_counted"), (const void*)&target_counted, &slot,
               Policy::psabi, mem, rec);
  a.attach(p);
  std::thread caller([&] { EXPECT_EQ(call_slot(slot, 1), 2); });
  while (!hold.inside.load()) std::this_thread::yield();
  a.detach(p);  // retires the trampoline the caller is in
  ASSERT_EQ(rec.stats().retired, 1u);
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 100; ++i) EXPECT_EQ(rec.reclaim(), 0u);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5))
      << "reclaim() waited for the caller";
  EXPECT_EQ(rec.stats().retired, 1u) << "freed while a caller was inside";
  hold.release.store(true);
  caller.join();
  EXPECT_TRUE(rec.drain(std::chrono::seconds(10)));
  EXPECT_EQ(rec.stats().freed, 1u);
  EXPECT_EQ(mem.stats().live_blocks, 0u);
}

}  // namespace
}  // namespace xtramp
