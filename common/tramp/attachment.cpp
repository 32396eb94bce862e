#include "common/tramp/attachment.hpp"

#include <algorithm>
#include <string>

#include "common/error.hpp"

namespace xtramp {

namespace {

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
  patch_ = backend(model_.target).check_patchable(function, model_.name);
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

Attachment::~Attachment() {
  std::lock_guard<std::mutex> lock(mu_);
  slot_->store(original_, std::memory_order_release);
  if (mode_ == AttachMode::entry_patch && current_) {
    try {
      backend(model_.target).set_entry_call(const_cast<void*>(original_), nullptr);
    } catch (const Error&) {
      // Cannot restore the entry: the trampoline stays reachable, so it is
      // kept, deliberately, for the life of the process.
      static auto* kept = new std::vector<CodeBlock>();
      kept->push_back(std::move(current_));
      return;
    }
  }
  if (current_) reclaimer_.retire(std::move(current_), std::move(counter_));
  reclaimer_.reclaim();
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
  std::shared_ptr<InflightCounter> counter;
  const void* entry = original_;
  if (!next.empty()) {
    counter = std::make_shared<InflightCounter>();
    const auto addr = reinterpret_cast<uint64_t>(original_);
    const bool patch = mode_ == AttachMode::entry_patch;
    const uint64_t orig = patch ? addr + patch_.size : addr;  // entry patch: the body
    const GeneratedCode g = generate(backend(model_.target), model_, policy_, next, addr, orig,
                                     mode_, reinterpret_cast<uint64_t>(&counter->count));
    // The site's call must reach the trampoline from the end of the site
    // (reach 0: the site reaches any address, s390x's stub).
    code = patch && patch_.reach != 0
               ? memory_.install(g.code, ExecNear{orig, patch_.reach - g.code.size()})
               : install_trampoline(memory_, g.code);
    entry = code.exec();
  }
  if (mode_ == AttachMode::entry_patch) {
    backend(model_.target)
        .set_entry_call(const_cast<void*>(original_), next.empty() ? nullptr : entry);
  } else {
    slot_->store(entry, std::memory_order_release);
  }
  if (current_) reclaimer_.retire(std::move(current_), std::move(counter_));
  current_ = std::move(code);
  counter_ = std::move(counter);
  programs_ = std::move(next);
  reclaimer_.reclaim();
}

}  // namespace xtramp
