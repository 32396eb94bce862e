#include "conform/siggen_types.hpp"

#include <algorithm>

namespace xtramp::conform::detail {

namespace {

uint32_t round_up(uint32_t v, uint32_t a) {
  return (v + a - 1) / a * a;
}

}  // namespace

TypeRef scalar(const char* spelling, uint32_t size, uint32_t align, Kind kind) {
  TypeRef t;
  t.spelling = spelling;
  t.size = size;
  t.align = align;
  t.kind = kind;
  return t;
}

const std::vector<TypeRef>& integer_types() {
  static const std::vector<TypeRef> v = {
      scalar("char", 1, 1, Kind::integer),
      scalar("signed char", 1, 1, Kind::integer),
      scalar("unsigned char", 1, 1, Kind::integer),
      scalar("short", 2, 2, Kind::integer),
      scalar("unsigned short", 2, 2, Kind::integer),
      scalar("int", 4, 4, Kind::integer),
      scalar("unsigned int", 4, 4, Kind::integer),
      scalar("long", 8, 8, Kind::integer),
      scalar("unsigned long", 8, 8, Kind::integer),
      scalar("long long", 8, 8, Kind::integer),
      scalar("unsigned long long", 8, 8, Kind::integer),
  };
  return v;
}

const std::vector<TypeRef>& float_types() {
  static const std::vector<TypeRef> v = {scalar("float", 4, 4, Kind::floating),
                                         scalar("double", 8, 8, Kind::floating)};
  return v;
}

const std::vector<TypeRef>& pointer_types() {
  static const std::vector<TypeRef> v = {
      scalar("void *", 8, 8, Kind::pointer),          scalar("int *", 8, 8, Kind::pointer),
      scalar("const char *", 8, 8, Kind::pointer),    scalar("double *", 8, 8, Kind::pointer),
      scalar("unsigned long *", 8, 8, Kind::pointer),
  };
  return v;
}

// alignof is 16 on x86-64 and arm64, 8 on s390x: the bound is 16.
const std::vector<TypeRef>& int128_types() {
  static const std::vector<TypeRef> v = {scalar("__int128", 16, 16, Kind::int128),
                                         scalar("unsigned __int128", 16, 16, Kind::int128)};
  return v;
}

const std::vector<TypeRef>& complex_types() {
  static const std::vector<TypeRef> v = {scalar("_Complex float", 8, 4, Kind::complex),
                                         scalar("_Complex double", 16, 8, Kind::complex),
                                         scalar("_Complex long double", 32, 16, Kind::complex)};
  return v;
}

TypeRef void_type() {
  return scalar("void", 0, 1, Kind::integer);
}

TypeRef bool_type() {
  return scalar("_Bool", 1, 1, Kind::boolean);
}

TypeRef long_double_type() {
  return scalar("long double", 16, 16, Kind::long_double);
}

TypeRef pointer_to(const TypeRef& t) {
  TypeRef p = scalar("", 8, 8, Kind::pointer);
  p.spelling = t.spelling + " *";
  return p;
}

std::string declarator(const TypeRef& t, const std::string& name) {
  if (!t.spelling.empty() && t.spelling.back() == '*') return t.spelling + name;
  return t.spelling + " " + name;
}

void Aggregate::add(const Member& m) {
  members_.push_back(m);
}

bool Aggregate::fits(const Member& m, uint32_t limit) const {
  Aggregate copy = *this;
  copy.add(m);
  return copy.layout().size <= limit;
}

bool Aggregate::empty_of_named() const {
  return std::none_of(members_.begin(), members_.end(),
                      [](const Member& m) { return m.named && m.bits != 0; });
}

Aggregate::Layout Aggregate::layout() const {
  Layout l;
  for (const Member& m : members_) {
    if (m.bits >= 0) {  // bit-field of an integer type: align == size
      const uint32_t unit = m.type.size;
      l.align = std::max(l.align, packed_ ? 1u : unit);
      if (is_union_) {
        l.end = std::max(l.end, unit);
      } else {
        l.end = round_up(l.end, unit) + (m.bits > 0 ? unit : 0);
      }
      continue;
    }
    uint32_t a = packed_ ? 1 : m.type.align;
    a = std::max(a, m.align_attr);
    const uint32_t size = m.type.size * std::max(m.count, 1u);
    l.end = is_union_ ? std::max(l.end, size) : round_up(l.end, a) + size;
    l.align = std::max(l.align, a);
  }
  l.align = std::max(l.align, align_attr_);
  l.size = round_up(std::max(l.end, 1u), l.align);
  return l;
}

TypeRef Aggregate::as_type(const std::string& spelling) const {
  const Layout l = layout();
  TypeRef t = scalar("", l.size, l.align, Kind::aggregate);
  t.spelling = spelling;
  t.user_aligned = align_attr_ > 0;
  for (const Member& m : members_) {
    t.user_aligned = t.user_aligned || m.align_attr > 0 || m.type.user_aligned;
  }
  return t;
}

std::string Aggregate::definition(const std::string& spelling) const {
  std::string out = spelling + " {\n";
  uint32_t k = 0;
  for (const Member& m : members_) {
    out += "  ";
    if (m.named) {
      std::string name = "m" + std::to_string(k++);
      if (m.count > 0) name += "[" + std::to_string(m.count) + "]";
      out += declarator(m.type, name);
    } else {
      out += m.type.spelling;
    }
    if (m.bits >= 0) out += " : " + std::to_string(m.bits);
    if (m.align_attr > 0) out += " __attribute__((aligned(" + std::to_string(m.align_attr) + ")))";
    out += ";\n";
  }
  out += "}";
  if (packed_ && align_attr_ > 0) {
    out += " __attribute__((packed, aligned(" + std::to_string(align_attr_) + ")))";
  } else if (packed_) {
    out += " __attribute__((packed))";
  } else if (align_attr_ > 0) {
    out += " __attribute__((aligned(" + std::to_string(align_attr_) + ")))";
  }
  out += ";\n";
  return out;
}

}  // namespace xtramp::conform::detail
