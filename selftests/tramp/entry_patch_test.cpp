// Entry-patch attachment: the function's own entry (five nops on x86-64)
// becomes a call to the trampoline while callers keep calling the function
// itself. fentry only: the trampoline returns into the body (RESTORE_REGS);
// with fexit / fmod_ret it calls the body and returns to the caller
// (CALL_ORIG | SKIP_FRAME). Detach restores the nops.
#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <cstring>
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

#define REQUIRE_X86_PATCHING()                                                          \
  if (host_arch() != Arch::x86_64)                                                      \
    GTEST_SKIP() << "entry patching runs on x86-64 only so far (arm64 and s390x entry " \
                    "trampolines are generated, see CliGen); this is "                  \
                 << arch_name(host_arch());

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

bool entry_is_nops(const void* fn) {
  const auto* p = static_cast<const uint8_t*>(fn);
  for (int i = 0; i < 5; ++i)
    if (p[i] != 0x90) return false;
  return true;
}

TEST(EntryPatch, FentryReturnsIntoTheBody) {
  REQUIRE_X86_PATCHING();
  Seen seen;
  Program p{record_prog, &seen, ProgKind::fentry};
  {
    Attachment a(targets_btf().model("patched_struct_arg_1"), (void*)&patched_struct_arg_1,
                 kEntryPatch);
    EXPECT_TRUE(entry_is_nops((void*)&patched_struct_arg_1));
    a.attach(p);
    EXPECT_EQ(static_cast<const uint8_t*>((void*)&patched_struct_arg_1)[0], 0xE8) << "a call";
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
  REQUIRE_X86_PATCHING();
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
  REQUIRE_X86_PATCHING();
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
    EXPECT_EQ(entry.slots, (std::vector<uint64_t>{38, 0, 39, 0, 40, 0, 41, 0, 42, 43, 0}));
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

TEST(EntryPatch, RefusedWithoutAPatchableEntry) {
  REQUIRE_X86_PATCHING();
  try {
    Attachment a(targets_btf().model("call_counted"), (void*)&call_counted, kEntryPatch);
    FAIL() << "a function without the nop sled must be refused";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::bad_request);
    EXPECT_NE(std::string(e.what()).find("-fpatchable-function-entry"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("call_counted"), std::string::npos);
  }
}

// x86-64 accepts a patchable function; where entry patching is not
// implemented yet, the attempt says so with Error(unsupported).
TEST(EntryPatch, SupportedOrSaysSo) {
  if (host_arch() == Arch::x86_64) {
    EXPECT_NO_THROW(
        Attachment(targets_btf().model("patched_counted"), (void*)&patched_counted, kEntryPatch));
    return;
  }
  try {
    Attachment a(targets_btf().model("patched_counted"), (void*)&patched_counted, kEntryPatch);
    FAIL() << "expected Error(unsupported)";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::unsupported) << e.what();
  }
}

// Callers call the function itself while programs come and go: the entry is
// patched, retargeted and restored under them.
TEST(EntryPatch, ConcurrentCallersWhileTheEntryChanges) {
  REQUIRE_X86_PATCHING();
  constexpr int kCallers = 4;
  constexpr long kCallsPerThread = 100000;
  const long before = __atomic_load_n(&target_atomic_calls, __ATOMIC_RELAXED);
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

}  // namespace
}  // namespace xtramp
