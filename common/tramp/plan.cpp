// The planner: the one trampoline algorithm, for every architecture.
//   save the argument registers -> fill ctx -> fentry programs -> fmod_ret
//   programs (a non-zero result skips the original) -> restore registers,
//   rebuild the stack arguments, call the original -> save the return value
//   -> fexit programs -> load the return value -> return.
// fsession programs (in both the fentry and the fexit list) get a cookie slot
// each below ctx[-2], zeroed with the return slots before the entry programs
// run, and ctx[-1] (func_meta) is rewritten before each of their halves with
// its cookie index, and with the is-return bit before the exit programs, as
// the Linux 7.0+ JITs do (docs/linux-jits.md "The ctx layout").
// No work twice: a general register whose 8 bytes are a ctx slot is restored
// from that slot (not saved again), and with neither fexit nor fmod_ret
// programs the return value stays in its registers (no slot to fill).
#include "common/tramp/plan.hpp"

#include <algorithm>

#include "common/abi/ctx_slots.hpp"
#include "common/abi/stack_area.hpp"
#include "common/error.hpp"

namespace xtramp {

// First in its list: the kernel links a program at the head of its
// trampoline's list (hlist_add_head), so the newest runs first; measured in
// the real kernels by xtramp kernel-check (docs/linux-jits.md).
void ProgramSet::add(Program* p) {
  const auto front = [p](std::vector<Program*>& l) { l.insert(l.begin(), p); };
  switch (p->kind) {
    case ProgKind::fentry:
      front(fentry);
      break;
    case ProgKind::fexit:
      front(fexit);
      break;
    case ProgKind::fmod_ret:
      front(fmod_ret);
      break;
    case ProgKind::fsession:  // its entry half and its exit half
      front(fentry);
      front(fexit);
      break;
  }
}

std::string_view attach_mode_name(AttachMode m) {
  return m == AttachMode::replace ? "replace" : "entry-patch";
}

namespace {

using abi::align_up;

bool same_reg(const SavedReg& s, const Location& l) {
  return s.kind == l.kind && s.reg == l.reg;
}

// Every register that carries part of an argument, or the result buffer.
std::vector<SavedReg> registers_in(const CallLayout& L, const EmitterTraits& t) {
  std::vector<SavedReg> out;
  auto add = [&](const Location& l) {
    if (l.kind == LocKind::stack) return;
    for (const SavedReg& s : out)
      if (same_reg(s, l)) return;
    out.push_back(SavedReg{l.kind, l.reg, l.kind == LocKind::fpr ? t.fpr_save_size : 8u, 0});
  };
  if (L.ret.kind == RetLayout::Kind::memory) add(L.ret.buffer);
  for (const ArgLayout& a : L.args)
    for (const ArgPart& p : a.parts) add(p.loc);
  return out;
}

const SavedReg& saved_for(const std::vector<SavedReg>& saved, const Location& l) {
  for (const SavedReg& s : saved)
    if (same_reg(s, l)) return s;
  throw Error(Errc::bad_request, "planner: register not saved");  // a planner bug
}

class Planner {
 public:
  Planner(const PlanRequest& r, const EmitterTraits& t) : req_(r), t_(t), L_(*r.layout) {}

  TrampolinePlan run() {
    check_programs();
    layout_frame();
    save_arguments();
    fill_ctx();
    if (plan_.cookies > 0) {
      // The cookies, and the return value an entry half might read.
      for (uint32_t i = 0; i < plan_.cookies; ++i)
        zero(plan_.cookie_off + static_cast<int32_t>(8 * i));
      for (uint32_t i = 0; i < plan_.ret_slots; ++i) zero(ret_off() + static_cast<int32_t>(8 * i));
    }
    call_list(req_.programs.fentry, plan_.arg_slots);
    if (!plan_.calls_original) {
      // Entry patch, fentry only: back into the function's body with the
      // argument registers as they came (the kernel's RESTORE_REGS).
      restore_arguments();
      return std::move(plan_);
    }
    uint32_t skip = 0;
    if (!req_.programs.fmod_ret.empty()) {
      skip = plan_.labels++;
      for (uint32_t i = 0; i < plan_.ret_slots; ++i) zero(ret_off() + static_cast<int32_t>(8 * i));
      for (Program* p : req_.programs.fmod_ret) {
        call(p, /*fmod_ret=*/true);
        plan_.steps.push_back(step::BranchIfResultNonzero{skip});
      }
    }
    call_original();
    if (!req_.programs.fmod_ret.empty()) plan_.steps.push_back(step::BindLabel{skip});
    // The exit halves see the is-return bit, and so do the fexit programs
    // after the first of them (the kernel writes it once, before the list).
    const uint64_t exit_meta = plan_.arg_slots | uint64_t{1} << kFuncMetaIsReturnShift;
    if (plan_.cookies > 0) imm(plan_.ip_off + 8, exit_meta);
    call_list(req_.programs.fexit, exit_meta);
    load_return();
    return std::move(plan_);
  }

 private:
  int32_t ret_off() const { return plan_.ctx_off + static_cast<int32_t>(8 * plan_.arg_slots); }
  int32_t ret_value_off() const {
    return ret_off() + static_cast<int32_t>(abi::ctx_value_offset(req_.model->ret.t(), L_.arch));
  }

  static std::vector<const Program*> sessions(const std::vector<Program*>& list) {
    std::vector<const Program*> out;
    for (const Program* p : list)
      if (p->kind == ProgKind::fsession) out.push_back(p);
    return out;
  }

  void check_programs() {
    const std::string& fn = req_.model->name;
    for (const auto* list : {&req_.programs.fentry, &req_.programs.fexit, &req_.programs.fmod_ret})
      for (const Program* p : *list)
        if (p == nullptr) throw Error(Errc::bad_request, "trampoline for " + fn + ": null program");
    for (const Program* p : req_.programs.fmod_ret)
      if (p->kind == ProgKind::fsession)
        throw Error(Errc::bad_request,
                    "trampoline for " + fn + ": an fsession program in fmod_ret");
    if (sessions(req_.programs.fentry) != sessions(req_.programs.fexit))
      throw Error(Errc::bad_request,
                  "trampoline for " + fn +
                      ": fsession programs must be in both fentry and fexit, in the same order");
    plan_.cookies = static_cast<uint32_t>(sessions(req_.programs.fentry).size());
    if (req_.programs.fmod_ret.empty()) return;
    const RetLayout& r = L_.ret;
    const bool fits = r.kind == RetLayout::Kind::void_ ||
                      (r.kind == RetLayout::Kind::regs && r.size <= 8 && r.parts.size() == 1);
    if (!fits)
      throw Error(Errc::unsupported, "fmod_ret on " + fn + ": the return type " +
                                         req_.model->ret.t().c_type + " (" +
                                         std::to_string(r.size) +
                                         " bytes) cannot be replaced by a program's 64-bit result");
  }

  void layout_frame() {
    plan_.arch = L_.arch;
    plan_.function = req_.model->name;
    plan_.func_addr = req_.func_addr;
    plan_.orig_addr = req_.orig_addr;
    plan_.mode = req_.mode;
    plan_.exit_addr = req_.exit_addr;
    plan_.calls_original = req_.mode == AttachMode::replace || !req_.programs.fexit.empty() ||
                           !req_.programs.fmod_ret.empty();
    plan_.arg_slots = L_.ctx_slots;
    plan_.ret_slots = std::max<uint32_t>(1, (L_.ret.size + 7) / 8);

    // The original's stack arguments go where it will look: its entry SP is
    // ours minus what the call pushes.
    out_args_off_ = t_.stack_args_base - static_cast<int32_t>(t_.call_pushes);
    const uint32_t out_args_end = static_cast<uint32_t>(out_args_off_) + L_.stack_size;
    plan_.outgoing_size = align_up(std::max(t_.outgoing_reserve, out_args_end), 8);

    plan_.cookie_off = static_cast<int32_t>(plan_.outgoing_size);
    plan_.ip_off = plan_.cookie_off + static_cast<int32_t>(8 * plan_.cookies);
    plan_.ctx_off = plan_.ip_off + 16;
    uint32_t at = static_cast<uint32_t>(plan_.ctx_off) + 8 * (plan_.arg_slots + plan_.ret_slots);
    plan_.saved = registers_in(L_, t_);
    plan_.save_off = -1;
    for (SavedReg& s : plan_.saved) {
      if (const int32_t slot = ctx_image_of(s); slot >= 0) {
        s.in_ctx = true;
        s.off = slot;
        continue;
      }
      at = align_up(at, s.size);
      s.off = static_cast<int32_t>(at);
      if (plan_.save_off < 0) plan_.save_off = s.off;
      at += s.size;
    }
    if (plan_.save_off < 0) plan_.save_off = static_cast<int32_t>(at);
    // frame_size % sp_align == entry_sp_mod keeps SP aligned at every call.
    uint32_t frame = align_up(at + t_.arch_area, 8);
    while (frame % t_.sp_align != t_.entry_sp_mod % t_.sp_align) frame += 8;
    plan_.frame_size = frame;
    plan_.arch_off = static_cast<int32_t>(frame - t_.arch_area);
  }

  // The sp offset of the ctx slot that holds all 8 bytes of general register
  // s as it came in (fill_ctx stores it there whole, and nothing writes the
  // slot again), or -1. Never the result-buffer register.
  int32_t ctx_image_of(const SavedReg& s) const {
    if (s.kind != LocKind::gpr) return -1;
    if (L_.ret.kind == RetLayout::Kind::memory && same_reg(s, L_.ret.buffer)) return -1;
    int32_t slot = -1;
    for (size_t i = 0; i < L_.args.size(); ++i) {
      const ArgLayout& a = L_.args[i];
      for (const ArgPart& p : a.parts) {
        if (!same_reg(s, p.loc)) continue;
        // Not a pointer to a by-reference argument's bytes (ctx has the
        // bytes), not a part of the register, not a second use of it.
        const uint32_t at =
            8 * a.ctx_slot + abi::ctx_value_offset(req_.model->args[i].t(), L_.arch) + p.arg_offset;
        if (a.by_ref || p.loc_offset != 0 || p.size != 8 || at % 8 != 0 || slot >= 0) return -1;
        slot = plan_.ctx_off + static_cast<int32_t>(at);
      }
    }
    return slot;
  }

  void save_arguments() {
    for (const SavedReg& s : plan_.saved)
      if (!s.in_ctx) plan_.steps.push_back(step::SaveReg{s});
  }

  void zero(int32_t off) { plan_.steps.push_back(step::ZeroSlot{off}); }

  void imm(int32_t off, uint64_t v) { plan_.steps.push_back(step::StoreImm{off, v}); }

  // Bytes [loc_offset, +size) of the register p.loc.
  static RegBytes reg_bytes(const ArgPart& p) {
    return RegBytes{p.loc.kind, p.loc.reg, p.loc_offset, p.size};
  }

  // Argument bytes into ctx, whatever the ABI did with them (docs/trampolines.md "The ctx").
  void fill_ctx() {
    imm(plan_.ip_off, req_.func_addr);
    imm(plan_.ip_off + 8, plan_.arg_slots);
    for (size_t i = 0; i < L_.args.size(); ++i) {
      const ArgLayout& a = L_.args[i];
      const int32_t base =
          plan_.ctx_off + static_cast<int32_t>(8 * a.ctx_slot) +
          static_cast<int32_t>(abi::ctx_value_offset(req_.model->args[i].t(), L_.arch));
      if (a.size % 8 != 0)
        zero(plan_.ctx_off + static_cast<int32_t>(8 * (a.ctx_slot + a.ctx_slots - 1)));
      if (a.by_ref) {
        Location ptr = a.parts.at(0).loc;
        if (ptr.kind == LocKind::stack) ptr.offset += t_.entry_extra;
        plan_.steps.push_back(step::ByRefToFrame{ptr, {base, a.size}});
        continue;
      }
      for (const ArgPart& p : a.parts) {
        const int32_t off = base + static_cast<int32_t>(p.arg_offset);
        if (p.loc.kind == LocKind::stack)
          plan_.steps.push_back(step::StackToFrame{p.loc.offset + t_.entry_extra, {off, p.size}});
        else
          plan_.steps.push_back(step::RegToFrame{reg_bytes(p), off});
      }
    }
  }

  // The fentry or fexit list; ctx[-1] is `meta` with the cookie index of
  // each fsession program written before its half runs: the k-th of n has
  // ctx[-(2 + n - k)] (cookie_off + 8k), as the kernel's JITs count down.
  void call_list(const std::vector<Program*>& list, uint64_t meta) {
    uint32_t k = 0;
    for (Program* p : list) {
      if (p->kind == ProgKind::fsession) {
        const uint64_t index = session_cookie_index(k++, plan_.cookies);
        imm(plan_.ip_off + 8, meta | index << kFuncMetaCookieIndexShift);
      }
      call(p, /*fmod_ret=*/false);
    }
  }

  void call(Program* p, bool fmod_ret) {
    plan_.steps.push_back(
        step::CallProgram{p, fmod_ret ? std::optional<int32_t>(ret_off()) : std::nullopt});
  }

  void restore_arguments() {
    for (const SavedReg& r : plan_.saved) plan_.steps.push_back(step::RestoreReg{r});
  }

  void call_original() {
    restore_arguments();
    if (L_.stack_size > 0)
      plan_.steps.push_back(
          step::CopyStackArgs{t_.stack_args_base + t_.entry_extra, {out_args_off_, L_.stack_size}});
    plan_.steps.push_back(step::CallOriginal{req_.orig_addr});

    // No fexit or fmod_ret program: nothing reads the return slots, and the
    // value stays in its registers until the return (nothing in between
    // touches them: the in-flight decrement uses scratch registers only).
    if (!ret_through_ctx()) return;
    const RetLayout& r = L_.ret;
    const int32_t ro = ret_off();
    if (r.kind == RetLayout::Kind::void_) {
      zero(ro);
    } else if (r.kind == RetLayout::Kind::regs) {
      if (r.size % 8 != 0) zero(ro + static_cast<int32_t>(8 * (plan_.ret_slots - 1)));
      for (const ArgPart& p : r.parts)
        plan_.steps.push_back(
            step::RegToFrame{reg_bytes(p), ret_value_off() + static_cast<int32_t>(p.arg_offset)});
    } else {
      // Memory: the value is in the caller's buffer; ctx gets a copy.
      if (r.size % 8 != 0) zero(ro + static_cast<int32_t>(8 * (plan_.ret_slots - 1)));
      plan_.steps.push_back(
          step::SavedPtrToFrame{saved_for(plan_.saved, r.buffer).off, {ro, r.size}});
    }
  }

  // Whether the return value goes through its ctx slots: fexit programs read
  // it, fmod_ret programs may replace it.
  bool ret_through_ctx() const {
    return !req_.programs.fexit.empty() || !req_.programs.fmod_ret.empty();
  }

  void load_return() {
    const RetLayout& r = L_.ret;
    if (r.kind == RetLayout::Kind::regs && ret_through_ctx()) {
      for (const ArgPart& p : r.parts)
        plan_.steps.push_back(step::FrameToReg{ret_value_off() + static_cast<int32_t>(p.arg_offset),
                                               reg_bytes(p), r.ext});
    } else if (r.kind == RetLayout::Kind::memory && t_.ret_buffer_result_gpr >= 0) {
      plan_.steps.push_back(step::SavedPtrToReg{saved_for(plan_.saved, r.buffer).off,
                                                static_cast<uint16_t>(t_.ret_buffer_result_gpr)});
    }
  }

  const PlanRequest& req_;
  const EmitterTraits& t_;
  const CallLayout& L_;
  TrampolinePlan plan_;
  int32_t out_args_off_ = 0;
};

}  // namespace

TrampolinePlan plan_trampoline(const PlanRequest& req, const EmitterTraits& traits) {
  if (req.model == nullptr || req.layout == nullptr)
    throw Error(Errc::bad_request, "plan_trampoline: no model or layout");
  if (req.layout->args.size() != req.model->args.size())
    throw Error(Errc::bad_request, "plan_trampoline: layout and model of " + req.model->name +
                                       " disagree on the argument count");
  return Planner(req, traits).run();
}

}  // namespace xtramp
