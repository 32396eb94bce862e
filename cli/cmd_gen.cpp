// `xtramp gen`: generate one trampoline for any architecture, on any host,
// without running it: its size, frame and, with --disasm, the listing.
#include <string>
#include <vector>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/arch_btf.hpp"
#include "cli/btf_source.hpp"
#include "cli/command.hpp"
#include "cli/exit_codes.hpp"
#include "cli/json_text.hpp"
#include "common/disasm/disasm.hpp"
#include "common/error.hpp"
#include "common/tramp/emitter.hpp"
#include "runtime/rcu.hpp"
#include "runtime/trampoline.hpp"

namespace xtramp::cli {
namespace {

constexpr const char* kGenHelp =
    "Builds the replace-mode trampoline for FUNC on --arch (any architecture, on any host) with\n"
    "N placeholder programs of each kind, and prints its size and frame; --disasm adds the\n"
    "capstone listing. Nothing is executed. The traced function's address in the code is the\n"
    "placeholder 0x100000; the program addresses are those of placeholder programs.\n\n"
    "--mode entry-patch shows what an Attachment installs for an entry patch: the trampoline,\n"
    "which leaves the caller's RCU read-side section through the exit stub (placeholder\n"
    "0x300000) or, with fentry programs only, through the entry stub's passthrough into the\n"
    "body; and, for the host's own arch, the entry stub the patched entry reaches (placeholder\n"
    "0x200000; its target word 0x280000) and the exit stub, both never freed\n"
    "(docs/trampolines.md). Another arch's stubs hold the host's TLS facts, so they are only\n"
    "shown for the host.\n\n";

constexpr uint64_t kFuncAddr = 0x100000;
constexpr uint64_t kStubAddr = 0x200000, kTargetWord = 0x280000, kExitStubAddr = 0x300000;

uint64_t never_run(const uint64_t*, void*) {
  return 0;
}
uint64_t never_run_nothrow(const uint64_t*, void*) noexcept {
  return 0;
}

class GenCommand final : public Command {
 public:
  void configure(CLI::App& sub) override {
    sub.footer(std::string(kGenHelp) + kExitCodesHelp);
    source_.add_options(sub);
    sub.add_option("--arch", arch_, "Architecture: " + arch_list("or") + " (default: the host's)")
        ->option_text("ARCH");
    policy_.add_option(sub, "psabi");
    sub.add_option("--fentry", fentry_, "Number of fentry programs (default 1)")
        ->check(CLI::Range(0, 64));
    sub.add_option("--fexit", fexit_, "Number of fexit programs (default 0)")
        ->check(CLI::Range(0, 64));
    sub.add_option("--fmod-ret", fmod_ret_, "Number of fmod_ret programs (default 0)")
        ->check(CLI::Range(0, 64));
    sub.add_option("--fsession", fsession_,
                   "Number of fsession programs (default 0): each runs at the entry, after the "
                   "fentry programs, and at the exit, after the fexit programs, with its own "
                   "session cookie below ctx[-2]")
        ->check(CLI::Range(0, 32));
    sub.add_option("--mode", mode_,
                   "replace (called like the function; default) or entry-patch (called from "
                   "the function's patched entry)")
        ->option_text("MODE");
    sub.add_flag("--nothrow", nothrow_,
                 "The programs are noexcept: for code of the host's own arch, the recursion "
                 "guard, call and run count are generated inline (the code then holds this "
                 "process's TLS offset); otherwise every program goes through the runner");
    sub.add_flag("--disasm", disasm_, "Print the disassembly (capstone)");
    sub.add_flag("--json", json_,
                 "JSON: {function, arch, policy, code_size, frame_size, steps, code (hex), "
                 "disasm[]}");
    sub.add_option("FUNC", function_, "Function name")->required();
  }

  int run() override {
    Arch arch = host_arch();
    if (!arch_.empty()) {
      auto a = parse_arch(arch_);
      if (!a)
        throw Error(Errc::bad_request,
                    "unknown architecture '" + arch_ + "' (expected " + arch_list("or") + ")");
      arch = *a;
    }
    const std::vector<Policy> policies = policy_.policies();
    if (policies.size() != 1)
      throw Error(Errc::bad_request, "gen: choose one policy (psabi or linux)");
    AttachMode mode = AttachMode::replace;
    if (mode_ == "entry-patch" || mode_ == "entry_patch")
      mode = AttachMode::entry_patch;
    else if (mode_ != "replace")
      throw Error(Errc::bad_request,
                  "unknown mode '" + mode_ + "' (expected replace or entry-patch)");
    ArchBtf files(source_);
    const btf::BtfFile& file = files.for_arch(arch);
    const FuncModel m = file.model_by_id(file.find_function(function_));

    // Placeholder programs: their addresses appear in the code, nothing runs.
    std::vector<std::unique_ptr<Program>> owned;
    ProgramSet progs;
    auto add = [&](std::vector<Program*>& list, int n, ProgKind k) {
      for (int i = 0; i < n; ++i) {
        owned.push_back(nothrow_ ? std::make_unique<Program>(never_run_nothrow, nullptr, k)
                                 : std::make_unique<Program>(never_run, nullptr, k));
        list.push_back(owned.back().get());
      }
    };
    add(progs.fentry, fentry_, ProgKind::fentry);
    add(progs.fexit, fexit_, ProgKind::fexit);
    add(progs.fmod_ret, fmod_ret_, ProgKind::fmod_ret);
    add(progs.fentry, fsession_, ProgKind::fsession);  // the entry halves ...
    for (size_t i = owned.size() - static_cast<size_t>(fsession_); i < owned.size(); ++i)
      progs.fexit.push_back(owned[i].get());  // ... and the exit halves

    GeneratedCode g;
    Emitter::StubCode entry_stub;
    std::vector<uint8_t> exit_stub;
    try {
      const uint64_t orig =
          mode == AttachMode::replace ? kFuncAddr : kFuncAddr + backend(arch).patch_site_size();
      uint64_t exit_addr = 0;
      if (mode == AttachMode::entry_patch) {
        // As Attachment::publish: the stubs exist for the host arch only.
        if (arch == host_arch()) {
          Emitter::StubSpec spec;
          spec.mode = mode;
          spec.target_ptr = kTargetWord;
          spec.resume = orig;
          spec.facts = rcu::stub_facts();
          entry_stub = backend(arch).emitter()->entry_stub(spec);
          exit_stub = backend(arch).emitter()->exit_stub(spec.facts);
        }
        exit_addr = progs.fexit.empty() && progs.fmod_ret.empty()
                        ? kStubAddr + entry_stub.passthrough
                        : kExitStubAddr;
      }
      g = generate(backend(arch), m, policies[0], progs, kFuncAddr, orig, mode, exit_addr);
    } catch (const Error& e) {
      if (e.code() != Errc::unsupported && e.code() != Errc::too_many_args) throw;
      std::fprintf(stderr, "xtramp: %s\n", e.what());
      return kExitRejected;
    }
    const std::vector<DisasmLine> lines =
        disasm_ || json_ ? disassemble(arch, g.code) : std::vector<DisasmLine>{};

    if (json_) {
      nlohmann::ordered_json j;
      j["function"] = m.name;
      j["arch"] = arch_name(arch);
      j["policy"] = policy_name(policies[0]);
      j["mode"] = attach_mode_name(mode);
      j["code_size"] = g.code.size();
      j["frame_size"] = g.plan.frame_size;
      j["ctx_offset"] = g.plan.ctx_off;
      j["arg_slots"] = g.plan.arg_slots;
      j["cookies"] = g.plan.cookies;
      j["steps"] = g.plan.steps.size();
      std::string hex;
      for (uint8_t b : g.code) hex += fmt::format("{:02x}", b);
      j["code"] = hex;
      nlohmann::ordered_json d = nlohmann::ordered_json::array();
      for (const DisasmLine& l : lines)
        d.push_back({{"offset", l.address}, {"mnemonic", l.mnemonic}, {"operands", l.operands}});
      j["disasm"] = std::move(d);
      auto stub_json = [&](const std::vector<uint8_t>& code) {
        nlohmann::ordered_json o;
        std::string h;
        for (uint8_t b : code) h += fmt::format("{:02x}", b);
        o["code_size"] = code.size();
        o["code"] = h;
        nlohmann::ordered_json dd = nlohmann::ordered_json::array();
        for (const DisasmLine& l : disassemble(arch, code))
          dd.push_back({{"offset", l.address}, {"mnemonic", l.mnemonic}, {"operands", l.operands}});
        o["disasm"] = std::move(dd);
        return o;
      };
      if (!entry_stub.code.empty()) {
        j["entry_stub"] = stub_json(entry_stub.code);
        j["entry_stub"]["passthrough_offset"] = entry_stub.passthrough;
        j["exit_stub"] = stub_json(exit_stub);
      }
      write_stdout(json_text(j));
      return kExitOk;
    }
    std::string out = fmt::format(
        "{}  {}  {}  {}: {} bytes of code, frame {} bytes (ctx at sp+{}, {} argument slots), "
        "{} fentry, {} fexit, {} fmod_ret{}\n",
        m.name, arch_name(arch), policy_name(policies[0]), attach_mode_name(mode), g.code.size(),
        g.plan.frame_size, g.plan.ctx_off, g.plan.arg_slots, fentry_, fexit_, fmod_ret_,
        fsession_ > 0 ? fmt::format(", {} fsession ({} cookie slots below ctx[-2])", fsession_,
                                    g.plan.cookies)
                      : std::string());
    if (disasm_) out += format_disasm(lines);
    if (!entry_stub.code.empty()) {
      out += fmt::format(
          "entry stub (never freed; the patched entry reaches it): {} bytes, passthrough at "
          "+{}\n",
          entry_stub.code.size(), entry_stub.passthrough);
      if (disasm_) out += format_disasm(disassemble(arch, entry_stub.code));
      out += fmt::format("exit stub (never freed, one per process): {} bytes\n", exit_stub.size());
      if (disasm_) out += format_disasm(disassemble(arch, exit_stub));
    } else if (mode == AttachMode::entry_patch) {
      out += "(the entry and exit stubs are shown for the host's arch only)\n";
    }
    write_stdout(out);
    return kExitOk;
  }

 private:
  BtfSource source_;
  std::string arch_;
  std::string mode_ = "replace";
  PolicySelection policy_;
  int fentry_ = 1, fexit_ = 0, fmod_ret_ = 0, fsession_ = 0;
  bool disasm_ = false;
  bool nothrow_ = false;
  bool json_ = false;
  std::string function_;
};

}  // namespace

std::unique_ptr<Command> make_gen_command() {
  return std::make_unique<GenCommand>();
}

}  // namespace xtramp::cli
