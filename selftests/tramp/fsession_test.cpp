// fsession programs (Linux 7.0's BPF_TRACE_FSESSION): one program run at the
// entry and at the exit of each call, the halves sharing an 8-byte session
// cookie, and ctx[-1] as the func_meta word (docs/linux-jits.md "The ctx
// layout"): the slot count in bits 0-7, the running fsession program's
// cookie index in bits 8-15, bit 63 in exit halves. Checked on the host arch
// (natively, under qemu-user in the cross builds, in the vm stage's guests):
// the order of every half among fentry / fmod_ret / fexit programs, the
// func_meta word each program sees, cookies zeroed per call and private to
// each program, the helpers' masking, the entry half's result (ignored, as
// the kernel's verifier holds it to 0), fmod_ret skipping, recursion,
// threads, attach / detach and the link limit.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/error.hpp"
#include "runtime/attachment.hpp"
#include "runtime/trampoline.hpp"
#include "selftests/tramp/patch_site.hpp"
#include "selftests/tramp/targets.h"
#include "selftests/tramp/targets_btf.hpp"

namespace xtramp {
namespace {

using test::targets_btf;

constexpr uint64_t kIsReturn = uint64_t{1} << 63;

long call_slot_counted(std::atomic<const void*>& slot, long a) {
  auto* f =
      reinterpret_cast<long (*)(long)>(const_cast<void*>(slot.load(std::memory_order_acquire)));
  return call_counted(f, a);
}

// One program run, as the program saw it.
struct ProgRun {
  std::string who;
  uint64_t meta = 0;         // ctx[-1], raw
  uint64_t arg_cnt = 0;      // func_arg_cnt
  bool is_return = false;    // session_is_return
  uint64_t cookie = 0;       // fsession: the cookie as this half found it
  int64_t cookie_index = 0;  // fsession: ctx - session_cookie(ctx), in slots
  uint64_t ret = 0;          // func_ret
  int past_last_arg = 0;     // func_arg(ctx, arg_cnt): -22
};

struct Log {
  std::mutex mu;
  std::vector<ProgRun> runs;
  void add(ProgRun r) {
    std::lock_guard<std::mutex> l(mu);
    runs.push_back(std::move(r));
  }
};

// A program's cookie: its name, the shared log, what an fsession entry half
// writes into its session cookie and returns.
struct Prog {
  std::string name;
  Log* log = nullptr;
  uint64_t write = 0;
  uint64_t entry_result = 0;
};

ProgRun seen(const uint64_t* ctx, const Prog& p, bool session) {
  ProgRun r;
  r.who = p.name;
  r.meta = ctx[-1];
  r.arg_cnt = func_arg_cnt(ctx);
  uint64_t v = 0;
  r.past_last_arg = func_arg(ctx, static_cast<uint32_t>(r.arg_cnt), &v);
  func_ret(ctx, &r.ret);
  if (session) {
    r.is_return = session_is_return(ctx);
    r.cookie = *session_cookie(ctx);
    r.cookie_index = ctx - session_cookie(ctx);
  }
  return r;
}

uint64_t plain_prog(const uint64_t* ctx, void* cookie) {
  auto* p = static_cast<Prog*>(cookie);
  p->log->add(seen(ctx, *p, false));
  return 0;
}

uint64_t session_prog(const uint64_t* ctx, void* cookie) {
  auto* p = static_cast<Prog*>(cookie);
  ProgRun r = seen(ctx, *p, true);
  const bool exit = r.is_return;
  r.who += exit ? ".exit" : ".entry";
  p->log->add(r);
  if (exit) return 0;
  *session_cookie(ctx) = p->write;
  return p->entry_result;
}

uint64_t plain_prog_nothrow(const uint64_t* ctx, void* cookie) noexcept {
  return plain_prog(ctx, cookie);
}
uint64_t session_prog_nothrow(const uint64_t* ctx, void* cookie) noexcept {
  return session_prog(ctx, cookie);
}

// Every test with noexcept programs (called inline on x86-64, arm64, s390x
// hosts) and with programs that may throw (through the runner).
class Fsession : public ::testing::TestWithParam<bool> {
 protected:
  std::unique_ptr<Program> make(Prog& p, ProgKind k) {
    const bool session = k == ProgKind::fsession;
    if (GetParam())
      return std::make_unique<Program>(session ? session_prog_nothrow : plain_prog_nothrow, &p, k);
    return std::make_unique<Program>(session ? session_prog : plain_prog, &p, k);
  }
  Log log;
};

std::vector<std::string> order(const Log& l) {
  std::vector<std::string> o;
  for (const ProgRun& r : l.runs) o.push_back(r.who);
  return o;
}

const ProgRun& find(const Log& l, const std::string& who) {
  for (const ProgRun& r : l.runs)
    if (r.who == who) return r;
  throw std::runtime_error("no run of " + who);
}

// bpf_testmod_test_struct_arg_1: 3 arguments in 4 slots, returns 10.
using StructArg1 = int(bpf_testmod_struct_arg_2, int, int);

TEST_P(Fsession, EntryAndExitShareTheCookie) {
  Prog s{"s", &log, 0x5e5510c0011e0001};
  auto ps = make(s, ProgKind::fsession);
  ProgramSet set;
  set.fentry = {ps.get()};
  set.fexit = {ps.get()};
  const Trampoline t = Trampoline::create(targets_btf().model("bpf_testmod_test_struct_arg_1"),
                                          (void*)&bpf_testmod_test_struct_arg_1, set);
  const long calls = target_calls;
  EXPECT_EQ(call_struct_arg_1(t.as<StructArg1>()), 10);
  EXPECT_EQ(target_calls, calls + 1);
  ASSERT_EQ(order(log), (std::vector<std::string>{"s.entry", "s.exit"}));
  const ProgRun& en = find(log, "s.entry");
  const ProgRun& ex = find(log, "s.exit");
  // One fsession program: its cookie is ctx[-3], right below the ip.
  EXPECT_EQ(en.meta, 4u | 3u << 8) << std::hex << en.meta;
  EXPECT_EQ(ex.meta, 4u | 3u << 8 | kIsReturn) << std::hex << ex.meta;
  EXPECT_EQ(en.arg_cnt, 4u);
  EXPECT_EQ(ex.arg_cnt, 4u);
  EXPECT_EQ(en.past_last_arg, -22);
  EXPECT_EQ(ex.past_last_arg, -22);
  EXPECT_FALSE(en.is_return);
  EXPECT_TRUE(ex.is_return);
  EXPECT_EQ(en.cookie_index, 3);
  EXPECT_EQ(ex.cookie_index, 3);
  EXPECT_EQ(en.cookie, 0u) << "the cookie is zero at entry";
  EXPECT_EQ(en.ret, 0u) << "the return slot is zeroed before the entry programs";
  EXPECT_EQ(ex.cookie, s.write) << "the exit half reads what the entry half wrote";
  EXPECT_EQ(ex.ret, 10u);

  // A second call starts from a zero cookie again.
  s.write = 0x5e5510c0011e0002;
  EXPECT_EQ(call_struct_arg_1(t.as<StructArg1>()), 10);
  ASSERT_EQ(log.runs.size(), 4u);
  EXPECT_EQ(log.runs[2].cookie, 0u);
  EXPECT_EQ(log.runs[3].cookie, s.write);
  EXPECT_EQ(ps->runs.load(), 4u) << "two halves per call";
}

// fentry A, fsession S1, fentry B, fsession S2 (entry) / fexit A, S1, fexit
// B, S2 (exit), and an fmod_ret M that lets the original run: each half in
// its list's order, each fsession program with its own cookie (S1 ctx[-4],
// S2 ctx[-3]), the func_meta word as the kernel writes it (only before an
// fsession half, and with the is-return bit once before the exit list).
TEST_P(Fsession, SeveralSessionsAmongOtherKinds) {
  Prog a{"fentry_a", &log}, b{"fentry_b", &log}, xa{"fexit_a", &log}, xb{"fexit_b", &log},
      m{"fmod_ret", &log};
  Prog s1{"s1", &log, 0x1111}, s2{"s2", &log, 0x2222};
  auto pa = make(a, ProgKind::fentry), pb = make(b, ProgKind::fentry);
  auto pxa = make(xa, ProgKind::fexit), pxb = make(xb, ProgKind::fexit);
  auto pm = make(m, ProgKind::fmod_ret);
  auto ps1 = make(s1, ProgKind::fsession), ps2 = make(s2, ProgKind::fsession);
  ProgramSet set;
  set.fentry = {pa.get(), ps1.get(), pb.get(), ps2.get()};
  set.fexit = {pxa.get(), ps1.get(), pxb.get(), ps2.get()};
  set.fmod_ret = {pm.get()};
  const Trampoline t = Trampoline::create(targets_btf().model("bpf_testmod_test_struct_arg_1"),
                                          (void*)&bpf_testmod_test_struct_arg_1, set);
  EXPECT_EQ(call_struct_arg_1(t.as<StructArg1>()), 10);
  ASSERT_EQ(order(log),
            (std::vector<std::string>{"fentry_a", "s1.entry", "fentry_b", "s2.entry", "fmod_ret",
                                      "fexit_a", "s1.exit", "fexit_b", "s2.exit"}));
  EXPECT_EQ(find(log, "fentry_a").meta, 4u);
  EXPECT_EQ(find(log, "s1.entry").meta, 4u | 4u << 8);
  EXPECT_EQ(find(log, "fentry_b").meta, 4u | 4u << 8) << "left as the last fsession half set it";
  EXPECT_EQ(find(log, "s2.entry").meta, 4u | 3u << 8);
  EXPECT_EQ(find(log, "fmod_ret").meta, 4u | 3u << 8);
  EXPECT_EQ(find(log, "fexit_a").meta, 4u | kIsReturn);
  EXPECT_EQ(find(log, "s1.exit").meta, 4u | 4u << 8 | kIsReturn);
  EXPECT_EQ(find(log, "fexit_b").meta, 4u | 4u << 8 | kIsReturn);
  EXPECT_EQ(find(log, "s2.exit").meta, 4u | 3u << 8 | kIsReturn);
  for (const ProgRun& r : log.runs) {
    SCOPED_TRACE(r.who);
    EXPECT_EQ(r.arg_cnt, 4u) << "the helpers mask the slot count";
    EXPECT_EQ(r.past_last_arg, -22);
  }
  EXPECT_EQ(find(log, "s1.entry").cookie_index, 4);
  EXPECT_EQ(find(log, "s2.entry").cookie_index, 3);
  EXPECT_EQ(find(log, "s1.exit").cookie_index, 4);
  EXPECT_EQ(find(log, "s2.exit").cookie_index, 3);
  EXPECT_EQ(find(log, "s1.entry").cookie, 0u);
  EXPECT_EQ(find(log, "s2.entry").cookie, 0u);
  EXPECT_EQ(find(log, "s1.exit").cookie, 0x1111u);
  EXPECT_EQ(find(log, "s2.exit").cookie, 0x2222u);
  EXPECT_EQ(find(log, "fexit_a").ret, 10u);
  EXPECT_EQ(find(log, "s2.exit").ret, 10u);
}

// The entry half's result does not skip anything: the kernel's verifier
// holds an fsession program's result to 0 (docs/trampolines.md), and
// xtramp ignores it, as for fentry.
TEST_P(Fsession, EntryResultSkipsNothing) {
  Prog s{"s", &log, 7, /*entry_result=*/1};
  auto ps = make(s, ProgKind::fsession);
  ProgramSet set;
  set.fentry = {ps.get()};
  set.fexit = {ps.get()};
  const Trampoline t = Trampoline::create(targets_btf().model("bpf_testmod_test_struct_arg_1"),
                                          (void*)&bpf_testmod_test_struct_arg_1, set);
  const long calls = target_calls;
  EXPECT_EQ(call_struct_arg_1(t.as<StructArg1>()), 10);
  EXPECT_EQ(target_calls, calls + 1) << "the function ran";
  ASSERT_EQ(order(log), (std::vector<std::string>{"s.entry", "s.exit"}));
  EXPECT_EQ(find(log, "s.exit").cookie, 7u);
}

// An fmod_ret program that skips the function: the exit halves still run,
// and see its result as the return value.
TEST_P(Fsession, FmodRetSkipStillRunsTheExitHalf) {
  struct Mod {
    static uint64_t run(const uint64_t*, void*) { return 1234; }
  };
  Prog s{"s", &log, 9};
  auto ps = make(s, ProgKind::fsession);
  Program m{Mod::run, nullptr, ProgKind::fmod_ret};
  ProgramSet set;
  set.fentry = {ps.get()};
  set.fexit = {ps.get()};
  set.fmod_ret = {&m};
  const Trampoline t = Trampoline::create(targets_btf().model("bpf_testmod_test_struct_arg_1"),
                                          (void*)&bpf_testmod_test_struct_arg_1, set);
  const long calls = target_calls;
  EXPECT_EQ(call_struct_arg_1(t.as<StructArg1>()), 1234);
  EXPECT_EQ(target_calls, calls) << "fmod_ret skipped the function";
  ASSERT_EQ(order(log), (std::vector<std::string>{"s.entry", "s.exit"}));
  EXPECT_EQ(find(log, "s.exit").ret, 1234u);
  EXPECT_EQ(find(log, "s.exit").cookie, 9u);
}

// A void function: no return value, the return slot stays zero.
TEST_P(Fsession, VoidFunction) {
  Prog s{"s", &log, 5};
  auto ps = make(s, ProgKind::fsession);
  ProgramSet set;
  set.fentry = {ps.get()};
  set.fexit = {ps.get()};
  const Trampoline t =
      Trampoline::create(targets_btf().model("target_void"), (void*)&target_void, set);
  call_void(t.as<void(long)>());
  EXPECT_EQ(target_result, 77);
  ASSERT_EQ(order(log), (std::vector<std::string>{"s.entry", "s.exit"}));
  EXPECT_EQ(find(log, "s.entry").meta, 1u | 3u << 8);
  EXPECT_EQ(find(log, "s.exit").meta, 1u | 3u << 8 | kIsReturn);
  EXPECT_EQ(find(log, "s.exit").ret, 0u);
  EXPECT_EQ(find(log, "s.exit").cookie, 5u);
}

INSTANTIATE_TEST_SUITE_P(Programs, Fsession, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "Nothrow" : "MayThrow"; });

// --- recursion and threads --------------------------------------------------

// An fsession program whose entry half calls the traced function again: the
// inner call's halves are skipped by the recursion guard (two misses), and
// the outer call's exit half still finds its own cookie (the cookies live in
// each call's frame).
struct Reenter {
  const Trampoline* t = nullptr;
  int depth = 0;
  std::vector<uint64_t> exits;
};
uint64_t reentering_session(const uint64_t* ctx, void* cookie) {
  auto* r = static_cast<Reenter*>(cookie);
  if (session_is_return(ctx)) {
    r->exits.push_back(*session_cookie(ctx));
    return 0;
  }
  *session_cookie(ctx) = 0xabc0 + static_cast<uint64_t>(++r->depth);
  call_void(r->t->as<void(long)>());
  return 0;
}

TEST(FsessionRecursion, InnerCallIsGuardedOuterCookieKept) {
  Reenter r;
  Program p{reentering_session, &r, ProgKind::fsession};
  ProgramSet set;
  set.fentry = {&p};
  set.fexit = {&p};
  const Trampoline t =
      Trampoline::create(targets_btf().model("target_void"), (void*)&target_void, set);
  r.t = &t;
  const long calls = target_calls;
  call_void(t.as<void(long)>());
  EXPECT_EQ(target_calls, calls + 2) << "both calls reached the function";
  EXPECT_EQ(p.runs.load(), 2u) << "the outer call's two halves";
  EXPECT_EQ(p.misses.load(), 2u) << "the inner call's two halves";
  EXPECT_EQ(r.exits, (std::vector<uint64_t>{0xabc1}));
}

// Threads calling at once: every exit half finds the cookie its own entry
// half wrote (a value unique to the thread and the call).
uint64_t thread_session(const uint64_t* ctx, void* cookie) noexcept {
  auto* bad = static_cast<std::atomic<uint64_t>*>(cookie);
  thread_local uint64_t serial = 0;
  const uint64_t mine = reinterpret_cast<uintptr_t>(&serial) ^ (serial << 1);
  if (!session_is_return(ctx)) {
    if (*session_cookie(ctx) != 0) bad->fetch_add(1);
    *session_cookie(ctx) = mine | 1;
    return 0;
  }
  if (*session_cookie(ctx) != (mine | 1) || ctx[0] + 1 != ctx[1]) bad->fetch_add(1);
  ++serial;
  return 0;
}

TEST(FsessionThreads, EachCallKeepsItsCookie) {
  std::atomic<uint64_t> bad{0};
  Program p{thread_session, &bad, ProgKind::fsession};
  ProgramSet set;
  set.fentry = {&p};
  set.fexit = {&p};
  const Trampoline t =
      Trampoline::create(targets_btf().model("target_counted"), (void*)&target_counted, set);
  constexpr int kThreads = 4, kCalls = 2000;
  std::vector<std::thread> th;
  std::atomic<uint64_t> wrong_result{0};
  for (int i = 0; i < kThreads; ++i)
    th.emplace_back([&, i] {
      for (long c = 0; c < kCalls; ++c)
        if (call_counted(t.as<long(long)>(), c * 10 + i) != c * 10 + i + 1) wrong_result++;
    });
  for (auto& x : th) x.join();
  EXPECT_EQ(bad.load(), 0u);
  EXPECT_EQ(wrong_result.load(), 0u);
  EXPECT_EQ(p.runs.load(), uint64_t{2 * kThreads * kCalls});
}

// --- attaching ---------------------------------------------------------------

TEST(FsessionAttach, BothHalvesComeAndGoTogether) {
  Log log;
  Prog s{"s", &log, 0x77}, f{"fexit", &log};
  Program ps{session_prog, &s, ProgKind::fsession};
  Program pf{plain_prog, &f, ProgKind::fexit};
  Attachment a(targets_btf().model("target_counted"), (void*)&target_counted);
  a.attach(pf);
  a.attach(ps);
  EXPECT_EQ(a.program_count(), 3u) << "an fsession program is two links";
  EXPECT_EQ(call_slot_counted(a.slot(), 5), 6);
  // The newest first in each list, as the kernel runs them.
  ASSERT_EQ(order(log), (std::vector<std::string>{"s.entry", "s.exit", "fexit"}));
  EXPECT_EQ(find(log, "s.exit").cookie, 0x77u);
  EXPECT_EQ(find(log, "s.exit").ret, 6u);
  a.detach(ps);
  EXPECT_EQ(a.program_count(), 1u);
  log.runs.clear();
  EXPECT_EQ(call_slot_counted(a.slot(), 5), 6);
  EXPECT_EQ(order(log), (std::vector<std::string>{"fexit"}));
  EXPECT_THROW(a.detach(ps), Error);
}

// The kernel-check step's attach order (fentry A, fexit A, fsession 1,
// fentry B, fexit B, fsession 2) runs as Debian's 7.2.13 kernels ran it
// (docs/linux-jits.md): the newest first in each list, fsession 2's cookie
// ctx[-4], fsession 1's ctx[-3].
TEST(FsessionAttach, OrderAsTheKernelRunsIt) {
  Log log;
  Prog a{"fentry_a", &log}, xa{"fexit_a", &log}, s1{"s1", &log, 1}, b{"fentry_b", &log},
      xb{"fexit_b", &log}, s2{"s2", &log, 2};
  Program pa{plain_prog, &a, ProgKind::fentry}, pxa{plain_prog, &xa, ProgKind::fexit},
      ps1{session_prog, &s1, ProgKind::fsession}, pb{plain_prog, &b, ProgKind::fentry},
      pxb{plain_prog, &xb, ProgKind::fexit}, ps2{session_prog, &s2, ProgKind::fsession};
  Attachment at(targets_btf().model("target_counted"), (void*)&target_counted);
  for (Program* p : {&pa, &pxa, &ps1, &pb, &pxb, &ps2}) at.attach(*p);
  EXPECT_EQ(call_slot_counted(at.slot(), 1), 2);
  ASSERT_EQ(order(log), (std::vector<std::string>{"s2.entry", "fentry_b", "s1.entry", "fentry_a",
                                                  "s2.exit", "fexit_b", "s1.exit", "fexit_a"}));
  EXPECT_EQ(find(log, "s2.entry").cookie_index, 4);
  EXPECT_EQ(find(log, "s1.entry").cookie_index, 3);
  EXPECT_EQ(find(log, "s2.exit").cookie, 2u);
  EXPECT_EQ(find(log, "s1.exit").cookie, 1u);
}

// BPF_MAX_TRAMP_LINKS counts an fsession program twice: with 37 links one
// more fsession program is refused (and the attachment left as it was), with
// 36 it fits.
TEST(FsessionAttach, CountsTwoLinks) {
  Log log;
  Prog plain{"p", &log};
  std::vector<std::unique_ptr<Program>> progs;
  Attachment a(targets_btf().model("target_counted"), (void*)&target_counted);
  for (size_t i = 0; i + 1 < kMaxProgramsPerFunction; ++i) {
    progs.push_back(std::make_unique<Program>(plain_prog, &plain, ProgKind::fentry));
    a.attach(*progs.back());
  }
  Prog s{"s", &log, 1};
  Program ps{session_prog, &s, ProgKind::fsession};
  try {
    a.attach(ps);
    FAIL() << "the fsession program needs two links, one is left";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::bad_request);
  }
  EXPECT_EQ(a.program_count(), kMaxProgramsPerFunction - 1);
  a.detach(*progs.back());
  a.attach(ps);
  EXPECT_EQ(a.program_count(), kMaxProgramsPerFunction);
  log.runs.clear();
  EXPECT_EQ(call_slot_counted(a.slot(), 1), 2);
  EXPECT_EQ(log.runs.size(), kMaxProgramsPerFunction - 2 + 2);
  EXPECT_EQ(log.runs.front().who, "s.entry") << "the newest runs first";
  EXPECT_EQ(log.runs.back().who, "s.exit");
  EXPECT_EQ(log.runs.back().cookie, 1u);
}

// The planner refuses an fsession program that is not in both lists, in the
// same order (the attach API never builds one).
TEST(FsessionAttach, PlannerWantsBothHalves) {
  Log log;
  Prog s1{"s1", &log}, s2{"s2", &log};
  Program p1{session_prog, &s1, ProgKind::fsession}, p2{session_prog, &s2, ProgKind::fsession};
  for (int c = 0; c < 3; ++c) {
    ProgramSet set;
    set.fentry = {&p1, &p2};
    set.fexit = c == 0 ? std::vector<Program*>{&p1} : std::vector<Program*>{&p2, &p1};
    if (c == 2) set.fmod_ret = {&p1}, set.fexit = {&p1, &p2};
    SCOPED_TRACE(c);
    EXPECT_THROW(
        Trampoline::create(targets_btf().model("target_counted"), (void*)&target_counted, set),
        Error);
  }
}

// Entry patch: the trampoline calls the body (an fsession program needs the
// exit), on hosts that can run rewritten code.
TEST(FsessionEntryPatch, EntryAndExit) {
  REQUIRE_ENTRY_PATCHING();
  Log log;
  Prog s{"s", &log, 0x99};
  Program ps{session_prog, &s, ProgKind::fsession};
  Attachment a(targets_btf().model("patched_counted"), (void*)&patched_counted, kEntryPatch);
  a.attach(ps);
  EXPECT_EQ(call_counted(&patched_counted, 41), 42);
  ASSERT_EQ(order(log), (std::vector<std::string>{"s.entry", "s.exit"}));
  EXPECT_EQ(find(log, "s.entry").meta, 1u | 3u << 8);
  EXPECT_EQ(find(log, "s.exit").cookie, 0x99u);
  EXPECT_EQ(find(log, "s.exit").ret, 42u);
  a.detach(ps);
  EXPECT_TRUE(test::entry_is_nops((void*)&patched_counted));
}

}  // namespace
}  // namespace xtramp
