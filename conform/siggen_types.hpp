// The generator's model of C types: a spelling plus upper bounds of sizeof and
// alignof over x86-64, arm64 and s390x (the three differ only in the alignment
// of __int128 and long double: 16 on x86-64/arm64, 8 on s390x), and a
// struct/union under construction whose bounded layout decides whether one
// more member still keeps it within 40 bytes on every architecture.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace xtramp::conform::detail {

inline constexpr uint32_t kMaxAggregate = 40;  // bytes, on every architecture

enum class Kind : uint8_t {
  integer,      // char .. unsigned long long (no _Bool)
  boolean,      // _Bool: top-level arguments and returns only
  floating,     // float, double
  long_double,  // 16 bytes everywhere; x87 / quad / IEEE extended
  complex,      // _Complex float / double / long double: two parts of the base type
  vector,       // a GCC vector typedef (vector_size 8, 16, 32): arguments and returns only
  int128,       // __int128, unsigned __int128
  pointer,      // data and function pointers
  enumeration,  // enum ge<i>_<k>
  aggregate,    // struct gs<i>_<k>, union gu<i>_<k>
};

struct TypeRef {
  std::string spelling;  // "unsigned short", "struct gs3_0", "int *", "gf3_1"
  uint32_t size = 0;     // max sizeof over the three architectures
  uint32_t align = 0;    // max alignof over the three architectures
  Kind kind = Kind::integer;
  // An aligned(N) attribute somewhere inside: never put in a packed aggregate
  // (GCC's -Wpacked-not-aligned, part of -Wall).
  bool user_aligned = false;
};

TypeRef scalar(const char* spelling, uint32_t size, uint32_t align, Kind kind);

// char, signed char, unsigned char, short, unsigned short, int, unsigned int,
// long, unsigned long, long long, unsigned long long.
const std::vector<TypeRef>& integer_types();
const std::vector<TypeRef>& float_types();    // float, double
const std::vector<TypeRef>& pointer_types();  // void *, int *, const char *, ...
const std::vector<TypeRef>& int128_types();   // __int128, unsigned __int128
// _Complex float, _Complex double, _Complex long double (the last 8-aligned on s390x).
const std::vector<TypeRef>& complex_types();
TypeRef void_type();  // for returns
TypeRef bool_type();
TypeRef long_double_type();
TypeRef pointer_to(const TypeRef& t);
// "T name" (no space after a trailing '*').
std::string declarator(const TypeRef& t, const std::string& name);

struct Member {
  TypeRef type;
  uint32_t count = 0;       // > 0: an array of `count` elements
  int bits = -1;            // >= 0: a bit-field of that width
  bool named = true;        // false: an unnamed bit-field (`int : 0;`, `int : 3;`)
  uint32_t align_attr = 0;  // > 0: __attribute__((aligned(align_attr))) on the member
};

class Aggregate {
 public:
  explicit Aggregate(bool is_union = false) : is_union_(is_union) {}

  void set_packed() { packed_ = true; }
  void set_align_attr(uint32_t n) { align_attr_ = n; }
  bool is_union() const { return is_union_; }
  bool packed() const { return packed_; }

  void add(const Member& m);
  // Whether `m` can be added and the aggregate stays within `limit` bytes.
  bool fits(const Member& m, uint32_t limit = kMaxAggregate) const;
  size_t member_count() const { return members_.size(); }
  bool empty_of_named() const;

  // Upper bounds over the three architectures. A bit-field of type T is
  // counted as a whole T at the next T-aligned offset (GCC's bit-field
  // placement never ends later), a zero-width one as alignment to T.
  struct Layout {
    uint32_t end = 0;  // offset after the last member
    uint32_t size = 0;
    uint32_t align = 1;
  };
  Layout layout() const;
  TypeRef as_type(const std::string& spelling) const;
  // "struct gs1_0 {\n  int m0;\n} __attribute__((packed));\n"
  std::string definition(const std::string& spelling) const;

 private:
  bool is_union_;
  bool packed_ = false;
  uint32_t align_attr_ = 0;
  std::vector<Member> members_;
};

}  // namespace xtramp::conform::detail
