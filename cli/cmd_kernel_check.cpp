// `xtramp kernel-check`: the `linux` placement policy against the real BPF
// trampolines of Debian's kernels (issue 13; conform/kernel/kernel_check.hpp).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/arch_btf.hpp"
#include "cli/command.hpp"
#include "cli/exit_codes.hpp"
#include "cli/json_text.hpp"
#include "cli/text_table.hpp"
#include "common/error.hpp"
#include "conform/host/workdir.hpp"
#include "conform/kernel/kernel_check.hpp"
#include "conform/kernel/kernel_corpus.hpp"

namespace xtramp::cli {
namespace {

constexpr const char* kFooter =
    "Each FILE.c holds C type definitions and function declarations, kernel C (no\n"
    "floating point). For every declared function, on every requested arch: a kernel\n"
    "module defines it with the exact prototype (it records the bytes it receives)\n"
    "and calls it with graffiti (each byte encodes the argument and byte index). The\n"
    "module is built in the Debian build root (ci/install-buildroot) against that\n"
    "arch's headers; the arch's cached Debian kernel (ci/install-vm) boots under\n"
    "qemu-system; a libbpf loader attaches real fentry, fexit and fmod_ret programs\n"
    "that copy every ctx slot (bpf_get_func_arg), the ip and the return value, and\n"
    "(Linux 7.0+) fsession programs among fentry / fexit ones: both halves judged as\n"
    "fentry and fexit are, plus bpf_session_is_return, the session cookie (zero at\n"
    "entry, shared with the exit half, its index below ctx), the order of every run,\n"
    "and whether an entry half returning 1 is refused or skips anything, against\n"
    "what xtramp's own trampolines do.\n"
    "\n"
    "Verdicts per function x arch x program: pass; misplaced (the first wrong ctx\n"
    "byte, its slot, the slots seen); refused (errno and the verifier's words);\n"
    "crashed (the step oopsed or hung the kernel: the guest boots again and the run\n"
    "goes on with the functions left); skipped (the kernel has no BPF JIT, so no\n"
    "trampolines: Debian's kernel of an arch without one); not_run (no output for it). A\n"
    "function vmlinux already has is left out (named on stderr). linux_prediction is what xtramp's "
    "`linux` model predicts from the\n"
    "module's own BTF (pass / misplaced / refused); agree says whether they match.\n"
    "\n"
    "--corpus checks xtramp's built-in corpus instead of FILEs: conform/corpus's\n"
    "selftests.h, rfc.h and odd_structs.h (functions with floating point are left out,\n"
    "named on stderr) and the seeded signatures of `xtramp matrix` (--seed, --count)\n"
    "that kernel C can declare (no floating type, at most 13 arguments): the first\n"
    "--count of them.\n"
    "\n"
    "Needs root (chroot into the build root). Exit codes:\n"
    "  0  every verdict agrees with the prediction (skipped ones aside)\n"
    "  1  some verdict disagrees (a finding: see its detail)\n"
    "  2  bad input: a file that does not compile, no build root, no kernel\n";

class KernelCheckCommand final : public Command {
 public:
  void configure(CLI::App& sub) override {
    sub.add_option("FILE", files_, "C files of type definitions and function declarations")
        ->check(CLI::ExistingFile);
    sub.add_flag("--corpus", corpus_, "the built-in corpus's kernel-compilable part");
    sub.add_option("--seed", seed_, "--corpus: seed of the generated signatures (default 1)");
    sub.add_option("--count", count_, "--corpus: generated kernel-C signatures (default 24)");
    sub.add_option("--oops-at", oops_at_,
                   "test crash recovery: FUNCTION's first traced call hits BUG() in the module")
        ->group("");
    sub.add_option("--arch", arch_, arch_list() + ", a comma list, or all (default all)");
    sub.add_option("--kernel", kernel_,
                   "newest (default) or a kernel release prefix, e.g. 6.12 (trixie's LTS "
                   "kernel); the linux model follows that kernel's rules");
    sub.add_option("--workdir", workdir_,
                   "keep the module, loader and BPF object here (inside the build root)");
    sub.add_option("--timeout", timeout_, "seconds for one boot (default 600)")
        ->check(CLI::Range(10, 7200));
    sub.add_flag("--console", console_, "stream the guests' consoles to stderr");
    sub.add_flag("--json", json_,
                 "JSON: an array of {function, arch, kernel, program, verdict, detail, "
                 "linux_prediction, prediction_detail, agree}");
    sub.footer(kFooter);
  }

  int run() override {
    conform::kernel::KernelCheckOptions o;
    o.files = files_;
    o.oops_at = oops_at_;
    if (corpus_ == !files_.empty())
      throw Error(Errc::bad_request, "kernel-check: give FILEs or --corpus (one of them)");
    std::unique_ptr<conform::Workdir> corpus_dir;
    if (corpus_) {
      const conform::kernel::KernelCorpus kc = conform::kernel::kernel_corpus(seed_, count_);
      corpus_dir = std::make_unique<conform::Workdir>("");
      for (const auto& f : kc.files) {
        const std::string path = corpus_dir->path() + "/" + f.name;
        std::ofstream out(path);
        out << f.c_source;
        if (!out) throw Error(Errc::io, "cannot write " + path);
        o.files.push_back(path);
      }
      std::fprintf(stderr,
                   "xtramp kernel-check: corpus: selftests.h, rfc.h, odd_structs.h and %u of %u "
                   "generated signatures (seed %llu; left out: %u with floating point, %u with "
                   "more than %u arguments)\n",
                   kc.kept, kc.generated, static_cast<unsigned long long>(seed_), kc.floating_point,
                   kc.too_many_args, conform::kernel::kMaxKernelCorpusArgs);
    }
    o.kernel = kernel_;
    o.workdir = workdir_;
    o.timeout_seconds = timeout_;
    o.arches = parse_arch_list(arch_, "kernel-check");
    o.progress = [](const std::string& s) {
      std::fprintf(stderr, "xtramp kernel-check: %s\n", s.c_str());
    };
    if (console_)
      o.console = [](const std::string& l) { std::fprintf(stderr, "  | %s\n", l.c_str()); };
    const auto t0 = std::chrono::steady_clock::now();
    const conform::kernel::KernelCheckReport rep = conform::kernel::run_kernel_check(o);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    for (const auto& [fn, why] : rep.not_built)
      std::fprintf(stderr, "xtramp kernel-check: %s: not built: %s\n", fn.c_str(), why.c_str());
    for (const conform::kernel::ArchRun& r : rep.runs)
      std::fprintf(stderr,
                   "xtramp kernel-check: %s: module built in %.1f s; guest %s in %.1f s (boot "
                   "%.1f s, %u boot%s)%s%s\n",
                   std::string(arch_name(r.arch)).c_str(), r.module_build_seconds,
                   r.outcome.c_str(), r.guest_seconds, r.boot_seconds, r.boots,
                   r.boots == 1 ? "" : "s", r.detail.empty() ? "" : ": ", r.detail.c_str());
    std::map<std::string, unsigned> counts;
    bool agree = true;
    for (const auto& v : rep.verdicts) {
      const bool skipped = v.verdict == "skipped";
      agree = agree && (v.agree || skipped);
      ++counts[skipped ? "skipped" : v.agree ? "agree" : "disagree"];
    }
    std::fprintf(
        stderr, "xtramp kernel-check: %zu verdicts: %u agree, %u disagree, %u skipped; %.1f s\n",
        rep.verdicts.size(), counts["agree"], counts["disagree"], counts["skipped"], seconds);
    if (json_) {
      nlohmann::ordered_json all = nlohmann::ordered_json::array();
      for (const auto& v : rep.verdicts)
        all.push_back({{"function", v.function},
                       {"arch", arch_name(v.arch)},
                       {"kernel", v.kernel},
                       {"program", v.program},
                       {"verdict", v.verdict},
                       {"detail", v.detail},
                       {"linux_prediction", v.linux_prediction},
                       {"prediction_detail", v.prediction_detail},
                       {"agree", v.verdict == "skipped" ? nlohmann::ordered_json()
                                                        : nlohmann::ordered_json(v.agree)}});
      for (const auto& [fn, why] : rep.not_built)
        all.push_back({{"function", fn}, {"verdict", "unsupported"}, {"detail", why}});
      write_stdout(json_text(all));
    } else {
      TextTable t({TextTable::Align::left, TextTable::Align::left, TextTable::Align::left,
                   TextTable::Align::left, TextTable::Align::left, TextTable::Align::left,
                   TextTable::Align::left});
      t.add_row({"function", "arch", "program", "verdict", "linux model", "agree", "detail"});
      for (const auto& v : rep.verdicts)
        t.add_row({v.function, std::string(arch_name(v.arch)), v.program, v.verdict,
                   v.linux_prediction,
                   v.verdict == "skipped" ? "-"
                   : v.agree              ? "yes"
                                          : "NO",
                   v.detail.empty() ? v.prediction_detail : v.detail});
      std::string out = t.render("");
      write_stdout(out);
    }
    return agree ? kExitOk : kExitRejected;
  }

 private:
  std::vector<std::string> files_;
  std::string arch_ = "all", kernel_ = "newest", workdir_, oops_at_;
  bool corpus_ = false;
  uint64_t seed_ = 1;
  uint32_t count_ = 24;
  unsigned timeout_ = 600;
  bool json_ = false, console_ = false;
};

}  // namespace

std::unique_ptr<Command> make_kernel_check_command() {
  return std::make_unique<KernelCheckCommand>();
}

}  // namespace xtramp::cli
