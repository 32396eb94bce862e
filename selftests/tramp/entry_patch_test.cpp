// Entry-patch attachment: the function's own entry (x86-64: five nops;
// arm64: two NOPs; s390x: brcl 0,0) becomes a branch to the trampoline while
// callers keep calling the function itself. fentry only: the trampoline
// returns into the body (RESTORE_REGS); with fexit / fmod_ret it calls the
// body and returns to the caller (CALL_ORIG | SKIP_FRAME). Detach restores the
// entry. Every case runs on every architecture; under qemu-user, which cannot
// run rewritten code, they skip and say so.
#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <cstring>
#include <thread>
#include <vector>

#include "btf/btf_file.hpp"
#include "common/error.hpp"
#include "runtime/attachment.hpp"
#include "runtime/poke_probe.hpp"
#include "selftests/tramp/patch_site.hpp"
#include "selftests/tramp/targets.h"
#include "selftests/tramp/targets_btf.hpp"

namespace xtramp {
namespace {

using test::entry_is_nops;
using test::entry_is_patched;
using test::patch_flag;
using test::targets_btf;

struct Seen {
  int runs = 0;
  std::vector<uint64_t> slots;
  uint64_t ret = 0;
  uint64_t fmod = 0;
};

uint64_t record_prog(const uint64_t* ctx, void* cookie) {
  auto* s = static_cast<Seen*>(cookie);
  ++s->runs;
  s->slots.assign(ctx, ctx + ctx[-1]);
  s->ret = ctx[ctx[-1]];
  return s->fmod;
}

TEST(EntryPatch, FentryReturnsIntoTheBody) {
  REQUIRE_ENTRY_PATCHING();
  Seen seen;
  Program p{record_prog, &seen, ProgKind::fentry};
  {
    Attachment a(targets_btf().model("patched_struct_arg_1"), (void*)&patched_struct_arg_1,
                 kEntryPatch);
    EXPECT_TRUE(entry_is_nops((void*)&patched_struct_arg_1));
    a.attach(p);
    EXPECT_TRUE(entry_is_patched((void*)&patched_struct_arg_1));
    target_result = 0;
    EXPECT_EQ(call_struct_arg_1(&patched_struct_arg_1), 10);
    EXPECT_EQ(target_result, 10);
    EXPECT_EQ(seen.runs, 1);
    EXPECT_EQ(seen.slots, (std::vector<uint64_t>{2, 3, 1, 4}));
  }
  EXPECT_TRUE(entry_is_nops((void*)&patched_struct_arg_1)) << "detach restores the nops";
  EXPECT_EQ(call_struct_arg_1(&patched_struct_arg_1), 10);
  EXPECT_EQ(seen.runs, 1);
}

TEST(EntryPatch, FexitAndFmodRetCallTheBody) {
  REQUIRE_ENTRY_PATCHING();
  Seen exit, mod;
  Program fx{record_prog, &exit, ProgKind::fexit};
  Program fm{record_prog, &mod, ProgKind::fmod_ret};
  Attachment a(targets_btf().model("patched_struct_arg_1"), (void*)&patched_struct_arg_1,
               kEntryPatch);
  a.attach(fx);
  EXPECT_EQ(call_struct_arg_1(&patched_struct_arg_1), 10);
  EXPECT_EQ(exit.ret, 10u);
  EXPECT_EQ(exit.slots, (std::vector<uint64_t>{2, 3, 1, 4}));
  a.attach(fm);
  mod.fmod = 4321;
  const long calls = target_calls;
  EXPECT_EQ(call_struct_arg_1(&patched_struct_arg_1), 4321);
  EXPECT_EQ(target_calls, calls) << "fmod_ret skipped the body";
  EXPECT_EQ(exit.ret, 4321u);
  mod.fmod = 0;
  EXPECT_EQ(call_struct_arg_1(&patched_struct_arg_1), 10);
  EXPECT_EQ(target_calls, calls + 1);
}

// Stack arguments are one return address further away in entry mode.
TEST(EntryPatch, StackArgumentsAndMemoryReturns) {
  REQUIRE_ENTRY_PATCHING();
  Seen entry, exit;
  Program fe{record_prog, &entry, ProgKind::fentry};
  Program fx{record_prog, &exit, ProgKind::fexit};
  {
    Attachment a(targets_btf().model("patched_struct_arg_11"), (void*)&patched_struct_arg_11,
                 kEntryPatch);
    a.attach(fe);
    a.attach(fx);
    EXPECT_EQ(call_struct_arg_11(&patched_struct_arg_11), 243);
    EXPECT_EQ(target_result, 243);
    // Each struct rfc_i128 fills two slots with its 16 bytes as they lie in
    // memory: the low half first on little-endian, the high half on s390x.
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    EXPECT_EQ(entry.slots, (std::vector<uint64_t>{0, 38, 0, 39, 0, 40, 0, 41, 42, 0, 43}));
#else
    EXPECT_EQ(entry.slots, (std::vector<uint64_t>{38, 0, 39, 0, 40, 0, 41, 0, 42, 43, 0}));
#endif
    EXPECT_EQ(exit.ret, 243u);
  }
  {
    Seen e2;
    Program f2{record_prog, &e2, ProgKind::fexit};
    Attachment a(targets_btf().model("patched_ret_big"), (void*)&patched_ret_big, kEntryPatch);
    a.attach(f2);
    const big40 r = call_ret_big(&patched_ret_big);
    for (int i = 0; i < 5; ++i) EXPECT_EQ(r.a[i], 50 + i);
    EXPECT_EQ(e2.slots, (std::vector<uint64_t>{50}));
  }
  {
    Seen e3;
    Program f3{record_prog, &e3, ProgKind::fexit};
    Attachment a(targets_btf().model("patched_floats"), (void*)&patched_floats, kEntryPatch);
    a.attach(f3);
    EXPECT_EQ(call_floats(&patched_floats), 10.875);
    double d;
    std::memcpy(&d, &e3.ret, 8);
    EXPECT_EQ(d, 10.875);
  }
}

// The entry's bytes are checked first: refused even under qemu-user.
TEST(EntryPatch, RefusedWithoutAPatchableEntry) {
  try {
    Attachment a(targets_btf().model("call_counted"), (void*)&call_counted, kEntryPatch);
    FAIL() << "a function without the nop sled must be refused";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::bad_request);
    EXPECT_NE(std::string(e.what()).find(patch_flag()), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("call_counted"), std::string::npos);
  }
}

// A patchable function is accepted where this process can run code it
// rewrote; elsewhere (qemu-user) the attempt says why with Error(unsupported).
TEST(EntryPatch, SupportedOrSaysSo) {
  if (poked_code_problem().empty()) {
    EXPECT_NO_THROW(
        Attachment(targets_btf().model("patched_counted"), (void*)&patched_counted, kEntryPatch));
    return;
  }
  try {
    Attachment a(targets_btf().model("patched_counted"), (void*)&patched_counted, kEntryPatch);
    FAIL() << "expected Error(unsupported)";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::unsupported) << e.what();
    EXPECT_NE(std::string(e.what()).find(poked_code_problem()), std::string::npos) << e.what();
  }
}

#if defined(__x86_64__)
// The nop-preserving call (arch/x86_64/patch.cpp) lands on a 5-byte jmp rel32
// straight to the entry stub (placed within its reach), not on a far jump:
// one direct jump between the site and the stub.
TEST(EntryPatch, NopPreservingCallLandsOnAJumpToTheStub) {
  REQUIRE_ENTRY_PATCHING();
  Seen seen;
  Program p{record_prog, &seen, ProgKind::fentry};
  Attachment a(targets_btf().model("patched_counted"), (void*)&patched_counted, kEntryPatch);
  a.attach(p);
  const auto* site = reinterpret_cast<const uint8_t*>(&patched_counted);
  ASSERT_EQ(site[0], 0xE8);
  int32_t rel = 0;
  std::memcpy(&rel, site + 1, 4);
  ASSERT_EQ(static_cast<uint32_t>(rel), 0x90909090u) << "the call's rel32 is the nops' bytes";
  const auto* landing = site + 5 + rel;
  ASSERT_EQ(landing[0], 0xE9) << "jmp rel32";
  std::memcpy(&rel, landing + 1, 4);
  EXPECT_EQ(static_cast<const void*>(landing + 5 + rel), a.entry_stub());
}
#endif

#if defined(__s390x__)
// Three 2-byte nopr (patchable_function_entry(3, 0)) cannot become one 6-byte
// branch atomically: refused, naming the form that works.
TEST(EntryPatch, ThreeNoprRefusedOnS390x) {
  try {
    Attachment a(targets_btf().model("patched_counted"), (void*)&three_nopr_counted, kEntryPatch);
    FAIL() << "three nopr must be refused";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::bad_request) << e.what();
    EXPECT_NE(std::string(e.what()).find("hotpatch(0,3)"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("nopr"), std::string::npos) << e.what();
  }
}
#endif

// Callers call the function itself while programs come and go: the entry is
// patched, retargeted and restored under them.
TEST(EntryPatch, ConcurrentCallersWhileTheEntryChanges) {
  REQUIRE_ENTRY_PATCHING();
  constexpr int kCallers = 4;
  constexpr long kCallsPerThread = 100000;
  const long before = __atomic_load_n(&target_atomic_calls, __ATOMIC_RELAXED);
  {
    // The first patch of a site may allocate what the site keeps for the
    // life of the process (s390x: its stub): not counted below.
    Seen unused;
    Program warm{record_prog, &unused, ProgKind::fexit};
    Attachment a(targets_btf().model("patched_counted"), (void*)&patched_counted, kEntryPatch);
    a.attach(warm);
  }
  ASSERT_TRUE(Reclaimer::global().drain(std::chrono::seconds(20)));
  const ExecMemory::Stats mem_before = ExecMemory::global().stats();
  std::atomic<uint64_t> runs{0};
  auto count = [](const uint64_t*, void* c) -> uint64_t {
    static_cast<std::atomic<uint64_t>*>(c)->fetch_add(1, std::memory_order_relaxed);
    volatile int spin = 0;
    for (int i = 0; i < 500; ++i) spin = spin + 1;
    return 0;
  };
  Program p{count, &runs, ProgKind::fentry};
  Program q{count, &runs, ProgKind::fexit};
  std::atomic<long> wrong{0};
  std::atomic<bool> done{false};
  {
    Attachment a(targets_btf().model("patched_counted"), (void*)&patched_counted, kEntryPatch);
    std::atomic<bool> go{false};
    std::vector<std::thread> callers;
    for (int t = 0; t < kCallers; ++t)
      callers.emplace_back([&, t] {
        go.wait(false);  // blocks (a futex): a spinning thread would never be quiescent
        for (long i = 0; i < kCallsPerThread; ++i) {
          const long v = t * kCallsPerThread + i;
          if (call_counted(&patched_counted, v) != v + 1) wrong.fetch_add(1);
          if (i % 1000 == 0) usleep(1);
        }
      });
    std::thread swapper([&] {
      a.attach(p);
      go = true;
      go.notify_all();
      while (runs.load() == 0) std::this_thread::yield();
      a.detach(p);
      for (int i = 0; i < 50 || !done.load(); ++i) {
        a.attach(p);
        a.attach(q);
        a.detach(p);
        a.detach(q);
      }
    });
    for (auto& c : callers) c.join();
    done = true;
    swapper.join();
  }
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(__atomic_load_n(&target_atomic_calls, __ATOMIC_RELAXED) - before,
            kCallers * kCallsPerThread)
      << "every call ran the function's body exactly once";
  EXPECT_GT(runs.load(), 0u);
  EXPECT_TRUE(entry_is_nops((void*)&patched_counted));
  EXPECT_TRUE(Reclaimer::global().drain(std::chrono::seconds(20)));
  EXPECT_EQ(ExecMemory::global().stats().live_blocks, mem_before.live_blocks);
}

// One program stays attached the whole time (the entry stays patched) while
// others come and go: only the branch's target changes under the callers
// (x86-64: call A -> call B; arm64: B A -> B B; s390x: the stub's slot). The
// permanent program runs exactly once per call.
TEST(EntryPatch, ConcurrentCallersWhileTheTrampolineIsRetargeted) {
  REQUIRE_ENTRY_PATCHING();
  constexpr int kCallers = 3;
  constexpr long kCallsPerThread = 50000;
  const long before = __atomic_load_n(&target_atomic_calls, __ATOMIC_RELAXED);
  std::atomic<uint64_t> steady{0}, extra{0};
  auto count = [](const uint64_t*, void* c) -> uint64_t {
    static_cast<std::atomic<uint64_t>*>(c)->fetch_add(1, std::memory_order_relaxed);
    return 0;
  };
  Program keep{count, &steady, ProgKind::fentry};
  Program e1{count, &extra, ProgKind::fentry};
  Program e2{count, &extra, ProgKind::fexit};
  std::atomic<long> wrong{0};
  std::atomic<bool> done{false};
  {
    Attachment a(targets_btf().model("patched_counted"), (void*)&patched_counted, kEntryPatch);
    a.attach(keep);
    std::vector<std::thread> callers;
    for (int t = 0; t < kCallers; ++t)
      callers.emplace_back([&, t] {
        for (long i = 0; i < kCallsPerThread; ++i) {
          const long v = t * kCallsPerThread + i;
          if (call_counted(&patched_counted, v) != v + 1) wrong.fetch_add(1);
          if (i % 500 == 0) usleep(1);  // lets the reclaimer see this thread quiescent
        }
      });
    std::thread swapper([&] {
      for (int i = 0; i < 30 || !done.load(); ++i) {
        a.attach(e1);
        a.attach(e2);
        a.detach(e1);
        a.detach(e2);
        EXPECT_TRUE(entry_is_patched((void*)&patched_counted));
      }
    });
    for (auto& c : callers) c.join();
    done = true;
    swapper.join();
  }
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(steady.load(), static_cast<uint64_t>(kCallers * kCallsPerThread))
      << "the program attached throughout ran once per call";
  EXPECT_EQ(__atomic_load_n(&target_atomic_calls, __ATOMIC_RELAXED) - before,
            kCallers * kCallsPerThread);
  EXPECT_TRUE(entry_is_nops((void*)&patched_counted));
  EXPECT_TRUE(Reclaimer::global().drain(std::chrono::seconds(20)));
}

}  // namespace
}  // namespace xtramp
