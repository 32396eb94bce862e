#include "runtime/attachment.hpp"

#include <algorithm>
#include <map>
#include <string>
#include <tuple>

#include "common/error.hpp"
#include "common/tramp/emitter.hpp"
#include "runtime/code_writer.hpp"
#include "runtime/rcu.hpp"

namespace xtramp {

namespace detail {
struct EntrySite {
  // Where the stub goes after entering the read side: the current
  // trampoline, or the passthrough (no programs).
  std::atomic<uint64_t> target{0};
  uint64_t stub = 0;
  uint64_t passthrough = 0;
};
}  // namespace detail

namespace {

// Entry stubs and the exit stub live here, never freed (code memory of their
// own: the allocators callers pass hold only trampolines).
ExecMemory& stub_memory() {
  static ExecMemory* m = new ExecMemory();
  return *m;
}

void keep_forever(CodeBlock b) {
  static std::mutex mu;
  static auto* kept = new std::vector<CodeBlock>();
  std::lock_guard<std::mutex> lock(mu);
  kept->push_back(std::move(b));
}

uint64_t exit_stub() {
  static std::once_flag once;
  static uint64_t addr = 0;
  std::call_once(once, [] {
    CodeBlock b = install_trampoline(stub_memory(),
                                     backend(host_arch()).emitter()->exit_stub(rcu::stub_facts()));
    addr = reinterpret_cast<uint64_t>(b.exec());
    keep_forever(std::move(b));
  });
  return addr;
}

void remove(ProgramSet& set, Program* p) {
  for (auto* l : {&set.fentry, &set.fexit, &set.fmod_ret})
    if (const auto it = std::find(l->begin(), l->end(), p); it != l->end()) l->erase(it);
}

// Links, as the kernel counts them against BPF_MAX_TRAMP_LINKS: an fsession
// program takes two (its entry and its exit half).
size_t count(const ProgramSet& s) {
  return s.fentry.size() + s.fexit.size() + s.fmod_ret.size();
}

bool contains(const ProgramSet& s, const Program* p) {
  for (const auto* l : {&s.fentry, &s.fexit, &s.fmod_ret})
    if (std::find(l->begin(), l->end(), p) != l->end()) return true;
  return false;
}

}  // namespace

Attachment::Attachment(FuncModel model, const void* original, std::atomic<const void*>* slot,
                       Policy policy, ExecMemory& memory, Reclaimer& reclaimer)
    : model_(std::move(model)),
      original_(original),
      own_slot_(original),
      slot_(slot != nullptr ? slot : &own_slot_),
      policy_(policy),
      memory_(memory),
      reclaimer_(reclaimer) {
  check_model();
}

Attachment::Attachment(FuncModel model, void* function, EntryPatchMode, Policy policy,
                       ExecMemory& memory, Reclaimer& reclaimer)
    : model_(std::move(model)),
      original_(function),
      own_slot_(function),
      slot_(&own_slot_),
      policy_(policy),
      mode_(AttachMode::entry_patch),
      memory_(memory),
      reclaimer_(reclaimer) {
  check_model();
  patch_ = backend(model_.target).check_patchable(function, model_.name, process_code_writer());
}

void Attachment::check_model() const {
  if (original_ == nullptr)
    throw Error(Errc::bad_request, "attach to " + model_.name + ": no function address");
  if (model_.target != host_arch())
    throw Error(Errc::bad_request, "attach to " + model_.name + ": the model is for " +
                                       std::string(arch_name(model_.target)) +
                                       ", this process runs on " +
                                       std::string(arch_name(host_arch())));
  // Fail now, not at the first attach, if this prototype cannot be placed.
  (void)backend(model_.target).place(model_, policy_);
}

// One site per (function, slot, mode), made on the first attach and kept for
// the process's life: a caller may still hold the stub's address (a slot
// value it loaded, a site it is about to execute) at any time.
void Attachment::ensure_site() {
  if (site_ != nullptr) return;
  rcu::require_membarrier();
  static std::mutex mu;
  static auto* sites =
      new std::map<std::tuple<const void*, const void*, AttachMode>, detail::EntrySite*>();
  const bool patch = mode_ == AttachMode::entry_patch;
  const auto key = std::make_tuple(original_, patch ? nullptr : slot_, mode_);
  std::lock_guard<std::mutex> lock(mu);
  if (auto it = sites->find(key); it != sites->end()) {
    site_ = it->second;
    return;
  }
  (void)exit_stub();
  auto site = std::make_unique<detail::EntrySite>();
  Emitter::StubSpec spec;
  spec.mode = mode_;
  spec.target_ptr = reinterpret_cast<uint64_t>(&site->target);
  spec.resume = reinterpret_cast<uint64_t>(original_) + (patch ? patch_.size : 0);
  spec.facts = rcu::stub_facts();
  const Emitter::StubCode stub = backend(model_.target).emitter()->entry_stub(spec);
  // The site's call must reach the stub from the end of the site, moved by
  // the backend's bias (reach 0: the site reaches any address, s390x's own
  // per-site stub).
  const uint64_t near = spec.resume + static_cast<uint64_t>(patch_.stub_bias);
  CodeBlock b =
      patch && patch_.reach != 0
          ? stub_memory().install(stub.code, ExecNear{near, patch_.reach - stub.code.size()})
          : install_trampoline(stub_memory(), stub.code);
  site->stub = reinterpret_cast<uint64_t>(b.exec());
  site->passthrough = site->stub + stub.passthrough;
  site->target.store(site->passthrough, std::memory_order_release);
  keep_forever(std::move(b));
  site_ = site.release();
  (*sites)[key] = site_;
}

Attachment::~Attachment() {
  std::lock_guard<std::mutex> lock(mu_);
  slot_->store(original_, std::memory_order_release);
  if (mode_ == AttachMode::entry_patch && current_) {
    try {
      backend(model_.target)
          .set_entry_call(const_cast<void*>(original_), nullptr, process_code_writer());
    } catch (const Error&) {
      // Cannot restore the entry: the trampoline stays reachable, so it is
      // kept, deliberately, for the life of the process.
      static auto* kept = new std::vector<CodeBlock>();
      kept->push_back(std::move(current_));
      return;
    }
  }
  if (site_ != nullptr) site_->target.store(site_->passthrough, std::memory_order_release);
  if (current_) reclaimer_.retire(std::move(current_));
  reclaimer_.reclaim();
}

const void* Attachment::trampoline() const {
  std::lock_guard<std::mutex> lock(mu_);
  return current_ ? current_.exec() : nullptr;
}

const void* Attachment::entry_stub() const {
  std::lock_guard<std::mutex> lock(mu_);
  return site_ != nullptr ? reinterpret_cast<const void*>(site_->stub) : nullptr;
}

size_t Attachment::program_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return count(programs_);
}

void Attachment::attach(Program& p) {
  std::lock_guard<std::mutex> lock(mu_);
  if (contains(programs_, &p))
    throw Error(Errc::bad_request,
                "attach to " + model_.name + ": the program is already attached");
  const size_t links = p.kind == ProgKind::fsession ? 2 : 1;
  if (count(programs_) + links > kMaxProgramsPerFunction)
    throw Error(Errc::bad_request, "attach to " + model_.name + ": at most " +
                                       std::to_string(kMaxProgramsPerFunction) +
                                       " programs per function (BPF_MAX_TRAMP_LINKS; an "
                                       "fsession program counts twice)");
  ProgramSet next = programs_;
  next.add(&p);
  publish(std::move(next));
}

void Attachment::detach(Program& p) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!contains(programs_, &p))
    throw Error(Errc::bad_request, "detach from " + model_.name + ": the program is not attached");
  ProgramSet next = programs_;
  remove(next, &p);
  publish(std::move(next));
}

// Builds everything first: a throw leaves the old trampoline published.
void Attachment::publish(ProgramSet next) {
  CodeBlock code;
  const bool patch = mode_ == AttachMode::entry_patch;
  uint64_t target = 0;
  if (!next.empty()) {
    ensure_site();
    const auto addr = reinterpret_cast<uint64_t>(original_);
    const uint64_t orig = patch ? addr + patch_.size : addr;  // entry patch: the body
    // Fentry only, entry patch: back into the body through the passthrough.
    const bool into_body = patch && next.fexit.empty() && next.fmod_ret.empty();
    const GeneratedCode g = generate(backend(model_.target), model_, policy_, next, addr, orig,
                                     mode_, into_body ? site_->passthrough : exit_stub());
    code = install_trampoline(memory_, g.code);
    target = reinterpret_cast<uint64_t>(code.exec());
  } else if (site_ != nullptr) {
    target = site_->passthrough;
  }
  const uint64_t previous = site_ != nullptr ? site_->target.load(std::memory_order_relaxed) : 0;
  if (site_ != nullptr) site_->target.store(target, std::memory_order_release);
  try {
    if (patch) {
      if (!next.empty() && !current_)
        backend(model_.target)
            .set_entry_call(const_cast<void*>(original_), reinterpret_cast<void*>(site_->stub),
                            process_code_writer());
      else if (next.empty() && current_)
        backend(model_.target)
            .set_entry_call(const_cast<void*>(original_), nullptr, process_code_writer());
    } else {
      slot_->store(next.empty() ? original_ : reinterpret_cast<const void*>(site_->stub),
                   std::memory_order_release);
    }
  } catch (...) {
    // The site stays as it was; a thread that read the new target in the
    // meantime is inside a read-side section: the new code goes to the
    // reclaimer, not straight back.
    if (site_ != nullptr) site_->target.store(previous, std::memory_order_release);
    if (code) reclaimer_.retire(std::move(code));
    reclaimer_.reclaim();
    throw;
  }
  if (current_) reclaimer_.retire(std::move(current_));
  current_ = std::move(code);
  programs_ = std::move(next);
  reclaimer_.reclaim();
}

}  // namespace xtramp
