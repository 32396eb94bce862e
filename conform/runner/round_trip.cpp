#include "conform/runner/round_trip.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>

#include "common/abi/ctx_slots.hpp"
#include "common/backend.hpp"
#include "common/error.hpp"
#include "common/tramp/program.hpp"
#include "conform/runner/hidden_property.hpp"
#include "conform/runner/value_image.hpp"
#include "runtime/trampoline.hpp"

namespace xtramp::conform {

const char* status_name(Status s) {
  switch (s) {
    case Status::pass:
      return "pass";
    case Status::fail:
      return "fail";
    case Status::unsupported:
      return "unsupported";
    case Status::finding:
      return "finding";
  }
  return "?";
}

namespace {

// What an fmod_ret program returns: every byte distinct and non-zero, so a
// truncation or a byte-order slip shows.
constexpr uint64_t kFmodResult = 0x8a7b6c5d4e3f2a1bull;

// What a program saw.
struct Seen {
  int runs = 0;
  uint64_t nargs = 0, ip = 0;
  size_t ret_slots = 1;
  std::vector<uint8_t> ctx;  // ctx[0 .. nargs + ret_slots) as bytes
  uint64_t result = 0;       // returned (matters for fmod_ret)
};

uint64_t record(const uint64_t* ctx, void* cookie) {
  auto* s = static_cast<Seen*>(cookie);
  ++s->runs;
  s->nargs = func_arg_cnt(ctx);
  s->ip = func_ip(ctx);
  const auto* p = reinterpret_cast<const uint8_t*>(ctx);
  s->ctx.assign(p, p + 8 * (s->nargs + s->ret_slots));
  return s->result;
}

std::string hex(uint8_t b) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02x", b);
  return buf;
}

// Bytes after each buffer the case library writes, which it must leave alone.
constexpr size_t kGuard = 64;
constexpr uint8_t kGuardByte = 0xa5;

bool guard_intact(const std::vector<uint8_t>& v, size_t used) {
  return std::all_of(v.begin() + static_cast<std::ptrdiff_t>(used), v.end(),
                     [](uint8_t b) { return b == kGuardByte; });
}

// "[4] 11 12 13 14" (at most 64 bytes shown).
std::string hex_bytes(const uint8_t* p, size_t n) {
  std::string s = "[" + std::to_string(n) + "]";
  char buf[4];
  for (size_t k = 0; k < n && k < 64; ++k) {
    std::snprintf(buf, sizeof buf, " %02x", p[k]);
    s += buf;
  }
  return n > 64 ? s + " ..." : s;
}

// A copy of a value's bytes at 64-byte alignment: the caller loads the
// argument by its type, and some are over-aligned.
class AlignedCopy {
 public:
  explicit AlignedCopy(const std::vector<uint8_t>& bytes)
      : raw_(new uint8_t[bytes.size() + 64]()),
        p_(raw_.get() + (64 - reinterpret_cast<uintptr_t>(raw_.get()) % 64) % 64) {
    std::copy(bytes.begin(), bytes.end(), p_);
  }
  uint8_t* data() const { return p_; }

 private:
  std::unique_ptr<uint8_t[]> raw_;
  uint8_t* p_;
};

class RoundTrip {
 public:
  RoundTrip(const FuncModel& m, Policy p, const CaseEntry& c, const CaseGlobals& g)
      : m_(m), policy_(p), c_(c), g_(g), arch_(m.target), be_(backend(m.target)) {}

  Outcome run() {
    if (std::optional<Outcome> o = prepare()) return *o;
    try {
      L_ = be_.place(m_, policy_);
    } catch (const Error& e) {
      return unsupported(e.what());
    }
    if (std::string why = fentry_fexit(); !why.empty()) return fail(why);
    return fmod_ret();
  }

  // The caller straight to the callee: a finding when they disagree.
  std::optional<Outcome> baseline() {
    if (std::optional<Outcome> o = prepare()) return o;
    if (std::string why = direct_call(); !why.empty()) return Outcome{Status::finding, why};
    return std::nullopt;
  }

 private:
  // The values; an outcome when the case cannot run.
  std::optional<Outcome> prepare() {
    const size_t n = m_.args.size();
    if (n != c_.nargs)
      return fail("the BTF gives " + std::to_string(n) + " arguments, the case library " +
                  std::to_string(c_.nargs));
    if (n > kMaxCaseArgs) return unsupported(std::to_string(n) + " arguments (at most 64)");
    in_.clear();
    for (size_t i = 0; i < n; ++i) in_.push_back(make_image(m_.args[i].t(), arch_, i));
    has_ret_ = m_.ret.t().kind != ValueKind::void_;
    if (has_ret_) ret_ = make_image(m_.ret.t(), arch_, static_cast<uint32_t>(n));
    ret_slots_ = std::max<size_t>(1, (m_.ret.t().size + 7) / 8);
    return std::nullopt;
  }

  static Outcome fail(std::string d) { return {Status::fail, std::move(d)}; }
  static Outcome unsupported(std::string d) { return {Status::unsupported, std::move(d)}; }

  std::string arg_name(size_t i) const {
    const ValueModel& v = m_.args[i];
    // (casegen names parameters xt_a<i>; only a user-given name says more)
    const bool named = !v.name.empty() && v.name.rfind("xt_a", 0) != 0;
    return "argument " + std::to_string(i) + (named ? " (" + v.name + ")" : "") + " " +
           v.t().c_type + " [" + std::to_string(v.t().size) +
           " bytes, layout: " + describe_location(be_, L_.args[i]) + "]";
  }
  std::string ret_name() const {
    return "the return value " + m_.ret.t().c_type + " [" + std::to_string(m_.ret.t().size) +
           " bytes, layout: " + describe_return(be_, L_.ret) + "]";
  }

  // Calls the case's caller with `target` as the function (a trampoline, or
  // the callee itself) with fresh argument copies; returns the callee's call
  // count.
  unsigned long call(const void* target) {
    std::vector<AlignedCopy> copies;
    std::vector<void*> argv;
    received_.assign(in_.size(), {});
    for (size_t i = 0; i < in_.size(); ++i) {
      copies.emplace_back(in_[i].bytes);
      argv.push_back(copies.back().data());
      received_[i].assign(in_[i].bytes.size() + kGuard, kGuardByte);
      std::fill_n(received_[i].begin(), in_[i].bytes.size(), 0);
      g_.args[i] = received_[i].data();
    }
    callee_ret_ = ret_.bytes;
    *g_.ret = callee_ret_.data();
    caller_got_.assign(m_.ret.t().size + kGuard, kGuardByte);
    std::fill_n(caller_got_.begin(), m_.ret.t().size, 0);
    *g_.calls = 0;
    c_.call(const_cast<void*>(target), argv.data(), caller_got_.data());
    return *g_.calls;
  }

  // The direct call's first disagreement, with both values' bytes.
  std::string direct_call() {
    const unsigned long calls = call(c_.fn);
    if (calls != 1) return "the callee ran " + std::to_string(calls) + " times, expected once";
    for (size_t i = 0; i < in_.size(); ++i)
      if (!guard_intact(received_[i], in_[i].bytes.size()))
        return "argument " + std::to_string(i) + " " + m_.args[i].t().c_type +
               ": the callee wrote past its " + std::to_string(in_[i].bytes.size()) +
               " bytes (its compiler lays the type out bigger)";
    if (!guard_intact(caller_got_, m_.ret.t().size))
      return "the return value " + m_.ret.t().c_type + ": the caller wrote past its " +
             std::to_string(m_.ret.t().size) + " bytes (its compiler lays the type out bigger)";
    for (size_t i = 0; i < in_.size(); ++i)
      if (first_difference(received_[i].data(), in_[i].bytes.data(), in_[i].mask) >= 0)
        return "argument " + std::to_string(i) + " " + m_.args[i].t().c_type +
               ": the caller passed " + hex_bytes(in_[i].bytes.data(), in_[i].bytes.size()) +
               ", the callee received " + hex_bytes(received_[i].data(), in_[i].bytes.size());
    if (has_ret_ && first_difference(caller_got_.data(), ret_.bytes.data(), ret_.mask) >= 0)
      return "the return value " + m_.ret.t().c_type + ": the callee returned " +
             hex_bytes(ret_.bytes.data(), ret_.bytes.size()) + ", the caller got " +
             hex_bytes(caller_got_.data(), ret_.bytes.size());
    return "";
  }

  // A ctx as a program saw it, against the caller's values.
  std::string check_ctx(const char* who, const Seen& s, bool with_ret) const {
    const std::string w = who;
    if (s.runs != 1) return w + " ran " + std::to_string(s.runs) + " times, expected once";
    if (s.nargs != L_.ctx_slots)
      return w + ": ctx[-1] = " + std::to_string(s.nargs) + ", the layout has " +
             std::to_string(L_.ctx_slots) + " argument slots";
    if (s.ip != reinterpret_cast<uint64_t>(c_.fn)) return w + ": ctx[-2] is not the function";
    for (size_t i = 0; i < in_.size(); ++i) {
      const ArgLayout& a = L_.args[i];
      const std::string d = slots_differ(s.ctx.data() + 8 * a.ctx_slot, a.ctx_slots, in_[i],
                                         ctx_value_offset(m_.args[i].t()));
      if (!d.empty()) return w + " ctx, " + arg_name(i) + ": " + d;
    }
    if (with_ret && has_ret_) {
      const std::string d = slots_differ(s.ctx.data() + 8 * L_.ctx_slots, ret_slots_, ret_,
                                         ctx_value_offset(m_.ret.t()));
      if (!d.empty()) return w + " ctx, " + ret_name() + ": " + d;
    }
    return "";
  }

  uint32_t ctx_value_offset(const TypeFacts& t) const { return abi::ctx_value_offset(t, arch_); }

  // `slots` ctx slots must hold `v` at byte `at` and zeros around it.
  static std::string slots_differ(const uint8_t* got, size_t slots, const ValueImage& v,
                                  uint32_t at) {
    std::vector<uint8_t> want(8 * slots, 0), mask(8 * slots, 0xff);
    for (size_t k = 0; k < v.bytes.size() && at + k < want.size(); ++k) {
      want[at + k] = v.bytes[k];
      mask[at + k] = v.mask[k];
    }
    const long k = first_difference(got, want.data(), mask);
    if (k < 0) return "";
    const long vk = k - static_cast<long>(at);
    const bool in_value = vk >= 0 && vk < static_cast<long>(v.bytes.size());
    return "slot " + std::to_string(k / 8) + " byte " + std::to_string(k % 8) + " is " +
           hex(got[k]) + ", expected " + hex(want[k]) +
           (in_value ? " (the caller's byte " + std::to_string(vk) + ")" : " (zero fill)");
  }

  static std::string bytes_differ(const uint8_t* got, const ValueImage& v) {
    const long k = first_difference(got, v.bytes.data(), v.mask);
    if (k < 0) return "";
    return "byte " + std::to_string(k) + " is " + hex(got[k]) + ", expected " + hex(v.bytes[k]);
  }

  std::string fentry_fexit() {
    Seen entry, exit;
    entry.ret_slots = exit.ret_slots = ret_slots_;
    Program pe{record, &entry, ProgKind::fentry}, px{record, &exit, ProgKind::fexit};
    ProgramSet progs;
    progs.fentry = {&pe};
    progs.fexit = {&px};
    Trampoline t;
    try {
      t = Trampoline::create(m_, c_.fn, progs, policy_);
    } catch (const Error& e) {
      return std::string("building the fentry+fexit trampoline failed: ") + e.what();
    }
    const unsigned long calls = call(t.entry());
    if (std::string d = check_ctx("fentry", entry, false); !d.empty()) return d;
    if (calls != 1) return "the callee ran " + std::to_string(calls) + " times, expected once";
    for (size_t i = 0; i < in_.size(); ++i)
      if (std::string d = bytes_differ(received_[i].data(), in_[i]); !d.empty())
        return "the callee received " + arg_name(i) + ": " + d;
    if (has_ret_)
      if (std::string d = bytes_differ(caller_got_.data(), ret_); !d.empty())
        return "the caller got " + ret_name() + ": " + d;
    return check_ctx("fexit", exit, true);
  }

  Outcome fmod_ret() {
    Seen seen;
    seen.ret_slots = ret_slots_;
    seen.result = kFmodResult;
    Program pm{record, &seen, ProgKind::fmod_ret};
    ProgramSet progs;
    progs.fmod_ret = {&pm};
    Trampoline t;
    try {
      t = Trampoline::create(m_, c_.fn, progs, policy_);
    } catch (const Error& e) {
      // A return type a 64-bit result cannot replace (a struct in memory or
      // in two registers): fmod_ret does not apply, as in the kernel.
      if (e.code() == Errc::unsupported) return {Status::pass, ""};
      return fail(std::string("building the fmod_ret trampoline failed: ") + e.what());
    }
    const unsigned long calls = call(t.entry());
    if (std::string d = check_ctx("fmod_ret", seen, false); !d.empty()) return fail(d);
    if (calls != 0)
      return fail("fmod_ret returned non-zero, yet the callee ran " + std::to_string(calls) +
                  " times");
    if (has_ret_) {
      const ValueImage want = number_image(m_.ret.t(), arch_, kFmodResult);
      if (std::string d = bytes_differ(caller_got_.data(), want); !d.empty())
        return fail("fmod_ret's result as " + ret_name() + ": " + d);
    }
    return {Status::pass, ""};
  }

  const FuncModel& m_;
  Policy policy_;
  const CaseEntry& c_;
  const CaseGlobals& g_;
  Arch arch_;
  const Backend& be_;
  CallLayout L_;
  std::vector<ValueImage> in_;
  ValueImage ret_;
  bool has_ret_ = false;
  size_t ret_slots_ = 1;
  std::vector<std::vector<uint8_t>> received_;
  std::vector<uint8_t> callee_ret_, caller_got_;
};

}  // namespace

std::optional<Outcome> direct_call(const FuncModel& m, const CaseEntry& c, const CaseGlobals& g) {
  return RoundTrip(m, Policy::psabi, c, g).baseline();
}

Outcome round_trip_once(const FuncModel& m, Policy policy, const CaseEntry& c,
                        const CaseGlobals& g) {
  return RoundTrip(m, policy, c, g).run();
}

Outcome round_trip(const FuncModel& m, Policy policy, const CaseEntry& c, const CaseGlobals& g) {
  Outcome o = round_trip_once(m, policy, c, g);
  if (o.status == Status::fail && policy == Policy::psabi) return diagnose_failure(m, c, g, o);
  return o;
}

}  // namespace xtramp::conform
