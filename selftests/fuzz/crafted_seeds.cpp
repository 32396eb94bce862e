// Hand-built raw BTF, each seed one way a type graph can be wrong (or right).
#include "raw_btf.hpp"
#include "seeds.hpp"

namespace xtramp::fuzz {
namespace {

struct Base {
  RawBtfBuilder b;
  uint32_t int_t = b.int_("int", 4, 32, true);
  uint32_t long_t = b.int_("long", 8, 64, true);
  uint32_t char_t = b.int_("char", 1, 8, true);
};

// f(arg) returning int, named after the seed.
void one_func(Base& s, const std::string& name, uint32_t arg_type) {
  s.b.func(name, s.b.func_proto(s.int_t, {{"a", arg_type, 0}}));
}

Seed seed(const std::string& name, const RawBtfBuilder& b, bool big_endian = false) {
  return Seed{name, b.bytes(big_endian)};
}

Seed valid_basic(bool big_endian) {
  Base s;
  const uint32_t pair =
      s.b.aggregate(kStruct, "pair", 16, {{"a", s.long_t, 0}, {"b", s.long_t, 64}});
  const uint32_t dbl = s.b.float_("double", 8);
  const uint32_t p = s.b.ptr(pair);
  s.b.func(
      "valid_f",
      s.b.func_proto(s.int_t, {{"x", s.int_t, 0}, {"p", pair, 0}, {"d", dbl, 0}, {"q", p, 0}}));
  s.b.func("valid_void", s.b.func_proto(0, {}));
  s.b.func("valid_varargs", s.b.func_proto(s.int_t, {{"n", s.int_t, 0}, {"", 0, 0}}));
  return seed(big_endian ? "valid_basic_be" : "valid_basic", s.b, big_endian);
}

Seed typedef_cycle() {
  Base s;
  const uint32_t id = s.b.next_id();
  s.b.modifier(kTypedef, id, "loop_t");
  one_func(s, "typedef_cycle", id);
  return seed("typedef_cycle", s.b);
}

Seed modifier_cycle() {
  Base s;
  const uint32_t first = s.b.next_id();
  s.b.modifier(kConst, first + 1);
  s.b.modifier(kVolatile, first + 2);
  s.b.modifier(kTypeTag, first, "tag");
  one_func(s, "modifier_cycle", first);
  s.b.func("modifier_cycle_ret", s.b.func_proto(first + 1, {}));
  return seed("modifier_cycle", s.b);
}

Seed aggregate_cycles() {
  Base s;
  const uint32_t self = s.b.next_id();
  s.b.aggregate(kStruct, "self", 8, {{"s", self, 0}});
  const uint32_t a = s.b.next_id();
  s.b.aggregate(kStruct, "a", 8, {{"b", a + 1, 0}});
  s.b.aggregate(kUnion, "b", 8, {{"a", a, 0}});
  const uint32_t arr = s.b.next_id();
  s.b.array(arr, 2);
  const uint32_t holder = s.b.aggregate(kStruct, "holder", 16, {{"arr", arr, 0}});
  one_func(s, "struct_self", self);
  one_func(s, "struct_mutual", a);
  one_func(s, "array_self", holder);
  return seed("aggregate_cycles", s.b);
}

Seed huge_arrays() {
  Base s;
  const uint32_t big = s.b.array(s.int_t, 0xffffffffu);
  const uint32_t st = s.b.aggregate(kStruct, "huge", 16, {{"a", big, 0}});
  const uint32_t a1 = s.b.array(s.long_t, 65536);
  const uint32_t a2 = s.b.array(a1, 65536);
  const uint32_t a3 = s.b.array(a2, 65536);
  const uint32_t st3 = s.b.aggregate(kStruct, "cube", 8, {{"c", a3, 0}});
  const uint32_t flex = s.b.array(s.char_t, 0);
  const uint32_t fl = s.b.aggregate(kStruct, "flex", 4, {{"n", s.int_t, 0}, {"data", flex, 32}});
  const uint32_t empty = s.b.aggregate(kStruct, "empty", 0, {});
  one_func(s, "huge_array", st);
  one_func(s, "cube_array", st3);
  one_func(s, "flex_array", fl);
  one_func(s, "empty_struct", empty);
  one_func(s, "bare_huge_array", big);
  return seed("huge_arrays", s.b);
}

Seed deep_nesting(uint32_t depth) {
  Base s;
  uint32_t t = s.b.aggregate(kStruct, "leaf", 4, {{"x", s.int_t, 0}});
  for (uint32_t i = 0; i < depth; ++i) t = s.b.aggregate(kStruct, "", 4, {{"m", t, 0}});
  one_func(s, "deep_struct", t);
  uint32_t td = s.int_t;
  for (uint32_t i = 0; i < depth * 4; ++i) td = s.b.modifier(i % 2 ? kConst : kTypedef, td, "t");
  one_func(s, "deep_typedef", td);
  uint32_t arr = s.int_t;
  for (uint32_t i = 0; i < depth; ++i) arr = s.b.array(arr, 1);
  one_func(s, "deep_array", s.b.aggregate(kStruct, "arrs", 4, {{"a", arr, 0}}));
  return seed("deep_nesting_" + std::to_string(depth), s.b);
}

Seed dangling_ids() {
  Base s;
  const uint32_t bad = 0x7fffffff;
  s.b.func("dangling_arg", s.b.func_proto(s.int_t, {{"a", bad, 0}}));
  s.b.func("dangling_ret", s.b.func_proto(0x12345678, {}));
  s.b.func("dangling_proto", 0xfffffff0);
  one_func(s, "dangling_member", s.b.aggregate(kStruct, "dm", 8, {{"m", bad, 0}}));
  one_func(s, "dangling_typedef", s.b.modifier(kTypedef, bad, "dt"));
  one_func(s, "dangling_array", s.b.aggregate(kStruct, "da", 8, {{"m", s.b.array(bad, 2), 0}}));
  one_func(s, "dangling_ptr", s.b.ptr(bad));
  return seed("dangling_ids", s.b);
}

Seed funcs_not_protos() {
  Base s;
  s.b.func("func_to_int", s.int_t);
  const uint32_t self = s.b.next_id();
  s.b.func("func_to_self", self);
  const uint32_t f = s.b.func("func_target", s.b.func_proto(0, {}));
  s.b.func("func_to_func", f);
  s.b.func("func_to_void", 0);
  s.b.func("", s.b.func_proto(s.int_t, {{"", s.int_t, 0}}));  // no name at all
  return seed("funcs_not_protos", s.b);
}

Seed odd_argument_kinds() {
  Base s;
  const uint32_t fwd = s.b.add(kFwd, "incomplete", 0, false, 0);
  const uint32_t proto = s.b.func_proto(s.int_t, {});
  const uint32_t var = s.b.add(kVar, "v", 0, false, s.int_t, {1});
  const uint32_t sec = s.b.add(kDatasec, ".data", 1, false, 8, {var, 0, 4});
  const uint32_t fn = s.b.func("odd_target", proto);
  const uint32_t tag = s.b.add(kDeclTag, "tag", 0, false, fn, {0xffffffff});
  s.b.func("odd_kinds", s.b.func_proto(s.int_t, {{"fwd", fwd, 0},
                                                 {"proto", proto, 0},
                                                 {"var", var, 0},
                                                 {"sec", sec, 0},
                                                 {"fn", fn, 0},
                                                 {"tag", tag, 0}}));
  s.b.func("void_middle",
           s.b.func_proto(s.int_t, {{"a", s.int_t, 0}, {"", 0, 0}, {"b", s.int_t, 0}}));
  s.b.func("void_only", s.b.func_proto(s.int_t, {{"", 0, 0}}));
  s.b.func("ret_fwd", s.b.func_proto(fwd, {}));
  s.b.func("ret_proto", s.b.func_proto(proto, {}));
  s.b.func("ret_array", s.b.func_proto(s.b.array(s.int_t, 4), {}));
  return seed("odd_argument_kinds", s.b);
}

Seed many_params(uint32_t n) {
  Base s;
  std::vector<Member> params(n, Member{"p", s.long_t, 0});
  s.b.func("many_params", s.b.func_proto(s.int_t, params));
  return seed("many_params_" + std::to_string(n), s.b);
}

Seed odd_scalars() {
  Base s;
  std::vector<Member> params;
  for (uint32_t size : {0u, 3u, 5u, 7u, 16u, 32u, 255u, 0xffffffffu}) {
    params.push_back({"i", s.b.int_("odd_int", size, size * 8 & 0xff, true), 0});
  }
  params.push_back({"bits0", s.b.int_("zero_bits", 4, 0, false), 0});
  params.push_back({"bits_wide", s.b.add(kInt, "wide_bits", 0, false, 4, {0x0f0000ff}), 0});
  for (uint32_t size : {0u, 1u, 2u, 3u, 12u, 16u, 32u}) {
    params.push_back({"f", s.b.float_("odd_float", size), 0});
  }
  for (uint32_t size : {0u, 1u, 3u, 16u})
    params.push_back({"e", s.b.enum_("odd_enum", size, 2), 0});
  params.push_back({"e64", s.b.add(kEnum64, "e64", 1, true, 8, {0, 1, 2}), 0});
  params.push_back({"e0", s.b.enum_("no_values", 4, 0), 0});
  for (const Member& p : params) one_func(s, "scalar_" + std::to_string(s.b.next_id()), p.type);
  s.b.func("all_odd_scalars", s.b.func_proto(s.int_t, params));
  return seed("odd_scalars", s.b);
}

Seed odd_aggregates() {
  Base s;
  std::vector<uint32_t> types{
      s.b.aggregate(kStruct, "zero", 0, {{"x", s.int_t, 0}}),
      s.b.aggregate(kStruct, "max", 0xffffffffu, {{"x", s.int_t, 0}}),
      s.b.aggregate(kStruct, "beyond", 8, {{"x", s.int_t, 0xfffffff0u}}),
      s.b.aggregate(kStruct, "unaligned_bits", 8, {{"x", s.long_t, 3}}),
      s.b.aggregate(kStruct, "bitfield", 8, {{"x", s.int_t, 255u << 24 | 0xffffff}}, true),
      s.b.aggregate(kStruct, "bitfield0", 8, {{"x", s.int_t, 0}, {"", s.int_t, 0}}, true),
      s.b.aggregate(kUnion, "empty_union", 16, {}),
      s.b.aggregate(kStruct, "void_member", 8, {{"v", 0, 0}}),
      s.b.aggregate(kUnion, "overlap", 4, {{"a", s.long_t, 0}, {"b", s.char_t, 0}}),
  };
  std::vector<Member> many;
  for (uint32_t i = 0; i < 4000; ++i) many.push_back({"c", s.char_t, 8 * (i % 64)});
  types.push_back(s.b.aggregate(kStruct, "many_members", 64, many));
  const uint32_t i128 = s.b.int_("__int128", 16, 128, true);
  types.push_back(s.b.aggregate(kStruct, "wide", 16, {{"v", i128, 0}}));
  types.push_back(s.b.aggregate(kStruct, "wide_packed", 17, {{"c", s.char_t, 0}, {"v", i128, 8}}));
  for (uint32_t t : types) one_func(s, "aggregate_" + std::to_string(t), t);
  std::vector<Member> params;
  for (uint32_t t : types) params.push_back({"", t, 0});
  s.b.func("all_odd_aggregates", s.b.func_proto(types[0], params));
  return seed("odd_aggregates", s.b);
}

}  // namespace

std::vector<Seed> crafted_seeds() {
  return {valid_basic(false), valid_basic(true),  typedef_cycle(),      modifier_cycle(),
          aggregate_cycles(), huge_arrays(),      deep_nesting(4),      deep_nesting(20000),
          dangling_ids(),     funcs_not_protos(), odd_argument_kinds(), many_params(13),
          many_params(65535), odd_scalars(),      odd_aggregates()};
}

}  // namespace xtramp::fuzz
