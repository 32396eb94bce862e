// The peer (BM_LibffiClosure, xtramp-icount's "libffi"): a libffi closure with
// the signature `long f(long x n)` that does an fentry trampoline's work:
// collects the arguments into a ctx, calls the program through a pointer, and
// calls the original with ffi_call. Shared so that the time and the
// instruction counts measure the same code.
#pragma once

#include <ffi.h>

#include <array>
#include <cstdint>
#include <string>

#include "bench/hooked_work.hpp"

namespace xtramp::bench {

class FfiHook {
 public:
  static constexpr unsigned kMaxArgs = 12;

  // Builds the closure for `orig` with `n` long arguments; error() says why
  // not, and code() is null then.
  FfiHook(const void* orig, unsigned n) : orig_(orig), n_(n) {
    types_.fill(&ffi_type_slong);
    if (n > kMaxArgs) {
      error_ = "at most 12 arguments";
      return;
    }
    if (ffi_prep_cif(&cif_, FFI_DEFAULT_ABI, n, &ffi_type_slong, types_.data()) != FFI_OK) {
      error_ = "ffi_prep_cif failed";
      return;
    }
    void* code = nullptr;
    closure_ = static_cast<ffi_closure*>(ffi_closure_alloc(sizeof(ffi_closure), &code));
    if (closure_ == nullptr ||
        ffi_prep_closure_loc(closure_, &cif_, handler, this, code) != FFI_OK) {
      error_ = "libffi closure allocation failed";
      return;
    }
    code_ = code;
  }
  ~FfiHook() {
    if (closure_ != nullptr) ffi_closure_free(closure_);
  }
  FfiHook(const FfiHook&) = delete;
  FfiHook& operator=(const FfiHook&) = delete;

  const void* code() const { return code_; }
  const std::string& error() const { return error_; }

 private:
  static void handler(ffi_cif* cif, void* ret, void** args, void* user) {
    auto* h = static_cast<FfiHook*>(user);
    uint64_t ctx[2 + kMaxArgs + 1];
    ctx[0] = reinterpret_cast<uint64_t>(h->orig_);
    ctx[1] = h->n_;
    for (unsigned i = 0; i < h->n_; ++i) ctx[2 + i] = *static_cast<uint64_t*>(args[i]);
    g_prog(ctx + 2, nullptr);
    ffi_call(cif, FFI_FN(const_cast<void*>(h->orig_)), ret, args);
    ctx[2 + h->n_] = *static_cast<uint64_t*>(ret);
    asm volatile("" : : "m"(ctx) : "memory");  // keeps the ctx stores
  }

  ffi_cif cif_{};
  std::array<ffi_type*, kMaxArgs> types_{};
  ffi_closure* closure_ = nullptr;
  const void* code_ = nullptr;
  const void* orig_;
  unsigned n_;
  std::string error_;
};

}  // namespace xtramp::bench
