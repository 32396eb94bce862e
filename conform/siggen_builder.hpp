// One generated signature under construction: its PRNG, the file-scope type
// definitions it needs (in definition order, each named after the case index
// so that names are unique in a source and independent of `count`), its
// parameters and its return type.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "conform/siggen_rng.hpp"
#include "conform/siggen_types.hpp"

namespace xtramp::conform::detail {

inline constexpr uint32_t kMaxArgs = 20;

class SigBuilder {
 public:
  SigBuilder(uint64_t seed, uint32_t index) : rng_(Rng::for_case(seed, index)), index_(index) {}

  Rng& rng() { return rng_; }

  // Emits `struct gs<i>_<k>` / `union gu<i>_<k>` and returns its type.
  TypeRef define(const Aggregate& a);
  // `enum ge<i>_<k>`: 4 bytes, or 8 bytes (an enumerator above INT_MAX makes
  // GCC pick unsigned long as the underlying type on all three targets).
  TypeRef define_enum(bool wide);
  // `typedef R (*gf<i>_<k>)(...)` with 0-3 scalar parameters.
  TypeRef define_function_pointer();
  // `typedef E gv<i>_<k> __attribute__((vector_size(N)))`, N = 8, 16 or 32, E
  // an integer or floating element type (a typedef: GCC 12's -aux-info
  // crashes on a vector type spelled in a prototype).
  TypeRef define_vector();

  void param(const TypeRef& t) { params_.push_back(t); }
  void set_return(const TypeRef& t) { ret_ = t; }
  size_t param_count() const { return params_.size(); }

  // The definitions and the one-line declaration of `name`; parameters
  // beyond kMaxArgs are dropped.
  std::string render(const std::string& name) const;

 private:
  std::string next_name(const char* prefix);

  Rng rng_;
  uint32_t index_;
  uint32_t next_ = 0;
  std::string defs_;
  std::vector<TypeRef> params_;
  TypeRef ret_ = void_type();
};

}  // namespace xtramp::conform::detail
