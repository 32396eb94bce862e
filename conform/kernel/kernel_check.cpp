#include "conform/kernel/kernel_check.hpp"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "btf/btf_file.hpp"
#include "common/abi/ctx_slots.hpp"
#include "common/audit/function_audit.hpp"
#include "common/backend.hpp"
#include "common/error.hpp"
#include "common/target.hpp"
#include "common/tramp/plan.hpp"
#include "conform/host/process.hpp"
#include "conform/host/workdir.hpp"
#include "conform/kernel/guest_sources.hpp"
#include "conform/kernel/modgen.hpp"
#include "conform/runner/value_image.hpp"
#include "conform/vm/guest_arch.hpp"
#include "conform/vm/guest_run.hpp"
#include "conform/vm/kernel_cache.hpp"

namespace xtramp::conform::kernel {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr const char* kPrograms[] = {"fentry", "fexit", "fmod_ret", "fsession"};
constexpr unsigned kLoaderSlots = 16;  // XTKC_SLOTS in guest/xtkc.bpf.c

double since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  if (!out) throw Error(Errc::io, "cannot write " + path);
}

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::string(v) : fallback;
}

void run_or_throw(const std::vector<std::string>& argv, const std::string& what) {
  const ProcessResult r = run_process(argv);
  if (!r.ok()) throw Error(Errc::io, what + " failed: " + failure_text(r, argv));
}

// The raw bytes of ELF section `name` of `path` ("" if it has none).
std::string elf_section(const std::string& path, const std::string& name) {
  elf_version(EV_CURRENT);
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(Errc::io, "cannot open " + path);
  Elf* e = elf_begin(fd, ELF_C_READ, nullptr);
  std::string out;
  size_t shstrndx = 0;
  if (e != nullptr && elf_getshdrstrndx(e, &shstrndx) == 0) {
    for (Elf_Scn* s = elf_nextscn(e, nullptr); s != nullptr; s = elf_nextscn(e, s)) {
      GElf_Shdr sh;
      if (gelf_getshdr(s, &sh) == nullptr) continue;
      const char* n = elf_strptr(e, shstrndx, sh.sh_name);
      if (n == nullptr || name != n) continue;
      Elf_Data* d = elf_rawdata(s, nullptr);
      if (d != nullptr && d->d_buf != nullptr)
        out.assign(static_cast<const char*>(d->d_buf), d->d_size);
      break;
    }
  }
  if (e != nullptr) elf_end(e);
  close(fd);
  return out;
}

std::vector<uint8_t> unhex(const std::string& h) {
  std::vector<uint8_t> b;
  for (size_t i = 0; i + 1 < h.size(); i += 2)
    b.push_back(static_cast<uint8_t>(std::stoul(h.substr(i, 2), nullptr, 16)));
  return b;
}

std::string hex(const uint8_t* p, size_t n) {
  std::string s;
  char buf[4];
  for (size_t i = 0; i < n; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", p[i]);
    s += buf;
  }
  return s;
}

std::string hex1(uint8_t b) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02x", b);
  return buf;
}

// A ctx slot as the guest printed it (a 64-bit number) in the guest's memory order.
std::array<uint8_t, 8> slot_bytes(const std::string& hex_number, Endian e) {
  const uint64_t v = std::stoull(hex_number, nullptr, 16);
  std::array<uint8_t, 8> b{};
  for (unsigned i = 0; i < 8; ++i) {
    const auto byte = static_cast<uint8_t>(v >> (8 * i));
    b[e == Endian::big ? 7 - i : i] = byte;
  }
  return b;
}

// The module's record: "fn=N addr=0x.. called=C in=HEX,HEX out=HEX".
struct ModuleRecord {
  bool ok = false;
  unsigned long called = 0;
  uint64_t addr = 0;
  std::vector<std::vector<uint8_t>> in;
  std::vector<uint8_t> out;
  std::vector<uint32_t> align;
};

ModuleRecord parse_record(const std::string& text) {
  ModuleRecord r;
  std::istringstream ss(text);
  for (std::string w; ss >> w;) {
    const size_t eq = w.find('=');
    if (eq == std::string::npos) continue;
    const std::string k = w.substr(0, eq), v = w.substr(eq + 1);
    if (k == "called") r.called = std::stoul(v);
    if (k == "addr") r.addr = std::stoull(v, nullptr, 16);
    if (k == "out") r.out = unhex(v);
    if (k == "align") {
      std::istringstream vs(v);
      for (std::string part; std::getline(vs, part, ',');)
        r.align.push_back(static_cast<uint32_t>(std::stoul(part)));
    }
    if (k == "in") {
      std::istringstream vs(v);
      for (std::string part; std::getline(vs, part, ',');) r.in.push_back(unhex(part));
    }
  }
  r.ok = text.find("fn=") != std::string::npos;
  return r;
}

// What the `linux` model predicts for a function: pass, misplaced or refused.
struct Prediction {
  std::string verdict;
  std::string detail;
  bool have_model = false;
  FuncModel model;
};

// `align`: each argument type's __alignof__ as the module's GCC saw it; it
// settles an alignment BTF leaves uncertain (a packed or aligned attribute).
Prediction predict(const btf::BtfFile& bf, Arch a, KernelRelease kernel, const std::string& name,
                   const std::vector<uint32_t>& align) {
  Prediction p;
  uint32_t id = 0;
  try {
    id = bf.find_function(name);
  } catch (const Error& e) {
    // pahole, encoding the module's BTF, may leave a function out (the build
    // warns "resolve_btfids: unresolved symbol"): without BTF the kernel
    // attaches nothing to it.
    p.verdict = "refused";
    p.detail = std::string(
                   "not in the module's BTF (pahole left it out), so no program can be "
                   "attached: ") +
               e.what();
    return p;
  }
  const Backend& b = backend(a);
  const KernelView kv = bf.kernel_view(id, kernel);
  try {
    p.model = bf.model_by_id(id);
    p.have_model = true;
    for (size_t i = 0; i < p.model.args.size() && i < align.size(); ++i) {
      const TypeFacts& t = p.model.args[i].t();
      if (t.align_certain || align[i] == 0) continue;
      if (align[i] != t.align)
        p.detail += "argument " + std::to_string(i) + " " + t.c_type + ": alignment " +
                    std::to_string(align[i]) + " (GCC's __alignof__ in the module; BTF gives " +
                    std::to_string(t.align) + "); ";
      auto known = std::make_shared<TypeFacts>(t);
      known->align = known->natural_align = align[i];
      known->align_certain = true;
      p.model.args[i].type = known;
    }
  } catch (const Error& e) {
    p.verdict = "refused";
    p.detail = e.what();
    return p;
  }
  const audit::ArchAudit au = audit::audit_function(b, p.model, kv, kernel);
  switch (au.linux_verdict) {
    case audit::LinuxVerdict::not_applicable:
      p.verdict = "refused";
      p.detail += "the kernel refuses it: " + kv.message;
      break;
    case audit::LinuxVerdict::refused:
      p.verdict = "refused";
      p.detail += "the JIT refuses it: " + au.linux_error;
      break;
    case audit::LinuxVerdict::same:
      p.verdict = "pass";
      break;
    case audit::LinuxVerdict::misplaced:
      p.verdict = "misplaced";
      if (au.linux_diff) p.detail += audit::describe(b, *au.linux_diff, "psabi", "linux");
      break;
  }
  return p;
}

// The verdict of one program run (one JSON line of the loader) against the
// graffiti the module's caller passed.
void judge(KernelVerdict& v, const nlohmann::json& j, const Prediction& p, Arch a) {
  const int load_err = j.value("load_err", 0), attach_err = j.value("attach_err", 0);
  if (load_err != 0 || attach_err != 0) {
    std::string msg = j.value("msg", "");
    while (!msg.empty() && msg.back() == '\n') msg.pop_back();
    // The last lines say why (libbpf's summary and the verifier's reason).
    std::vector<std::string> lines;
    std::istringstream ms(msg);
    for (std::string l; std::getline(ms, l);)
      if (!l.empty() && l.find("-- END PROG LOAD LOG --") == std::string::npos) lines.push_back(l);
    std::string tail;
    for (size_t i = lines.size() > 3 ? lines.size() - 3 : 0; i < lines.size(); ++i)
      tail += (tail.empty() ? "" : " | ") + lines[i];
    v.verdict = "refused";
    v.detail = std::string(load_err != 0 ? "load" : "attach") + ": errno " +
               std::to_string(load_err != 0 ? load_err : attach_err) + " (" +
               std::strerror(load_err != 0 ? load_err : attach_err) + "): " + tail;
    return;
  }
  if (!p.have_model) {
    v.verdict = "unknown";
    v.detail = "loaded, but xtramp has no model to compare with: " + p.detail;
    return;
  }
  const FuncModel& m = p.model;
  const Endian e = arch_endian(a);
  const ModuleRecord mod = parse_record(j.value("module", ""));
  const unsigned long runs = j.value("runs", 0ul);
  if (j.value("call_err", 0) != 0 || !mod.ok) {
    v.verdict = "crashed";
    v.detail =
        "the module's trigger failed (call_err " + std::to_string(j.value("call_err", 0)) + ")";
    return;
  }
  if (runs != 1) {
    v.verdict = "misplaced";
    v.detail = "the program ran " + std::to_string(runs) + " times for one call";
    return;
  }
  uint32_t slots = 0;
  for (const ValueModel& arg : m.args) slots += (arg.t().size + 7) / 8;
  const unsigned long nargs = j.value("nargs", 0ul);
  const std::vector<std::string> seen = j.value("slots", std::vector<std::string>{});
  std::string seen_text;
  for (unsigned long s = 0; s < nargs && s < seen.size(); ++s)
    seen_text += (s ? " " : "") + seen[s];
  if (nargs != slots) {
    v.verdict = "misplaced";
    v.detail = "bpf_get_func_arg_cnt is " + std::to_string(nargs) + ", the arguments take " +
               std::to_string(slots) + " slots; slots seen: " + seen_text;
    return;
  }
  if (mod.addr != std::stoull(j.value("ip", "0"), nullptr, 16)) {
    v.verdict = "misplaced";
    v.detail = "bpf_get_func_ip is " + j.value("ip", "") + ", the function is at " +
               std::to_string(mod.addr);
    return;
  }
  // Every argument's value bytes, in its slots at ctx_value_offset.
  for (size_t i = 0; i < m.args.size(); ++i) {
    const TypeFacts& t = m.args[i].t();
    const ValueImage want = make_image(t, a, static_cast<uint32_t>(i));
    const uint32_t first = [&] {
      uint32_t s = 0;
      for (size_t k = 0; k < i; ++k) s += (m.args[k].t().size + 7) / 8;
      return s;
    }();
    const uint32_t n = (t.size + 7) / 8;
    if (first + n > kLoaderSlots) {
      v.verdict = "unknown";
      v.detail = "argument " + std::to_string(i) + " is past the " + std::to_string(kLoaderSlots) +
                 " slots the programs copy";
      return;
    }
    std::vector<uint8_t> got;
    for (uint32_t s = 0; s < n; ++s) {
      const auto b = slot_bytes(seen.at(first + s), e);
      got.insert(got.end(), b.begin(), b.end());
    }
    const uint32_t at = abi::ctx_value_offset(t, a);
    for (uint32_t k = 0; k < t.size && at + k < got.size(); ++k) {
      if (((got[at + k] ^ want.bytes[k]) & want.mask[k]) == 0) continue;
      v.verdict = "misplaced";
      const uint32_t pos = at + k;
      v.detail = "ctx slot " + std::to_string(first + pos / 8) + " byte " +
                 std::to_string(pos % 8) + " is " + hex1(got[pos]) + ", expected " +
                 hex1(want.bytes[k]) + " (argument " + std::to_string(i) + " " + t.c_type +
                 " byte " + std::to_string(k) + "); slots seen: " + seen_text;
      return;
    }
    // The callee itself must have got the caller's bytes (the trampoline
    // passes the arguments on); fmod_ret skips it.
    if (v.program != "fmod_ret") {
      if (i >= mod.in.size() || mod.in[i].size() != t.size) {
        v.verdict = "misplaced";
        v.detail = "the callee recorded no argument " + std::to_string(i);
        return;
      }
      const long d = first_difference(mod.in[i].data(), want.bytes.data(), want.mask);
      if (d >= 0) {
        v.verdict = "misplaced";
        v.detail = "the callee received argument " + std::to_string(i) + " byte " +
                   std::to_string(d) + " as " + hex1(mod.in[i][static_cast<size_t>(d)]) +
                   ", the caller passed " + hex1(want.bytes[static_cast<size_t>(d)]);
        return;
      }
    }
  }
  const bool is_void = m.ret.t().kind == ValueKind::void_;
  const auto nret = static_cast<uint32_t>(m.args.size());
  if (v.program == "fexit" && !is_void) {
    const TypeFacts& t = m.ret.t();
    const ValueImage want = make_image(t, a, nret);
    const auto b = slot_bytes(j.value("ret", "0"), e);
    const uint32_t at = abi::ctx_value_offset(t, a);
    for (uint32_t k = 0; k < t.size && at + k < 8; ++k)
      if (((b[at + k] ^ want.bytes[k]) & want.mask[k]) != 0) {
        v.verdict = "misplaced";
        v.detail = "bpf_get_func_ret byte " + std::to_string(k) + " is " + hex1(b[at + k]) +
                   ", expected " + hex1(want.bytes[k]) + " (" + j.value("ret", "") + ")";
        return;
      }
  }
  // Whether the caller got what `who` returned; if not, the verdict says so.
  const auto returned = [&](const ValueImage& want, const char* who) {
    const long d = mod.out.size() == want.bytes.size()
                       ? first_difference(mod.out.data(), want.bytes.data(), want.mask)
                       : 0;
    if (d < 0) return true;
    v.verdict = "misplaced";
    v.detail = "the caller got " + hex(mod.out.data(), mod.out.size()) + ", " + who + " returned " +
               hex(want.bytes.data(), want.bytes.size());
    return false;
  };
  if (v.program == "fmod_ret") {
    if (mod.called != 0) {
      v.verdict = "misplaced";
      v.detail = "fmod_ret returned non-zero, but the function still ran";
      return;
    }
    if (!is_void && !returned(number_image(m.ret.t(), a, kModRet), "fmod_ret")) return;
  } else if (mod.called != 1) {
    v.verdict = "misplaced";
    v.detail = "the function ran " + std::to_string(mod.called) + " times";
    return;
  } else if (!is_void && !returned(make_image(m.ret.t(), a, nret), "the callee")) {
    return;
  }
  v.verdict = "pass";
}

// The fsession step (guest/xtkc.bpf.c): six programs attached in the order
// fentry A, fexit A, fsession 1, fentry B, fexit B, fsession 2, each run
// recorded under its key with a sequence number.
struct SessionProg {
  const char* name;
  ProgKind kind;
  unsigned entry_key, exit_key;  // map keys of its runs (exit: fsession only)
};
constexpr SessionProg kSessionProgs[] = {
    {"fentry_a", ProgKind::fentry, 7, 0},    {"fexit_a", ProgKind::fexit, 8, 0},
    {"fsession1", ProgKind::fsession, 3, 4}, {"fentry_b", ProgKind::fentry, 9, 0},
    {"fexit_b", ProgKind::fexit, 10, 0},     {"fsession2", ProgKind::fsession, 5, 6}};
constexpr uint64_t kCookie = 0xc0c1c2c3c4c5c6c0ull;  // XTKC_COOKIE ^ the entry key

uint64_t never_runs(const uint64_t*, void*) {
  return 0;
}

// What xtramp predicts for that attach order: the runs in order (name and
// key), and each fsession program's cookie index, from the trampoline's own
// rules (ProgramSet::add, session_cookie_index).
struct SessionPrediction {
  std::vector<std::pair<std::string, unsigned>> order;
  std::map<unsigned, uint32_t> cookie_index;  // by entry and exit key
};
SessionPrediction predict_session() {
  std::vector<std::unique_ptr<Program>> progs;
  ProgramSet set;
  for (const SessionProg& sp : kSessionProgs) {
    progs.push_back(std::make_unique<Program>(never_runs, const_cast<SessionProg*>(&sp), sp.kind));
    set.add(progs.back().get());
  }
  SessionPrediction out;
  uint32_t n = 0;
  for (const Program* p : set.fentry) n += p->kind == ProgKind::fsession;
  for (int exit = 0; exit < 2; ++exit) {
    uint32_t k = 0;
    for (const Program* p : exit ? set.fexit : set.fentry) {
      const auto* sp = static_cast<const SessionProg*>(p->cookie);
      const unsigned key = exit && sp->kind == ProgKind::fsession ? sp->exit_key : sp->entry_key;
      out.order.emplace_back(
          std::string(sp->name) + (sp->kind == ProgKind::fsession ? exit ? ".exit" : ".entry" : ""),
          key);
      if (sp->kind == ProgKind::fsession) out.cookie_index[key] = session_cookie_index(k++, n);
    }
  }
  return out;
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const std::string& x : v) s += (s.empty() ? "" : " ") + x;
  return s;
}

// The fsession verdict: each half judged as fentry (entry) and fexit (exit)
// are, then the session's own facts: is_return, the cookie zero at entry and
// shared with the exit half, its index, the order of every run; and what a
// non-zero entry result did (xtramp: nothing, the result is ignored; the
// kernel may refuse such a program outright).
void judge_session(KernelVerdict& v, const nlohmann::json& j, const Prediction& p, Arch a) {
  if (j.value("load_err", 0) != 0 || j.value("attach_err", 0) != 0 || !p.have_model) {
    judge(v, j, p, a);
    return;
  }
  std::map<unsigned, nlohmann::json> rec;
  for (const nlohmann::json& r : j.value("recs", nlohmann::json::array()))
    rec[r.value("key", 0u)] = r;
  for (const auto& [half, key, as] :
       {std::tuple{"entry half", 3u, "fentry"}, std::tuple{"exit half", 4u, "fexit"}}) {
    nlohmann::json line = rec[key];
    line["module"] = j.value("module", "");
    line["call_err"] = j.value("call_err", 0);
    KernelVerdict h = v;
    h.program = as;
    judge(h, line, p, a);
    if (h.verdict != "pass") {
      v.verdict = h.verdict;
      v.detail = std::string(half) + ": " + h.detail;
      return;
    }
  }
  const SessionPrediction sp = predict_session();
  std::vector<std::string> want, got;
  std::vector<std::pair<uint64_t, std::string>> seq;
  for (const auto& [name, key] : sp.order) {
    want.push_back(name);
    const nlohmann::json& r = rec[key];
    if (r.value("runs", 0ull) != 1) {
      v.verdict = "misplaced";
      v.detail = name + " ran " + std::to_string(r.value("runs", 0ull)) + " times for one call";
      return;
    }
    seq.emplace_back(r.value("seq", 0ull), name);
  }
  std::sort(seq.begin(), seq.end());
  for (const auto& [n, name] : seq) got.push_back(name);
  const auto misplaced = [&](const std::string& d) {
    v.verdict = "misplaced";
    v.detail = d;
  };
  for (const auto& [key, index] : sp.cookie_index) {
    const nlohmann::json& r = rec[key];
    const bool exit = key == 4 || key == 6;
    const unsigned entry_key = exit ? key - 1 : key;
    const uint64_t cookie = std::stoull(r.value("cookie", "0"), nullptr, 16);
    const std::string who = "fsession " + std::to_string(entry_key == 3 ? 1 : 2) +
                            (exit ? " exit half" : " entry half");
    if (r.value("is_return", 2ull) != (exit ? 1u : 0u))
      return misplaced(who + ": bpf_session_is_return is " +
                       std::to_string(r.value("is_return", 2ull)));
    if (cookie != (exit ? kCookie ^ entry_key : 0))
      return misplaced(who + ": the session cookie is " + r.value("cookie", "") +
                       (exit ? ", the entry half wrote " : ", expected zero ") +
                       (exit ? std::to_string(kCookie ^ entry_key) : ""));
    if (r.value("cookie_index", 0ull) != index)
      return misplaced(who + ": the cookie is ctx[-" +
                       std::to_string(r.value("cookie_index", 0ull)) +
                       "], xtramp puts it at ctx[-" + std::to_string(index) + "]");
  }
  if (got != want)
    return misplaced("the programs ran in the order " + join(got) + "; xtramp runs " + join(want));
  // A non-zero result from the entry half: xtramp ignores it (the exit half
  // and the function run). The kernel either refuses the program or must do
  // the same.
  if (j.value("skip_load_err", 0) == 0) {
    const ModuleRecord mod = parse_record(j.value("skip_module", ""));
    if (j.value("skip_attach_err", 0) != 0 || j.value("skip_entry_runs", 0ull) != 1 ||
        j.value("skip_exit_runs", 0ull) != 1 || mod.called != 1)
      return misplaced("an entry half returning 1 was accepted; then: attach_err " +
                       std::to_string(j.value("skip_attach_err", 0)) + ", entry runs " +
                       std::to_string(j.value("skip_entry_runs", 0ull)) + ", exit runs " +
                       std::to_string(j.value("skip_exit_runs", 0ull)) + ", the function ran " +
                       std::to_string(mod.called) + " times (xtramp: 1, 1, 1)");
  }
  v.verdict = "pass";
  v.detail = "order " + join(got) + "; cookies: fsession1 ctx[-" +
             std::to_string(sp.cookie_index.at(3)) + "], fsession2 ctx[-" +
             std::to_string(sp.cookie_index.at(5)) + "]; an entry half returning 1: ";
  if (j.value("skip_load_err", 0) != 0) {
    std::string msg = j.value("skip_msg", "");
    while (!msg.empty() && msg.back() == '\n') msg.pop_back();
    const size_t at = msg.find("At program exit");
    v.detail +=
        "refused, errno " + std::to_string(j.value("skip_load_err", 0)) +
        (at != std::string::npos ? " (" + msg.substr(at, msg.find('\n', at) - at) + ")" : "");
  } else {
    v.detail += "accepted, skips nothing";
  }
}

struct Toolchain {
  std::vector<std::string> loader_cc;  // compiler and flags for the static loader
  const char* bpf_target;              // clang -target
};

Toolchain toolchain(Arch a) {
  const TargetDesc& t = target(a);
  Toolchain tc{{host_arch() == a ? "gcc" : std::string(t.gnu_triple) + "-gcc"},
               t.bpf_target.data()};
  if (t.kernel_check_sysroot) {
    const std::string key = "XTRAMP_SYSROOT_" + std::string(t.env_suffix);
    const std::string sysroot = env_or(key.c_str(), "/opt/xtramp/sysroot-" + std::string(t.name));
    tc.loader_cc.push_back("-I" + sysroot + "/usr/include");
    tc.loader_cc.push_back("-L" + sysroot + "/usr/lib/" + std::string(t.gnu_triple));
  }
  return tc;
}

std::string host_multiarch() {
  const ProcessResult r = run_process({"gcc", "-print-multiarch"});
  std::string s = r.ok() ? r.out : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

unsigned step_bit(const std::string& program) {
  if (program == "none") return kStepPlain;
  for (unsigned k = 0; k < std::size(kPrograms); ++k)
    if (program == kPrograms[k]) return 2u << k;
  return 0;
}

std::vector<GuestTask> tasks_left(const std::vector<GuestTask>& tasks, const std::set<Step>& done,
                                  const std::optional<Step>& crashed) {
  std::vector<GuestTask> left;
  for (GuestTask t : tasks) {
    for (const char* prog : {"none", "fentry", "fexit", "fmod_ret", "fsession"})
      if (done.count({t.name, prog})) t.steps &= ~step_bit(prog);
    if (crashed && crashed->first == t.name)
      t.steps &= crashed->second == "none" ? 0u : ~step_bit(crashed->second);
    if (t.steps != 0) left.push_back(t);
  }
  return left;
}

KernelCheckReport run_kernel_check(const KernelCheckOptions& opts) {
  auto say = [&](const std::string& s) {
    if (opts.progress) opts.progress(s);
  };
  const std::string br = !opts.buildroot.empty()
                             ? opts.buildroot
                             : env_or("XTRAMP_BUILDROOT", "/opt/xtramp/buildroot");
  const std::string root = br + "/root";
  if (!fs::exists(br + "/ready"))
    throw Error(Errc::not_found, "no build root at " + br + " (run ci/install-buildroot)");
  if (geteuid() != 0)
    throw Error(Errc::bad_request, "kernel-check builds modules with chroot: run it as root");

  // Work in the build root (the chroot sees it) and never under /tmp (the
  // guest mounts a tmpfs there, hiding files at those paths).
  std::string work = opts.workdir;
  const bool owned = work.empty();
  if (owned) {
    work = root + "/var/tmp/xtramp-kc-" + std::to_string(getpid());
    fs::remove_all(work);
  }
  fs::create_directories(work);
  work = fs::absolute(work).lexically_normal().string();
  if (work.rfind(root + "/", 0) != 0)
    throw Error(Errc::bad_request, "--workdir must be inside the build root " + root);
  struct Cleanup {
    std::string dir;
    bool on;
    ~Cleanup() {
      std::error_code ec;
      if (on) fs::remove_all(dir, ec);
    }
  } cleanup{work, owned};
  const std::string in_root = work.substr(root.size());  // the path in the chroot

  // Each arch's kernel and its headers' vmlinux BTF (names the module must not reuse).
  std::vector<vm::Kernel> kernels;
  std::vector<btf::BtfFile> vmlinux;
  for (Arch a : opts.arches) {
    kernels.push_back(vm::select_kernel(a, opts.kernel));
    const std::string headers = root + "/usr/src/linux-headers-" + kernels.back().release;
    if (!fs::exists(headers + "/.config"))
      throw Error(Errc::not_found, "the build root has no " + headers +
                                       " (run ci/install-buildroot after ci/install-vm)");
    btf::OpenOptions vo;
    vo.path = headers + "/vmlinux";
    vo.target = a;
    vo.use_dwarf = false;
    vmlinux.push_back(btf::BtfFile::open(vo));
  }
  const auto in_kernel = [&](const std::string& name) -> std::string {
    for (size_t i = 0; i < vmlinux.size(); ++i) {
      try {
        (void)vmlinux[i].find_function(name);
        return "vmlinux (" + kernels[i].release + ") has a function of this name";
      } catch (const Error&) {
      }
    }
    return "";
  };

  KernelCheckReport rep;
  const ModuleSource ms = make_module_source(opts.files, "gcc", work, in_kernel);
  std::vector<std::string> names;
  for (const ModuleFunction& f : ms.functions) {
    if (f.unsupported.empty())
      names.push_back(f.name);
    else
      rep.not_built.emplace_back(f.name, f.unsupported);
  }
  if (names.empty()) return rep;

  const std::string multiarch = host_multiarch();
  std::map<std::string, std::string> bpf_objects;  // clang target -> object
  write_file(work + "/xtkc.bpf.c", kBpfSource);
  write_file(work + "/xtkc_loader.c", kLoaderSource);

  for (size_t ai = 0; ai < opts.arches.size(); ++ai) {
    const Arch a = opts.arches[ai];
    const vm::Kernel& k = kernels[ai];
    const std::string an(arch_name(a));
    const std::string headers = "/usr/src/linux-headers-" + k.release;
    ArchRun run;
    run.arch = a;
    run.kernel = k.release;
    // Without a BPF JIT there are no BPF trampolines: nothing to measure.
    // Debian's s390x kernel is built for z10 (CONFIG_MARCH_Z10) and s390
    // selects HAVE_EBPF_JIT only with HAVE_MARCH_Z196_FEATURES
    // (https://github.com/torvalds/linux/blob/v6.18/arch/s390/Kconfig).
    {
      std::ifstream cfg(root + headers + "/.config");
      for (std::string l; std::getline(cfg, l);)
        if (l == "CONFIG_BPF_JIT=y") run.bpf_jit = true;
    }

    // The module.
    const std::string mdir = work + "/" + an;
    fs::create_directories(mdir);
    write_file(mdir + "/Makefile", "obj-m := xtkc.o\n");
    for (const auto& [from, to] : ms.includes)
      fs::copy_file(from, mdir + "/" + to, fs::copy_options::overwrite_existing);
    const std::string ko = mdir + "/xtkc.ko";
    // objtool (x86-64) reads /proc: a private mount namespace gives the
    // chroot one that disappears with it.
    const std::vector<std::string> make{"unshare",
                                        "--mount",
                                        "--propagation",
                                        "private",
                                        "sh",
                                        "-c",
                                        "mount -t proc proc '" + root + "/proc' && exec chroot '" +
                                            root + "' make -s -C '" + headers + "' M='" + in_root +
                                            "/" + an + "'"};
    // xtramp's prediction comes from the module's own BTF: split on its
    // distilled base (.BTF.base) when it has one, else on the headers' vmlinux.
    const auto build = [&](const std::string& source) {
      write_file(mdir + "/xtkc.c", source);
      fs::remove(ko);
      const ProcessResult mr = run_process(make);
      if (!mr.ok() || !fs::exists(ko))
        throw Error(Errc::io,
                    "building the module for " + an + " failed: " + failure_text(mr, make));
      std::string base = root + headers + "/vmlinux";
      if (const std::string bb = elf_section(ko, ".BTF.base"); !bb.empty()) {
        base = mdir + "/xtkc.btf.base";
        write_file(base, bb);
      }
      btf::OpenOptions oo;
      oo.path = ko;
      oo.base_path = base;
      oo.target = a;
      oo.use_dwarf = false;
      return btf::BtfFile::open(oo);
    };
    say(an + ": building the module against " + headers);
    auto t0 = Clock::now();
    btf::BtfFile bf = build(ms.c_source);
    // pahole may leave a function out of the module's BTF (resolve_btfids
    // then warns "unresolved symbol"): its fmod_ret registration would fail,
    // and with it the whole set's, which a module registers once per hook
    // (kernel/bpf/btf.c, btf_populate_kfunc_set). Such functions leave the
    // set and the module is built again; no program can attach to them
    // (predicted and seen: refused).
    std::string source = ms.c_source, missing;
    for (const std::string& n : names) {
      try {
        (void)bf.find_function(n);
      } catch (const Error&) {
        const std::string line = "BTF_ID_FLAGS(func, " + n + ")\n";
        if (const size_t at = source.find(line); at != std::string::npos)
          source.erase(at, line.size());
        missing += (missing.empty() ? "" : ", ") + n;
      }
    }
    if (!missing.empty()) {
      say(an + ": not in the module's BTF (pahole left them out): " + missing +
          "; building it again without their fmod_ret registration");
      bf = build(source);
    }
    run.module_build_seconds = since(t0);
    // The BPF object and the loader for this arch.
    const Toolchain tc = toolchain(a);
    // Two objects: the fsession programs' kfuncs (7.0's prototypes) would
    // make libbpf refuse the whole object on an older kernel.
    const std::string fs_target = std::string(tc.bpf_target) + "-fsession";
    if (!bpf_objects.count(tc.bpf_target)) {
      for (const bool fsession : {false, true}) {
        const std::string obj = work + "/xtkc." + tc.bpf_target + (fsession ? ".fsession.o" : ".o");
        std::vector<std::string> cc{"clang", "-target", tc.bpf_target,
                                    "-O2",   "-g",      "-I/usr/include/" + multiarch};
        if (fsession) cc.push_back("-DXTKC_FSESSION");
        for (const std::string& w :
             {std::string("-c"), work + "/xtkc.bpf.c", std::string("-o"), obj})
          cc.push_back(w);
        run_or_throw(cc, "compiling the BPF programs (" + std::string(tc.bpf_target) + ")");
        bpf_objects[fsession ? fs_target : tc.bpf_target] = obj;
      }
    }
    const std::string loader = work + "/xtkc-loader-" + an;
    std::vector<std::string> cc = tc.loader_cc;
    for (const std::string& w :
         {std::string("-O2"), std::string("-static"), std::string("-o"), loader,
          work + "/xtkc_loader.c", std::string("-lbpf"), std::string("-lelf"), std::string("-lz")})
      cc.push_back(w);
    run_or_throw(cc, "building the loader for " + an);

    // The guest runs the tasks left; after a crash it boots again with the
    // rest (tasks_left), keeping every line already seen.
    std::vector<GuestTask> tasks;
    for (size_t i = 0; i < names.size(); ++i)
      tasks.push_back({names[i], static_cast<unsigned>(i), kAllSteps});
    // No JIT: the first function shows the kernel's refusal, the rest are
    // skipped without spending the guest's time on them.
    if (!run.bpf_jit) tasks.resize(1);
    std::map<std::string, nlohmann::json> lines;  // "fn prog" -> the loader's line
    std::map<std::string, std::string> crashed;   // "fn prog" -> what the console said
    std::set<Step> done;
    std::string last_failure;  // why the last boot ended early
    const size_t oops_index = std::find(names.begin(), names.end(), opts.oops_at) - names.begin();
    say(an + ": booting " + k.release + " (" + k.package + " " + k.version + ")");
    t0 = Clock::now();
    while (!tasks.empty()) {
      std::string cmd = "insmod " + ko;
      if (run.boots == 0 && oops_index < names.size())
        cmd += " xtkc_oops=" + std::to_string(oops_index);
      cmd += " && " + loader + " " + bpf_objects[tc.bpf_target] + " " + bpf_objects[fs_target];
      for (const GuestTask& t : tasks)
        cmd += " " + std::to_string(t.index) + ":" + t.name + ":" + std::to_string(t.steps);
      vm::GuestSpec spec;
      spec.kernel = k;
      spec.binaries = {loader};
      spec.files = {ko, bpf_objects[tc.bpf_target], bpf_objects[fs_target]};
      spec.tests = {{"kernel-check", cmd, false}};
      spec.timeout = std::chrono::seconds(opts.timeout_seconds);
      spec.workdir = mdir;
      spec.append = "oops=panic";  // an oops ends the boot at once
      std::optional<Step> started;
      std::string oops;  // the first crash line on the console
      spec.on_line = [&](const std::string& l) {
        if (opts.console) opts.console(l);
        const size_t p = l.find("{\"xtkc\":1");
        if (p == std::string::npos) {
          if (started && oops.empty() &&
              (l.find("Oops") != std::string::npos || l.find("BUG") != std::string::npos ||
               l.find("Kernel panic") != std::string::npos ||
               l.find("Unable to handle") != std::string::npos))
            oops = l;
          return;
        }
        const nlohmann::json j = nlohmann::json::parse(l.substr(p), nullptr, false);
        if (j.is_discarded() || !j.contains("fn")) return;
        const Step st{j.value("fn", ""), j.value("prog", "")};
        if (j.contains("start")) {
          started = st;
          return;
        }
        lines[st.first + " " + st.second] = j;
        done.insert(st);
        started.reset();
      };
      if (run.boots > 0)
        say(an + ": booting again for the " + std::to_string(tasks.size()) + " functions left");
      const vm::GuestResult gr = vm::run_guest(spec);
      ++run.boots;
      run.boot_seconds += gr.boot_seconds;
      run.outcome = vm::guest_outcome_name(gr.outcome);
      run.detail = gr.detail;
      if (!gr.tests.empty() && !gr.tests[0].detail.empty())
        run.detail += (run.detail.empty() ? "" : "; ") + gr.tests[0].detail;
      const size_t before = tasks.size();
      unsigned steps_before = 0, steps_after = 0;
      for (const GuestTask& t : tasks)
        steps_before += static_cast<unsigned>(std::popcount(t.steps));
      if (started) {
        std::string why = !oops.empty() ? oops : run.detail.substr(0, run.detail.find('\n'));
        while (!why.empty() && (why.back() == '\r' || why.back() == ' ')) why.pop_back();
        crashed[started->first + " " + started->second] =
            run.outcome + (why.empty() ? "" : ": " + why);
        say(an + ": " + started->first + " " + started->second + " " + run.outcome +
            (why.empty() ? "" : ": " + why));
      }
      tasks = tasks_left(tasks, done, started);
      for (const GuestTask& t : tasks) steps_after += static_cast<unsigned>(std::popcount(t.steps));
      if (!tasks.empty() && (steps_after == steps_before || (tasks.size() == before && !started))) {
        last_failure = run.detail.substr(0, run.detail.find('\n'));
        break;  // no progress: booting again would do the same
      }
    }
    run.guest_seconds = since(t0);
    rep.runs.push_back(run);

    for (const std::string& n : names) {
      // The prediction, with the alignments the module reported on its plain call.
      const auto plain = lines.find(n + " none");
      const Prediction p =
          predict(bf, a, KernelRelease::parse(k.release).value_or(KernelRelease::newest()), n,
                  plain == lines.end() ? std::vector<uint32_t>{}
                                       : parse_record(plain->second.value("module", "")).align);
      const KernelRelease release =
          KernelRelease::parse(k.release).value_or(KernelRelease::newest());
      for (const char* prog : kPrograms) {
        KernelVerdict v{n, a, k.release, prog, "", "", p.verdict, p.detail, false};
        // fsession programs came in 7.0 (commit 2d419c44658f, with the x86-64
        // JIT; arm64 e3aa56b3ac17, s390x 339193c44e75): an older kernel does
        // not know BPF_TRACE_FSESSION and refuses the program.
        if (v.program == std::string("fsession") && !release.at_least(7, 0)) {
          v.linux_prediction = "refused";
          v.prediction_detail = "Linux " + release.str() +
                                " has no fsession programs (BPF_TRACE_FSESSION and the ctx-taking "
                                "bpf_session_* kfuncs came in 7.0, commit 2d419c44658f): the "
                                "fsession programs do not load";
        }
        // The verifier refuses an fexit, fmod_ret or fsession program on a
        // function whose return value is over 8 bytes ("with a >8 byte return
        // value is not supported for this attach type"; the kernel selftests'
        // fexit_int128_ret), whatever the JIT would do.
        if (v.program != std::string("fentry") && p.have_model && p.model.ret.t().size > 8 &&
            v.linux_prediction != "refused") {
          v.linux_prediction = "refused";
          v.prediction_detail = "the verifier refuses an " + std::string(prog) +
                                " program on a function with a >8 byte return value";
        }
        const auto it = lines.find(n + " " + prog);
        const auto cr = crashed.find(n + " " + prog);
        const auto plain_crash = crashed.find(n + " none");
        if (cr != crashed.end() || plain_crash != crashed.end()) {
          v.verdict = "crashed";
          v.detail =
              cr != crashed.end() ? cr->second : "the plain call crashed: " + plain_crash->second;
        } else if (it == lines.end()) {
          v.verdict = "not_run";
          v.detail = last_failure.empty() ? "no output for it" : last_failure;
        } else {
          if (v.program == std::string("fsession"))
            judge_session(v, it->second, p, a);
          else
            judge(v, it->second, p, a);
        }
        if (!run.bpf_jit && (v.verdict == "refused" || v.verdict == "not_run")) {
          v.verdict = "skipped";
          v.detail =
              "the kernel has no BPF JIT, so no BPF trampolines (CONFIG_BPF_JIT is not set in " +
              k.release + "'s config): " + v.detail;
        }
        v.agree = v.verdict == v.linux_prediction;
        rep.verdicts.push_back(v);
      }
    }
  }
  return rep;
}

}  // namespace xtramp::conform::kernel
