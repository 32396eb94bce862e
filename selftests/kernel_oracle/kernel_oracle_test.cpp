// The running kernel as oracle for --kernel-compat (issue 2): load a minimal
// program that makes the kernel run btf_distill_func_proto() on a vmlinux
// function, read its verdict from the verifier log, and compare it with
// BtfFile::kernel_view() on the same BTF.
//
// Two routes reach the same kernel function (see oracle_log.hpp):
//   KernelOracle.FentryDistillMatchesKernel  BPF_TRACE_FENTRY, attach_btf_id
//   KernelOracle.KfuncDistillMatchesKernel   kfunc call from a socket filter
// Where a route cannot be used (no BTF, another architecture, bpf() refused
// before verification) its test reports SKIPPED with the reason, never PASSED.
//
// Selection: every function our kernel view rejects, plus a deterministic
// sample of accepted ones (every k-th in id order). XTRAMP_ORACLE_FUNCS=all or
// =N overrides the size (default: 3000 for fentry; all for kfunc, where 56k
// loads take ~2 s on an idle 2-core VM, ~12 s on a busy one).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "bpf_loader.hpp"
#include "btf/btf_file.hpp"
#include "common/error.hpp"
#include "oracle_log.hpp"

namespace xtramp::oracle {
namespace {

constexpr size_t kMinDetermined = 2000;
constexpr double kMaxUndeterminedShare = 0.05;
constexpr size_t kMaxListed = 40;

struct Selection {
  std::vector<uint32_t> ids;  // id order
  size_t ours_rejected = 0;
  size_t ours_accepted_total = 0;
};

// "all" -> SIZE_MAX, a number -> that number, unset -> fallback.
size_t requested_count(size_t fallback) {
  const char* v = std::getenv("XTRAMP_ORACLE_FUNCS");
  if (v == nullptr || *v == '\0') return fallback;
  if (std::string_view(v) == "all") return SIZE_MAX;
  return static_cast<size_t>(std::strtoull(v, nullptr, 10));
}

Selection select_functions(const std::vector<uint32_t>& ids, const std::vector<KernelView>& views,
                           size_t target) {
  Selection s;
  std::vector<size_t> accepted;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (views[i].accepted)
      accepted.push_back(i);
    else
      ++s.ours_rejected;
  }
  s.ours_accepted_total = accepted.size();
  size_t step = 1;
  if (target != SIZE_MAX && target > s.ours_rejected) {
    const size_t want = target - s.ours_rejected;
    step = std::max<size_t>(1, accepted.size() / std::max<size_t>(1, want));
  } else if (target != SIZE_MAX) {
    step = SIZE_MAX;  // only the rejected ones were asked for
  }
  std::vector<bool> take(ids.size(), false);
  for (size_t i = 0; i < ids.size(); ++i)
    if (!views[i].accepted) take[i] = true;
  if (step != SIZE_MAX)
    for (size_t j = 0; j < accepted.size(); j += step) take[accepted[j]] = true;
  for (size_t i = 0; i < ids.size(); ++i)
    if (take[i]) s.ids.push_back(ids[i]);
  return s;
}

// The kind of a distill line, for the summary ("arg type STRUCT", "varargs", ...).
std::string message_kind(const std::string& m) {
  static const std::regex re(
      R"(The function \S+ (?:(has [0-9]+ arguments\. Too many\.)|return type (\S+) is unsupported\.|(with variable args)|arg[0-9]+ type (\S+) is unsupported\.|(has malformed void argument)))");
  std::smatch sm;
  if (!std::regex_search(m, sm, re)) return "other";
  if (sm[1].matched) return "too many args";
  if (sm[2].matched) return "return " + sm[2].str();
  if (sm[3].matched) return "varargs";
  if (sm[4].matched) return "arg " + sm[4].str();
  return "malformed void arg";
}

bool is_union_arg_rejection(const std::string& m) {
  static const std::regex re(R"(The function \S+ arg[0-9]+ type UNION is unsupported\.)");
  return std::regex_match(m, re);
}

std::string join(const std::vector<std::string>& v, size_t max) {
  std::ostringstream os;
  for (size_t i = 0; i < v.size() && i < max; ++i) os << "\n  " << v[i];
  if (v.size() > max) os << "\n  ... and " << v.size() - max << " more";
  return os.str();
}

void run_oracle(Route route, size_t default_count) {
  const char* path = btf::kVmlinuxPath;
  // Before reading 56k prototypes: is there a kernel here that can judge them?
  if (const Availability env = check_environment(); !env.available) GTEST_SKIP() << env.reason;

  btf::OpenOptions opts;
  opts.path = path;
  btf::BtfFile file = btf::BtfFile::open(opts);
  const std::vector<uint32_t> ids = file.function_ids();
  std::vector<KernelView> views;
  views.reserve(ids.size());
  for (uint32_t id : ids) views.push_back(file.kernel_view(id));

  // Probe with a function the kernel surely distils (bpf_fentry_test1 exists
  // for exactly this kind of test), else with the first one we accept.
  uint32_t probe_id = 0;
  std::string probe_name;
  for (const char* candidate : {"bpf_fentry_test1", "vfs_read", "kfree"}) {
    try {
      const uint32_t id = file.find_function(candidate);
      const auto it = std::find(ids.begin(), ids.end(), id);
      if (it != ids.end() && views[static_cast<size_t>(it - ids.begin())].accepted) {
        probe_id = id;
        probe_name = candidate;
        break;
      }
    } catch (const Error&) {
    }
  }
  for (size_t i = 0; probe_id == 0 && i < ids.size(); ++i)
    if (views[i].accepted) probe_id = ids[i], probe_name = file.function_name(ids[i]);
  ASSERT_NE(probe_id, 0u) << "our kernel view accepts no vmlinux function at all";

  const Availability avail = probe_route(route, probe_id, probe_name);
  if (!avail.available) GTEST_SKIP() << avail.reason;
  std::cout << "[ oracle   ] " << avail.reason << "\n";

  const Selection sel = select_functions(ids, views, requested_count(default_count));
  std::map<uint32_t, size_t> index;
  for (size_t i = 0; i < ids.size(); ++i) index[ids[i]] = i;

  const int kver = kernel_version();
  const bool pre_union_kernel =
      kver != 0 && kver < 6018;  // unions allowed since v6.18 (ccb4f5d91ec4)

  size_t agree_accept = 0, agree_reject = 0;
  std::vector<std::string> mismatches, undetermined, version_diffs;
  std::map<std::string, size_t> undetermined_why, kernel_reject_kinds;
  size_t undetermined_ours_rejected = 0;
  const auto t0 = std::chrono::steady_clock::now();

  for (uint32_t id : sel.ids) {
    const KernelView& ours = views[index[id]];
    const std::string name = file.function_name(id);
    const LoadOutcome o = load_for_distill(route, id);
    const KernelVerdict k = classify(route, name, o.err, o.log);
    const std::string who = name + " (id " + std::to_string(id) + ")";
    const std::string ours_text = ours.accepted ? "accepted" : "\"" + ours.message + "\"";

    switch (k.verdict) {
      case Verdict::undetermined: {
        undetermined.push_back(who + ": " + k.message + "; ours: " + ours_text);
        std::string why = k.message;
        if (const size_t colon = why.find(": ");
            colon != std::string::npos && why.rfind("E", 0) == 0)
          why = why.substr(0, colon);  // group "EINVAL: <line>" by errno
        ++undetermined_why[why];
        if (!ours.accepted) ++undetermined_ours_rejected;
        break;
      }
      case Verdict::accepted:
        if (ours.accepted)
          ++agree_accept;
        else
          mismatches.push_back(who + ": ours \"" + ours.message + "\", kernel accepts (" +
                               k.message + ")");
        break;
      case Verdict::rejected:
        ++kernel_reject_kinds[message_kind(k.message)];
        if (!ours.accepted && ours.message == k.message)
          ++agree_reject;
        else if (ours.accepted && pre_union_kernel && is_union_arg_rejection(k.message))
          version_diffs.push_back(who + ": kernel " + std::to_string(kver / 1000) + "." +
                                  std::to_string(kver % 1000) + " says \"" + k.message + "\"");
        else
          mismatches.push_back(who + ": ours " + ours_text + ", kernel \"" + k.message + "\"");
        break;
    }
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  const size_t checked = sel.ids.size();
  const size_t determined = checked - undetermined.size();
  std::cout << "[ oracle   ] route " << route_name(route) << ": " << checked << " of " << ids.size()
            << " vmlinux functions loaded in " << secs << " s (all " << sel.ours_rejected
            << " our kernel view rejects + a sample of the " << sel.ours_accepted_total
            << " it accepts)\n"
            << "[ oracle   ] agree: " << agree_accept << " accepted, " << agree_reject
            << " rejected with the same message; mismatches: " << mismatches.size()
            << "; undetermined: " << undetermined.size() << " (" << undetermined_ours_rejected
            << " of them rejected by us)";
  if (!version_diffs.empty()) std::cout << "; pre-6.18 union differences: " << version_diffs.size();
  std::cout << "\n";
  for (const auto& [kind, n] : kernel_reject_kinds)
    std::cout << "[ oracle   ]   kernel rejected: " << n << " x " << kind << "\n";
  for (const auto& [why, n] : undetermined_why)
    std::cout << "[ oracle   ]   undetermined: " << n << " x " << why << "\n";
  if (undetermined_ours_rejected > 0) {
    std::vector<std::string> ours_rej;
    for (const std::string& u : undetermined)
      if (u.find("; ours: \"") != std::string::npos) ours_rej.push_back(u);
    std::cout << "[ oracle   ] undetermined functions our view rejects:"
              << join(ours_rej, kMaxListed) << "\n";
  }
  if (!version_diffs.empty())
    std::cout << "[ oracle   ] union arguments refused by this pre-6.18 kernel (allowed since "
                 "ccb4f5d91ec4):"
              << join(version_diffs, kMaxListed) << "\n";
  ::testing::Test::RecordProperty("checked", static_cast<int>(checked));
  ::testing::Test::RecordProperty("mismatches", static_cast<int>(mismatches.size()));
  ::testing::Test::RecordProperty("undetermined", static_cast<int>(undetermined.size()));

  EXPECT_TRUE(mismatches.empty()) << mismatches.size() << " functions where kernel_view() and the "
                                  << "kernel's btf_distill_func_proto() disagree:"
                                  << join(mismatches, kMaxListed);
  EXPECT_GE(determined, std::min(kMinDetermined, ids.size()))
      << "too few verdicts could be read from the kernel";
  EXPECT_LE(static_cast<double>(undetermined.size()),
            kMaxUndeterminedShare * static_cast<double>(checked))
      << "the kernel's verdict could not be read for too many functions:"
      << join(undetermined, kMaxListed);
}

TEST(KernelOracle, FentryDistillMatchesKernel) {
  run_oracle(Route::fentry, 3000);
}

TEST(KernelOracle, KfuncDistillMatchesKernel) {
  run_oracle(Route::kfunc, SIZE_MAX);
}

// ---------------------------------------------------------------------------
// The log reader, on verifier logs recorded from a 6.18 kernel (x86-64). These
// run everywhere and pin down how verdicts are told apart.

TEST(OracleLog, FindsEachDistillMessage) {
  const char* kLines[] = {
      "The function ZSTD_buildCTable has 16 arguments. Too many.",
      "The function HUF_readCTableHeader return type STRUCT is unsupported.",
      "The function SEQ_printf with variable args is unsupported.",
      "The function ZSTD_CCtx_setCParams arg1 type STRUCT is unsupported.",
      "The function __io_run_local_work has malformed void argument.",
      "The function f return type UNKNOWN is unsupported.",
      "The function f arg11 type FUNC_PROTO is unsupported.",
  };
  for (const char* line : kLines) {
    const std::string name = std::string(line).substr(13, std::string(line).find(' ', 13) - 13);
    const std::string log =
        std::string(line) +
        "\nprocessed 0 insns (limit 1000000) max_states_per_insn 0 total_states 0 "
        "peak_states 0 mark_read 0\n";
    EXPECT_EQ(find_distill_message(log, name), std::optional<std::string>(line)) << line;
    const KernelVerdict v = classify(Route::kfunc, name, EINVAL, log);
    EXPECT_EQ(v.verdict, Verdict::rejected) << line;
    EXPECT_EQ(v.message, line);
  }
  // Another function's line, or a different sentence, is not a verdict on `f`.
  EXPECT_FALSE(find_distill_message("The function g has 13 arguments. Too many.\n", "f"));
  EXPECT_FALSE(find_distill_message("The function f has 13 arguments.\n", "f"));
  EXPECT_FALSE(find_distill_message("The function f_x has malformed void argument.\n", "f"));
}

TEST(OracleLog, ReadsVerdictsFromRecordedLogs) {
  const std::string stats0 =
      "processed 0 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 "
      "mark_read 0\n";
  // kfunc route, distill passed, then check_kfunc_call refused the call.
  const std::string kfunc_ok =
      "0: R1=ctx() R10=fp0\n0: (85) call vfs_read#119961\ncalling kernel function vfs_read is not "
      "allowed\n"
      "processed 1 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 "
      "mark_read 0\n";
  EXPECT_EQ(processed_insns(kfunc_ok), 1);
  EXPECT_EQ(processed_insns(stats0), 0);
  EXPECT_EQ(processed_insns("nothing\n"), -1);
  EXPECT_EQ(classify(Route::kfunc, "vfs_read", EACCES, kfunc_ok).verdict, Verdict::accepted);

  // kfunc route: the kallsyms lookup comes before distillation.
  const std::string no_addr = "cannot find address for kernel function rtnl_fill_ifinfo\n" + stats0;
  const KernelVerdict u = classify(Route::kfunc, "rtnl_fill_ifinfo", EINVAL, no_addr);
  EXPECT_EQ(u.verdict, Verdict::undetermined);
  EXPECT_NE(u.message.find("kallsyms"), std::string::npos) << u.message;

  // fentry route: the address lookup comes after distillation.
  const std::string fentry_no_addr =
      "The address of function rtnl_fill_ifinfo cannot be found\n" + stats0;
  EXPECT_EQ(classify(Route::fentry, "rtnl_fill_ifinfo", ENOENT, fentry_no_addr).verdict,
            Verdict::accepted);
  EXPECT_EQ(
      classify(Route::fentry, "migrate_disable", EINVAL,
               "Attaching tracing programs to function 'migrate_disable' is rejected.\n" + stats0)
          .verdict,
      Verdict::accepted);
  // A loaded program passed everything.
  EXPECT_EQ(classify(Route::fentry, "vfs_read", 0, "processed 2 insns (limit 1000000)\n").verdict,
            Verdict::accepted);

  // Refused before the verifier ran (the LSM policy on the dev VM): unknown.
  const KernelVerdict eperm = classify(Route::fentry, "bpf_fentry_test1", EPERM, "");
  EXPECT_EQ(eperm.verdict, Verdict::undetermined);
  EXPECT_EQ(eperm.message, "EPERM with an empty verifier log");
  // Silent -EINVAL (btf_id_deny before 6.17) is not taken for a distill verdict.
  EXPECT_EQ(classify(Route::fentry, "migrate_disable", EINVAL, stats0).verdict,
            Verdict::undetermined);
  // A distill line with an errno distill never returns is suspicious, not a verdict.
  EXPECT_EQ(
      classify(Route::fentry, "f", ENOMEM, "The function f has malformed void argument.\n").verdict,
      Verdict::undetermined);
}

}  // namespace
}  // namespace xtramp::oracle
