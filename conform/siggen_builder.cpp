#include "conform/siggen_builder.hpp"

namespace xtramp::conform::detail {

std::string SigBuilder::next_name(const char* prefix) {
  return prefix + std::to_string(index_) + "_" + std::to_string(next_++);
}

TypeRef SigBuilder::define(const Aggregate& a) {
  const std::string spelling =
      a.is_union() ? "union " + next_name("gu") : "struct " + next_name("gs");
  defs_ += a.definition(spelling);
  return a.as_type(spelling);
}

TypeRef SigBuilder::define_enum(bool wide) {
  const std::string tag = next_name("ge");
  const uint32_t n = rng_.range(1, 4);
  std::string def = "enum " + tag + " { ";
  for (uint32_t k = 0; k < n; k++) {
    // Negative values keep a signed underlying type; 0x100000000 widens it.
    static const char* const kValues[] = {"0", "1", "-1", "7", "0x7fffffff", "-2147483647"};
    const bool last = k + 1 == n;
    const char* value = wide && last ? "0x100000000" : kValues[rng_.below(6)];
    def += tag + "_" + std::to_string(k) + " = " + value + (last ? " " : ", ");
  }
  def += "};\n";
  defs_ += def;
  const uint32_t size = wide ? 8 : 4;
  TypeRef t = scalar("", size, size, Kind::enumeration);
  t.spelling = "enum " + tag;
  return t;
}

TypeRef SigBuilder::define_function_pointer() {
  const std::string name = next_name("gf");
  const std::vector<TypeRef>& ints = integer_types();
  static const char* const kRet[] = {"void", "int", "long", "double", "void *"};
  std::string def = std::string("typedef ") + kRet[rng_.below(5)] + " (*" + name + ")(";
  const uint32_t n = rng_.below(4);
  for (uint32_t k = 0; k < n; k++) {
    const TypeRef& p = rng_.chance(1, 4) ? rng_.pick(float_types()) : rng_.pick(ints);
    def += (k ? ", " : "") + p.spelling;
  }
  def += n == 0 ? "void);\n" : ");\n";
  defs_ += def;
  TypeRef t = scalar("", 8, 8, Kind::pointer);
  t.spelling = name;
  return t;
}

TypeRef SigBuilder::define_vector() {
  const std::string name = next_name("gv");
  static const char* const kElems[] = {"float", "double", "int", "unsigned char", "short", "long"};
  const uint32_t size = 8u << rng_.below(3);
  // double and long make at most one element of an 8-byte vector: 16 or 32 only.
  const char* elem = kElems[rng_.below(size == 8 ? 5 : 6)];
  if (size == 8 && std::string(elem) == "double") elem = "float";
  defs_ += std::string("typedef ") + elem + " " + name + " __attribute__((vector_size(" +
           std::to_string(size) + ")));\n";
  TypeRef t = scalar("", size, size, Kind::vector);
  t.spelling = name;
  return t;
}

std::string SigBuilder::render(const std::string& name) const {
  std::string decl = declarator(ret_, name) + "(";
  const size_t n = params_.size() < kMaxArgs ? params_.size() : kMaxArgs;
  for (size_t k = 0; k < n; k++) {
    decl += (k ? ", " : "") + declarator(params_[k], "a" + std::to_string(k));
  }
  decl += n == 0 ? "void);\n" : ");\n";
  return defs_ + decl;
}

}  // namespace xtramp::conform::detail
