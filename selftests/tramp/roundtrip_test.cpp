// Replace-mode round trips on the host architecture (natively, and under
// qemu in the cross builds): a GCC-compiled caller calls a GCC-compiled target
// through an xtramp trampoline built from the target's own BTF. Checked:
// the fentry ctx (slot count, function address, every argument byte),
// what the target computed from the arguments it received, the return value
// the caller got, fexit's view of it, and fmod_ret's override. Values and
// expectations are the kernel selftests' (prog_tests/tracing_struct.c;
// docs/linux-jits.md "The kernel selftests and the 2025 RFC").
#include <gtest/gtest.h>

#include <cstring>
#include <optional>
#include <thread>
#include <tuple>
#include <type_traits>
#include <vector>

#include "btf/btf_file.hpp"
#include "runtime/attachment.hpp"
#include "runtime/trampoline.hpp"
#include "selftests/tramp/patch_site.hpp"
#include "selftests/tramp/targets.h"
#include "selftests/tramp/targets_btf.hpp"

namespace xtramp {
namespace {

using test::targets_btf;

// What a program saw.
struct Seen {
  int runs = 0;
  uint64_t nargs = 0, ip = 0;
  std::vector<uint8_t> bytes;  // ctx[0 .. nargs) as bytes
  std::vector<uint8_t> ret;    // fexit: the return slots
  size_t ret_bytes = 8;        // how many return bytes to keep
  uint64_t fmod_result = 0;    // what an fmod_ret program returns
};

uint64_t fentry_prog(const uint64_t* ctx, void* cookie) {
  auto* s = static_cast<Seen*>(cookie);
  ++s->runs;
  s->nargs = func_arg_cnt(ctx);
  s->ip = func_ip(ctx);
  const auto* p = reinterpret_cast<const uint8_t*>(ctx);
  s->bytes.assign(p, p + 8 * s->nargs);
  return 0;
}

uint64_t fexit_prog(const uint64_t* ctx, void* cookie) {
  fentry_prog(ctx, cookie);
  auto* s = static_cast<Seen*>(cookie);
  const auto* r = reinterpret_cast<const uint8_t*>(ctx + func_arg_cnt(ctx));
  s->ret.assign(r, r + s->ret_bytes);
  return 0;
}

uint64_t fmod_prog(const uint64_t* ctx, void* cookie) {
  fentry_prog(ctx, cookie);
  return static_cast<Seen*>(cookie)->fmod_result;
}

// The same programs as noexcept: trampolines may run them without the
// runner's catch-all (the guard, call and count are inline).
uint64_t fentry_prog_nothrow(const uint64_t* ctx, void* cookie) noexcept {
  return fentry_prog(ctx, cookie);
}
uint64_t fexit_prog_nothrow(const uint64_t* ctx, void* cookie) noexcept {
  return fexit_prog(ctx, cookie);
}
uint64_t fmod_prog_nothrow(const uint64_t* ctx, void* cookie) noexcept {
  return fmod_prog(ctx, cookie);
}

// The expected ctx bytes: each argument's memory image, zero-padded to its
// slots; -1 marks bytes the caller leaves unspecified (struct padding, the
// x87 long double's 6 padding bytes).
class Image {
 public:
  template <typename T>
  Image& add(const T& v, std::initializer_list<std::pair<size_t, size_t>> dont_care = {}) {
    // Integers, pointers and floats are numbers in ctx: a zero-extended u64
    // (a float's bits), at the low-order end of the slot on big-endian.
    if constexpr (std::is_same_v<T, float>) {
      uint32_t bits = 0;
      std::memcpy(&bits, &v, sizeof bits);
      return add(static_cast<uint64_t>(bits));
    }
    if constexpr ((std::is_integral_v<T> || std::is_pointer_v<T>)&&sizeof(T) < 8) {
      uint64_t u = 0;
      if constexpr (std::is_pointer_v<T>)
        u = reinterpret_cast<uintptr_t>(v);
      else
        u = static_cast<std::make_unsigned_t<T>>(v);
      return add(u);
    }
    const size_t at = bytes_.size();
    const auto* p = reinterpret_cast<const uint8_t*>(&v);
    for (size_t i = 0; i < sizeof(T); ++i) bytes_.push_back(p[i]);
    for (auto [b, e] : dont_care)
      for (size_t i = b; i < e; ++i) bytes_[at + i] = -1;
    while (bytes_.size() % 8) bytes_.push_back(0);
    return *this;
  }
  size_t slots() const { return bytes_.size() / 8; }
  std::string mismatch(const std::vector<uint8_t>& got) const {
    if (got.size() != bytes_.size())
      return "size " + std::to_string(got.size()) + " != " + std::to_string(bytes_.size());
    for (size_t i = 0; i < got.size(); ++i)
      if (bytes_[i] >= 0 && got[i] != bytes_[i])
        return "slot " + std::to_string(i / 8) + " byte " + std::to_string(i % 8) + ": got " +
               std::to_string(got[i]) + ", expected " + std::to_string(bytes_[i]);
    return "";
  }

 private:
  std::vector<int> bytes_;
};

// The same round trips in every attach mode: replace (a trampoline called
// like the function), entry patch with fentry + fexit (the trampoline calls
// the body), entry patch with fentry only (it returns into the body).
enum class Mode { replace, entry_patch, entry_patch_fentry_only };
Mode g_mode = Mode::replace;
// And with each kind of program: noexcept ones, and ones that may throw.
bool g_nothrow = false;

const char* mode_name(Mode m) {
  switch (m) {
    case Mode::replace:
      return "Replace";
    case Mode::entry_patch:
      return "EntryPatch";
    case Mode::entry_patch_fentry_only:
      return "EntryPatchFentryOnly";
  }
  return "?";
}

class Roundtrip : public ::testing::TestWithParam<std::tuple<Mode, bool>> {
 protected:
  void SetUp() override {
    g_mode = std::get<0>(GetParam());
    g_nothrow = std::get<1>(GetParam());
    if (g_mode != Mode::replace) {
      REQUIRE_ENTRY_PATCHING();
    }
  }
};

Program flavoured(Program::Fn f, Program::NothrowFn nothrow_f, void* cookie, ProgKind kind) {
  if (g_nothrow) return Program(nothrow_f, cookie, kind);
  return Program(f, cookie, kind);
}

struct Attached {
  Seen entry, exit, fmod;
  Program fentry = flavoured(fentry_prog, fentry_prog_nothrow, &entry, ProgKind::fentry);
  Program fexit = flavoured(fexit_prog, fexit_prog_nothrow, &exit, ProgKind::fexit);
  Program fmod_ret = flavoured(fmod_prog, fmod_prog_nothrow, &fmod, ProgKind::fmod_ret);
  Trampoline tramp;
  std::unique_ptr<Attachment> patch;
  const void* fn;

  Attached(const char* name, const void* f, bool with_fmod_ret = false, size_t ret_bytes = 8)
      : fn(f) {
    exit.ret_bytes = ret_bytes;
    if (g_mode == Mode::replace) {
      ProgramSet progs;
      progs.fentry = {&fentry};
      progs.fexit = {&fexit};
      if (with_fmod_ret) progs.fmod_ret = {&fmod_ret};
      tramp = Trampoline::create(targets_btf().model(name), fn, progs);
      return;
    }
    patch =
        std::make_unique<Attachment>(targets_btf().model(name), const_cast<void*>(fn), kEntryPatch);
    patch->attach(fentry);
    if (g_mode == Mode::entry_patch) patch->attach(fexit);
    if (with_fmod_ret) patch->attach(fmod_ret);
  }
  // What the caller calls: the trampoline (replace), the function (entry patch).
  template <typename F>
  F* as() const {
    return g_mode == Mode::replace ? tramp.as<F>() : reinterpret_cast<F*>(const_cast<void*>(fn));
  }
};

template <typename T>
std::vector<uint8_t> bytes_of(const T& v) {
  std::vector<uint8_t> b(sizeof(T));
  std::memcpy(b.data(), &v, sizeof(T));
  return b;
}

void expect_ctx(const Seen& s, const Image& img, const void* fn) {
  EXPECT_EQ(s.runs, 1);
  EXPECT_EQ(s.nargs, img.slots()) << "ctx[-1] counts slots";
  EXPECT_EQ(s.ip, reinterpret_cast<uint64_t>(fn)) << "ctx[-2] is the function";
  EXPECT_EQ(img.mismatch(s.bytes), "");
}

template <typename T>
void expect_ret(const Seen& s, const T& v) {
  if (g_mode == Mode::entry_patch_fentry_only && s.runs == 0) return;  // no fexit attached
  // An integer return value is a number in its slot, as arguments are.
  std::vector<uint8_t> want;
  if constexpr (std::is_integral_v<T> && sizeof(T) < 8)
    want = bytes_of(static_cast<uint64_t>(static_cast<std::make_unsigned_t<T>>(v)));
  else
    want = bytes_of(v);
  ASSERT_GE(s.ret.size(), want.size());
  EXPECT_EQ(std::vector<uint8_t>(s.ret.begin(), s.ret.begin() + want.size()), want);
}

using bpf_testmod_struct_arg_2_t = bpf_testmod_struct_arg_2;

// tracing_struct t1: "t1_nregs=4" — 3 arguments, 4 slots; reg0..3 = 2,3,1,4; ret 10.
TEST_P(Roundtrip, StructArg1) {
  Attached a("bpf_testmod_test_struct_arg_1", (void*)&bpf_testmod_test_struct_arg_1);
  target_result = 0;
  EXPECT_EQ(call_struct_arg_1(a.as<int(bpf_testmod_struct_arg_2, int, int)>()), 10);
  EXPECT_EQ(target_result, 10) << "the target received the caller's values";
  expect_ctx(a.entry, Image().add(2L).add(3L).add(1).add(4), (void*)&bpf_testmod_test_struct_arg_1);
  if (g_mode != Mode::entry_patch_fentry_only) {
    EXPECT_EQ(a.exit.nargs, 4u);
  }
  expect_ret(a.exit, 10);
}

TEST_P(Roundtrip, StructArgs2To5) {
  {
    Attached a("bpf_testmod_test_struct_arg_2", (void*)&bpf_testmod_test_struct_arg_2);
    EXPECT_EQ(call_struct_arg_2(a.as<int(int, bpf_testmod_struct_arg_2, int)>()), 10);
    expect_ctx(a.entry, Image().add(1).add(2L).add(3L).add(4),
               (void*)&bpf_testmod_test_struct_arg_2);
    expect_ret(a.exit, 10);
  }
  {
    Attached a("bpf_testmod_test_struct_arg_3", (void*)&bpf_testmod_test_struct_arg_3);
    EXPECT_EQ(call_struct_arg_3(a.as<int(int, int, bpf_testmod_struct_arg_2)>()), 10);
    expect_ctx(a.entry, Image().add(1).add(4).add(2L).add(3L),
               (void*)&bpf_testmod_test_struct_arg_3);
  }
  {
    Attached a("bpf_testmod_test_struct_arg_4", (void*)&bpf_testmod_test_struct_arg_4);
    EXPECT_EQ(call_struct_arg_4(
                  a.as<int(bpf_testmod_struct_arg_1, int, int, int, bpf_testmod_struct_arg_2)>()),
              21);
    // struct_arg_1 is an aggregate: its memory image, not a number.
    expect_ctx(a.entry,
               Image().add(bpf_testmod_struct_arg_1{10}).add(1).add(2).add(3).add(2L).add(3L),
               (void*)&bpf_testmod_test_struct_arg_4);
    expect_ret(a.exit, 21);
  }
  {
    Attached a("bpf_testmod_test_struct_arg_5", (void*)&bpf_testmod_test_struct_arg_5);
    EXPECT_EQ(call_struct_arg_5(a.as<int()>()), 1);
    expect_ctx(a.entry, Image(), (void*)&bpf_testmod_test_struct_arg_5);
    expect_ret(a.exit, 1);
  }
}

// struct_many_args t7/t8/t9: 133, 156, 258; f, h partly on the stack.
TEST_P(Roundtrip, StructManyArgs) {
  const bpf_testmod_struct_arg_4 f{21, 22};
  {
    Attached a("bpf_testmod_test_struct_arg_7", (void*)&bpf_testmod_test_struct_arg_7);
    EXPECT_EQ(
        call_struct_arg_7(a.as<int(u64, void*, short, int, void*, bpf_testmod_struct_arg_4)>()),
        133);
    EXPECT_EQ(target_result, 133);
    expect_ctx(a.entry,
               Image().add(u64{16}).add((void*)17).add(short{18}).add(19).add((void*)20).add(
                   f, {{12, 16}}),
               (void*)&bpf_testmod_test_struct_arg_7);
    expect_ret(a.exit, 133);
  }
  {
    Attached a("bpf_testmod_test_struct_arg_8", (void*)&bpf_testmod_test_struct_arg_8);
    EXPECT_EQ(call_struct_arg_8(
                  a.as<int(u64, void*, short, int, void*, bpf_testmod_struct_arg_4, int)>()),
              156);
    expect_ctx(a.entry,
               Image()
                   .add(u64{16})
                   .add((void*)17)
                   .add(short{18})
                   .add(19)
                   .add((void*)20)
                   .add(f, {{12, 16}})
                   .add(23),
               (void*)&bpf_testmod_test_struct_arg_8);
    expect_ret(a.exit, 156);
  }
  {
    const bpf_testmod_struct_arg_5 h{23, 24, 25, 26};
    Attached a("bpf_testmod_test_struct_arg_9", (void*)&bpf_testmod_test_struct_arg_9);
    EXPECT_EQ(call_struct_arg_9(a.as<int(u64, void*, short, int, void*, char, short,
                                         bpf_testmod_struct_arg_5, long)>()),
              258);
    EXPECT_EQ(target_result, 258);
    expect_ctx(a.entry,
               Image()
                   .add(u64{16})
                   .add((void*)17)
                   .add(short{18})
                   .add(19)
                   .add((void*)20)
                   .add(char{21})
                   .add(short{22})
                   .add(h, {{1, 2}})
                   .add(27L),
               (void*)&bpf_testmod_test_struct_arg_9);
    expect_ret(a.exit, 258);
  }
}

// union_args: ut1 a=1, b=4, c=5; ut2 a=6, b = {2, 3}.
TEST_P(Roundtrip, UnionArgs) {
  {
    Attached a("bpf_testmod_test_union_arg_1", (void*)&bpf_testmod_test_union_arg_1);
    EXPECT_EQ(call_union_arg_1(a.as<int(bpf_testmod_union_arg_1, int, int)>()), 10);
    bpf_testmod_union_arg_1 u{};
    u.arg.a = 1;
    expect_ctx(a.entry, Image().add(u).add(4).add(5), (void*)&bpf_testmod_test_union_arg_1);
  }
  {
    Attached a("bpf_testmod_test_union_arg_2", (void*)&bpf_testmod_test_union_arg_2);
    EXPECT_EQ(call_union_arg_2(a.as<int(int, bpf_testmod_union_arg_2)>()), 11);
    expect_ctx(a.entry, Image().add(6).add(2L).add(3L), (void*)&bpf_testmod_test_union_arg_2);
  }
}

// fentry_many_args / fexit_many_args: test7 16..22 ret 133, test11 16..26 ret 231.
TEST_P(Roundtrip, FentryTest7And11) {
  {
    Attached a("bpf_testmod_fentry_test7", (void*)&bpf_testmod_fentry_test7);
    EXPECT_EQ(call_fentry_test7(a.as<int(u64, void*, short, int, void*, char, int)>()), 133);
    expect_ctx(
        a.entry,
        Image().add(u64{16}).add((void*)17).add(short{18}).add(19).add((void*)20).add(char{21}).add(
            22),
        (void*)&bpf_testmod_fentry_test7);
    expect_ret(a.exit, 133);
  }
  {
    Attached a("bpf_testmod_fentry_test11", (void*)&bpf_testmod_fentry_test11);
    EXPECT_EQ(call_fentry_test11(a.as<int(u64, void*, short, int, void*, char, int, unsigned, long,
                                          u64, unsigned long)>()),
              231);
    EXPECT_EQ(target_result, 231);
    expect_ctx(a.entry,
               Image()
                   .add(u64{16})
                   .add((void*)17)
                   .add(short{18})
                   .add(19)
                   .add((void*)20)
                   .add(char{21})
                   .add(22)
                   .add(23u)
                   .add(24L)
                   .add(u64{25})
                   .add(26UL),
               (void*)&bpf_testmod_fentry_test11);
    expect_ret(a.exit, 231);
  }
}

// The 2025 RFC: t10 27..37 ret 352; t11 38..43 ret 243 (x86's JIT read t11:f as 35).
TEST_P(Roundtrip, RfcSixteenByteAlignedStackArgs) {
  {
    Attached a("bpf_testmod_test_struct_arg_10", (void*)&bpf_testmod_test_struct_arg_10);
    EXPECT_EQ(call_struct_arg_10(
                  a.as<int(rfc_u64x2, rfc_u64x2, rfc_u64x2, rfc_u64x2, short, rfc_u64x2)>()),
              352);
    Image img;
    for (u64 v = 27; v <= 34; ++v) img.add(v);
    img.add(short{35}).add(u64{36}).add(u64{37});
    expect_ctx(a.entry, img, (void*)&bpf_testmod_test_struct_arg_10);
    expect_ret(a.exit, 352);
  }
  {
    Attached a("bpf_testmod_test_struct_arg_11", (void*)&bpf_testmod_test_struct_arg_11);
    EXPECT_EQ(
        call_struct_arg_11(a.as<int(rfc_i128, rfc_i128, rfc_i128, rfc_i128, short, rfc_i128)>()),
        243);
    EXPECT_EQ(target_result, 243) << "the original received f = 43";
    Image img;
    for (int v = 38; v <= 41; ++v) img.add(rfc_i128{v});
    img.add(short{42}).add(rfc_i128{43});
    expect_ctx(a.entry, img, (void*)&bpf_testmod_test_struct_arg_11);
    expect_ret(a.exit, 243);
  }
}

// fmod_ret: a non-zero result skips the original and becomes its return
// value; fexit still runs and sees it. Zero lets the original run.
TEST_P(Roundtrip, FmodRetOverridesAndSkips) {
  Attached a("bpf_testmod_test_struct_arg_1", (void*)&bpf_testmod_test_struct_arg_1, true);
  a.fmod.fmod_result = 1234;
  const long calls = target_calls;
  EXPECT_EQ(call_struct_arg_1(a.as<int(bpf_testmod_struct_arg_2, int, int)>()), 1234);
  EXPECT_EQ(target_calls, calls) << "the original was skipped";
  EXPECT_EQ(a.fmod.runs, 1);
  expect_ctx(a.fmod, Image().add(2L).add(3L).add(1).add(4), (void*)&bpf_testmod_test_struct_arg_1);
  expect_ret(a.exit, uint64_t{1234});

  a.fmod.fmod_result = 0;
  EXPECT_EQ(call_struct_arg_1(a.as<int(bpf_testmod_struct_arg_2, int, int)>()), 10);
  EXPECT_EQ(target_calls, calls + 1);
  EXPECT_EQ(a.fmod.runs, 2);
}

TEST_P(Roundtrip, FmodRetRefusesStructReturn) {
  Program p{fmod_prog, nullptr, ProgKind::fmod_ret};
  ProgramSet progs;
  progs.fmod_ret = {&p};
  try {
    Trampoline::create(targets_btf().model("target_ret_big"), (void*)&target_ret_big, progs);
    FAIL() << "fmod_ret on a struct return must be refused";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::unsupported);
    EXPECT_NE(std::string(e.what()).find("target_ret_big"), std::string::npos) << e.what();
  }
}

// --- what the kernel refuses: floats, big structs, struct returns ---------

TEST_P(Roundtrip, FloatsAndDoubles) {
  Attached a("target_floats", (void*)&target_floats);
  EXPECT_EQ(call_floats(a.as<double(float, double, int, double)>()), 10.875);
  EXPECT_EQ(target_result, 3);
  expect_ctx(a.entry, Image().add(1.5f).add(2.25).add(3).add(4.125), (void*)&target_floats);
  expect_ret(a.exit, 10.875);
}

TEST_P(Roundtrip, StructLargerThan16Bytes) {
  Attached a("target_big", (void*)&target_big);
  EXPECT_EQ(call_big(a.as<long(int, big40, long)>()), 1516);
  EXPECT_EQ(target_result, 1516);
  expect_ctx(a.entry, Image().add(7).add(big40{{100, 200, 300, 400, 500}}).add(9L),
             (void*)&target_big);
}

TEST_P(Roundtrip, StructReturns) {
  {
    Attached a("target_ret_pair", (void*)&target_ret_pair, false, 16);
    const pair_ret r = call_ret_pair(a.as<pair_ret(long, long)>());
    EXPECT_EQ(r.a, 10);
    EXPECT_EQ(r.b, 18);
    expect_ret(a.exit, pair_ret{10, 18});
  }
  {
    Attached a("target_ret_big", (void*)&target_ret_big, false, 40);
    const big40 r = call_ret_big(a.as<big40(long)>());
    for (int i = 0; i < 5; ++i) EXPECT_EQ(r.a[i], 50 + i);
    expect_ret(a.exit, big40{{50, 51, 52, 53, 54}});
    expect_ctx(a.entry, Image().add(50L), (void*)&target_ret_big);
  }
  {
    Attached a("target_ret_mixed", (void*)&target_ret_mixed, false, 16);
    const mixed r = call_ret_mixed(a.as<mixed(int, float, double)>());
    EXPECT_EQ(r.i, 42);
    EXPECT_EQ(r.f, 2.5f);
    EXPECT_EQ(r.d, 1.5);
    expect_ret(a.exit, mixed{42, 2.5f, 1.5});
  }
}

TEST_P(Roundtrip, LongDoubleAndInt128) {
  {
    Attached a("target_long_double", (void*)&target_long_double, false, 16);
    EXPECT_EQ(call_long_double(a.as<long double(long double, int)>()), 7.0L);
    const size_t pad_from = sizeof(long double) == 16 && LDBL_MANT_DIG == 64 ? 10 : 16;
    expect_ctx(a.entry, Image().add(1.5L, {{pad_from, 16}}).add(4), (void*)&target_long_double);
    long double seven = 7.0L;
    std::vector<uint8_t> want = bytes_of(seven);
    if (g_mode != Mode::entry_patch_fentry_only) {
      ASSERT_EQ(a.exit.ret.size(), 16u);
      for (size_t i = 0; i < pad_from; ++i) EXPECT_EQ(a.exit.ret[i], want[i]) << i;
    }
  }
  {
    Attached a("target_int128", (void*)&target_int128, false, 16);
    const __int128 x = (static_cast<__int128>(0x1122334455667788) << 64) | 0x99aabbccddeeff00ull;
    EXPECT_TRUE(call_int128(a.as<__int128(__int128, long)>()) == x * 3 + 5);
    expect_ctx(a.entry, Image().add(x).add(5L), (void*)&target_int128);
    expect_ret(a.exit, x * 3 + 5);
  }
}

// 20 arguments, integers and doubles interleaved: both register files run
// out and the rest goes to the stack.
TEST_P(Roundtrip, TwentyMixedArguments) {
  using F = long(long, double, long, double, long, double, long, double, long, double, long, double,
                 long, double, long, double, long, double, long, double);
  Attached a("target_many", (void*)&target_many);
  EXPECT_EQ(call_many(a.as<F>()), 105);
  EXPECT_EQ(target_result, 105);
  Image img;
  for (int i = 1; i <= 10; ++i) img.add(long{i}).add(i - 0.5);
  expect_ctx(a.entry, img, (void*)&target_many);
}

TEST_P(Roundtrip, VoidFunction) {
  Attached a("target_void", (void*)&target_void);
  call_void(a.as<void(long)>());
  EXPECT_EQ(target_result, 77);
  expect_ctx(a.entry, Image().add(77L), (void*)&target_void);
  expect_ret(a.exit, uint64_t{0});
}

INSTANTIATE_TEST_SUITE_P(Modes, Roundtrip,
                         ::testing::Combine(::testing::Values(Mode::replace, Mode::entry_patch,
                                                              Mode::entry_patch_fentry_only),
                                            ::testing::Bool()),
                         [](const auto& info) {
                           return std::string(mode_name(std::get<0>(info.param))) +
                                  (std::get<1>(info.param) ? "_Nothrow" : "_MayThrow");
                         });

// A program re-entered on the same thread is skipped and counted.
uint64_t reentering_prog(const uint64_t*, void* cookie) {
  auto* t = static_cast<Trampoline*>(cookie);
  call_void(t->as<void(long)>());  // runs the trampoline again, inside the program
  return 0;
}

uint64_t reentering_prog_nothrow(const uint64_t* ctx, void* cookie) noexcept {
  return reentering_prog(ctx, cookie);
}

void expect_one_run_one_miss(Program::Fn f, Program::NothrowFn nothrow_f) {
  for (bool nothrow : {false, true}) {
    SCOPED_TRACE(nothrow ? "noexcept program" : "program that may throw");
    Trampoline t;
    g_nothrow = nothrow;
    Program p = flavoured(f, nothrow_f, &t, ProgKind::fentry);
    ProgramSet progs;
    progs.fentry = {&p};
    t = Trampoline::create(targets_btf().model("target_void"), (void*)&target_void, progs);
    const long calls = target_calls;
    call_void(t.as<void(long)>());
    EXPECT_EQ(p.runs.load(), 1u);
    EXPECT_EQ(p.misses.load(), 1u);
    EXPECT_EQ(target_calls, calls + 2) << "both calls reached the original";
    call_void(t.as<void(long)>());
    EXPECT_EQ(p.runs.load(), 2u) << "the guard was cleared after the run";
    EXPECT_EQ(p.misses.load(), 2u) << "the second run re-entered too";
  }
}

TEST(RoundtripReplace, RecursionGuardCountsMisses) {
  expect_one_run_one_miss(reentering_prog, reentering_prog_nothrow);
}

// A thread's first run has no run block yet: the trampoline's inline path
// (noexcept programs on x86-64) hands it to the runner, which claims one;
// later runs take the inline path. Every run is counted, per thread.
TEST(RoundtripReplace, FirstRunsOnNewThreadsAreCounted) {
  for (bool nothrow : {false, true}) {
    SCOPED_TRACE(nothrow ? "noexcept program" : "program that may throw");
    g_nothrow = nothrow;
    Seen seen;
    Program p = flavoured(fentry_prog, fentry_prog_nothrow, &seen, ProgKind::fentry);
    ProgramSet progs;
    progs.fentry = {&p};
    const Trampoline t =
        Trampoline::create(targets_btf().model("target_void"), (void*)&target_void, progs);
    for (int round = 0; round < 3; ++round) {
      std::thread th([&] {
        for (int i = 0; i < 5; ++i) call_void(t.as<void(long)>());
      });
      th.join();
    }
    EXPECT_EQ(p.runs.load(), 15u);
    EXPECT_EQ(seen.runs, 15);
    EXPECT_EQ(p.misses.load(), 0u);
  }
}

}  // namespace
}  // namespace xtramp

namespace xtramp {
namespace {

// The same RFC call through a trampoline built with the `linux` policy (the
// upstream JITs' placement): x86-64 and arm64 read f from the slot right after
// e, so ctx shows f's low half where its high half should be; s390x passes
// every 16-byte struct by reference under both and gets it right.
TEST(RoundtripReplace, LinuxPolicyReproducesTheRfcBug) {
  Seen seen;
  Program p{fentry_prog, &seen, ProgKind::fentry};
  ProgramSet progs;
  progs.fentry = {&p};
  Trampoline t =
      Trampoline::create(targets_btf().model("bpf_testmod_test_struct_arg_11"),
                         (void*)&bpf_testmod_test_struct_arg_11, progs, Policy::linux_jit);
  call_struct_arg_11(t.as<int(rfc_i128, rfc_i128, rfc_i128, rfc_i128, short, rfc_i128)>());
  ASSERT_EQ(seen.nargs, 11u);
  Image f_ok;
  f_ok.add(rfc_i128{43});
  const std::vector<uint8_t> f(seen.bytes.begin() + 9 * 8, seen.bytes.end());
  if (host_arch() == Arch::s390x)
    EXPECT_EQ(f_ok.mismatch(f), "");
  else
    EXPECT_NE(f_ok.mismatch(f), "")
        << "the linux policy must misread f on " << arch_name(host_arch());
}

}  // namespace
}  // namespace xtramp
