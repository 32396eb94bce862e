// Attaching and detaching programs on a live function (replace mode, through
// a function-pointer slot), errors that leave the attachment intact, W^X, and
// threads calling while programs come and go: every call either ran the
// program or not, no program run is lost or doubled, counts reconcile, and
// every trampoline is freed in the end (common/tramp/reclaim.hpp).
#include <gtest/gtest.h>

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>

#include <atomic>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "btf/btf_file.hpp"
#include "common/error.hpp"
#include "common/tramp/attachment.hpp"
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

  if (host_arch() != Arch::x86_64) return;  // entry patching: x86-64 only so far
  Attachment patched(targets_btf().model("patched_counted"), (void*)&patched_counted, kEntryPatch,
                     Policy::psabi, memory);
  EXPECT_THROW(patched.attach(p), Error);
  const auto* entry = reinterpret_cast<const uint8_t*>(&patched_counted);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(entry[i], 0x90) << "the entry is untouched";
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
