// kernel_view() against the kernel's rules, without the kernel: prototypes
// compiled by GCC (distill_corpus.c, `gcc -gbtf -O1 -c`) and prototypes built
// directly as BTF (for what C cannot express or GCC does not emit).
//
// Every expected value below is derived by hand from kernel/bpf/btf.c
// (v6.18, after the union patch ccb4f5d91ec4):
//
//   btf_distill_func_proto(): in this order
//     1. nargs = vlen(func_proto) > MAX_BPF_FUNC_ARGS (12)
//          -> "The function %s has %d arguments. Too many."
//        (a trailing "..." is a parameter of type 0 and counts)
//     2. ret = __get_type_size(ret type); ret < 0 || btf_type_is_struct(t)
//          -> "The function %s return type %s is unsupported."
//        m->ret_size = ret; m->ret_flags = __get_type_fmodel_flags(t)
//     3. for each arg i, in order:
//          i == nargs-1 && type == 0 -> "The function %s with variable args is unsupported."
//          ret = __get_type_size(); ret < 0 || ret > 16
//                                    -> "The function %s arg%d type %s is unsupported."
//          ret == 0                  -> "The function %s has malformed void argument."
//          arg_size[i] = ret; arg_flags[i] = __get_type_fmodel_flags(t)
//     4. nr_args = nargs
//   __get_type_size(): id 0 -> 0 (t = btf_void); skip TYPEDEF, VOLATILE,
//     CONST, RESTRICT, TYPE_TAG; PTR -> sizeof(void *) = 8; INT, ENUM, ENUM64,
//     STRUCT, UNION -> t->size; anything else (FLOAT, ARRAY, FWD, FUNC_PROTO,
//     void reached through a typedef/const) -> -EINVAL.
//   __get_type_fmodel_flags(): STRUCT_ARG (1) for STRUCT or UNION; SIGNED_ARG
//     (2) for an INT whose encoding has BTF_INT_SIGNED (never for enums, even
//     signed ones; not for _Bool, whose encoding is BTF_INT_BOOL).
//   %s of a type is btf_type_str(t) = btf_kind_str[kind]: "UNKNOWN" (kind 0,
//     the kernel's btf_void), "INT", "PTR", "ARRAY", "STRUCT", "UNION",
//     "ENUM", "FWD", ..., "FUNC_PROTO", ..., "FLOAT", ..., "ENUM64".
//
// arg_largest_member_size[] (not in the kernel: the 2025 RFC's field, with the
// project's definition from func_model.hpp): the largest scalar reached
// through nested structs, unions and arrays; the scalar's own size for a
// non-aggregate.
#include <bpf/btf.h>
#include <gtest/gtest.h>

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "btf/btf_file.hpp"
#include "common/func_model.hpp"

#ifndef XTRAMP_DISTILL_CORPUS
#error "XTRAMP_DISTILL_CORPUS (path of distill_corpus.o) must be defined by the build"
#endif

namespace xtramp {
namespace {

constexpr uint8_t S = kFmodelStructArg;  // 1
constexpr uint8_t I = kFmodelSignedArg;  // 2

struct Accept {
  std::vector<uint8_t> size, flags, largest;
  uint8_t ret_size, ret_flags;
};

void expect_accepted(const KernelView& v, const std::string& fn, const Accept& e) {
  SCOPED_TRACE(fn);
  ASSERT_TRUE(v.accepted) << "kernel_view rejected it: " << v.message;
  EXPECT_EQ(v.message, "");
  ASSERT_EQ(e.size.size(), e.flags.size());
  ASSERT_EQ(e.size.size(), e.largest.size());
  EXPECT_EQ(int{v.nr_args}, static_cast<int>(e.size.size()));
  EXPECT_EQ(int{v.ret_size}, int{e.ret_size});
  EXPECT_EQ(int{v.ret_flags}, int{e.ret_flags});
  for (size_t i = 0; i < kMaxBpfFuncArgs; ++i) {
    const bool used = i < e.size.size();
    EXPECT_EQ(int{v.arg_size[i]}, used ? int{e.size[i]} : 0) << "arg_size[" << i << "]";
    EXPECT_EQ(int{v.arg_flags[i]}, used ? int{e.flags[i]} : 0) << "arg_flags[" << i << "]";
    EXPECT_EQ(int{v.arg_largest_member_size[i]}, used ? int{e.largest[i]} : 0)
        << "arg_largest_member_size[" << i << "]";
  }
}

void expect_rejected(const KernelView& v, const std::string& fn, const std::string& message) {
  SCOPED_TRACE(fn);
  EXPECT_FALSE(v.accepted);
  EXPECT_EQ(v.message, message);
}

// ---------------------------------------------------------------------------
// GCC-compiled prototypes

class KernelViewCorpus : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    btf::OpenOptions o;
    o.path = XTRAMP_DISTILL_CORPUS;
    file_ = std::make_unique<btf::BtfFile>(btf::BtfFile::open(o));
  }
  static void TearDownTestSuite() { file_.reset(); }
  static KernelView view(const std::string& fn) {
    return file_->kernel_view(file_->find_function(fn));
  }
  static std::unique_ptr<btf::BtfFile> file_;
};
std::unique_ptr<btf::BtfFile> KernelViewCorpus::file_;

TEST_F(KernelViewCorpus, ArgumentCount) {
  expect_accepted(view("fn_12_args"), "fn_12_args",
                  {{4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 8},
                   {I, I, I, I, I, I, I, I, I, I, I, I},
                   {4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 8},
                   4,
                   I});
  expect_rejected(view("fn_13_args"), "fn_13_args",
                  "The function fn_13_args has 13 arguments. Too many.");
  // 12 named parameters + "...": BTF has 13 parameters, the count check comes first.
  expect_rejected(view("fn_12_args_va"), "fn_12_args_va",
                  "The function fn_12_args_va has 13 arguments. Too many.");
  // The count check also precedes the return-type check.
  expect_rejected(view("fn_13_args_struct_ret"), "fn_13_args_struct_ret",
                  "The function fn_13_args_struct_ret has 13 arguments. Too many.");
  expect_accepted(view("fn_void_params"), "fn_void_params", {{}, {}, {}, 4, I});
}

TEST_F(KernelViewCorpus, Varargs) {
  expect_rejected(view("fn_varargs"), "fn_varargs",
                  "The function fn_varargs with variable args is unsupported.");
  expect_rejected(view("fn_11_args_va"), "fn_11_args_va",
                  "The function fn_11_args_va with variable args is unsupported.");
  // The loop meets the unsupported arg0 before the trailing "...".
  expect_rejected(view("fn_float_then_va"), "fn_float_then_va",
                  "The function fn_float_then_va arg0 type FLOAT is unsupported.");
}

TEST_F(KernelViewCorpus, ReturnTypes) {
  expect_rejected(view("fn_ret_struct"), "fn_ret_struct",
                  "The function fn_ret_struct return type STRUCT is unsupported.");
  expect_rejected(view("fn_ret_union"), "fn_ret_union",
                  "The function fn_ret_union return type UNION is unsupported.");
  expect_rejected(view("fn_ret_double"), "fn_ret_double",
                  "The function fn_ret_double return type FLOAT is unsupported.");
  // The return type is checked before the arguments.
  expect_rejected(view("fn_ret_struct_float_arg"), "fn_ret_struct_float_arg",
                  "The function fn_ret_struct_float_arg return type STRUCT is unsupported.");
  expect_accepted(view("fn_ret_void"), "fn_ret_void", {{8}, {0}, {8}, 0, 0});
  // A 16-byte INT is not a struct: distill accepts it as a return value.
  expect_accepted(view("fn_ret_int128"), "fn_ret_int128", {{8}, {I}, {8}, 16, I});
  expect_accepted(view("fn_ret_ulong"), "fn_ret_ulong", {{8}, {0}, {8}, 8, 0});
  expect_accepted(view("fn_ret_long"), "fn_ret_long", {{8}, {I}, {8}, 8, I});
  // Enums are never SIGNED_ARG (btf_type_is_signed_int() is for INT only).
  expect_accepted(view("fn_ret_enum"), "fn_ret_enum", {{4}, {I}, {4}, 4, 0});
  expect_accepted(view("fn_ret_ptr"), "fn_ret_ptr", {{8}, {0}, {8}, 8, 0});
  // _Bool: BTF_INT_BOOL, no BTF_INT_SIGNED.
  expect_accepted(view("fn_ret_bool"), "fn_ret_bool", {{4}, {I}, {4}, 1, 0});
}

TEST_F(KernelViewCorpus, ArgumentTypes) {
  expect_rejected(view("fn_float_arg"), "fn_float_arg",
                  "The function fn_float_arg arg1 type FLOAT is unsupported.");
  expect_rejected(view("fn_double_arg"), "fn_double_arg",
                  "The function fn_double_arg arg0 type FLOAT is unsupported.");
  expect_rejected(view("fn_long_double_arg"), "fn_long_double_arg",
                  "The function fn_long_double_arg arg2 type FLOAT is unsupported.");
  expect_rejected(view("fn_struct17_arg"), "fn_struct17_arg",
                  "The function fn_struct17_arg arg0 type STRUCT is unsupported.");
  expect_rejected(view("fn_union24_arg"), "fn_union24_arg",
                  "The function fn_union24_arg arg1 type UNION is unsupported.");
  // A zero-size struct/union (GNU C) has size 0: "malformed void argument".
  expect_rejected(view("fn_empty_struct_arg"), "fn_empty_struct_arg",
                  "The function fn_empty_struct_arg has malformed void argument.");
  expect_rejected(view("fn_empty_union_arg"), "fn_empty_union_arg",
                  "The function fn_empty_union_arg has malformed void argument.");

  expect_accepted(view("fn_struct16_arg"), "fn_struct16_arg", {{16}, {S}, {8}, 4, I});
  expect_accepted(view("fn_int128_arg"), "fn_int128_arg", {{16, 16}, {I, 0}, {16, 16}, 4, I});
  // enum small_enum has a negative enumerator; GCC 12 emits big_enum (a
  // 64-bit enumerator) as an 8-byte ENUM; packed_enum is 1 byte.
  expect_accepted(view("fn_enum_args"), "fn_enum_args", {{4, 8}, {0, 0}, {4, 8}, 4, I});
  expect_accepted(view("fn_packed_enum"), "fn_packed_enum", {{1, 2}, {0, I}, {1, 2}, 4, I});
  // signed char, unsigned char, short, unsigned short, _Bool, long long,
  // unsigned long long, void *, int (*)(int), const volatile typedef int,
  // struct s8, union u16 {__int128; char[16]}.
  expect_accepted(view("fn_mixed"), "fn_mixed",
                  {{1, 1, 2, 2, 1, 8, 8, 8, 8, 4, 8, 16},
                   {I, 0, I, 0, 0, I, 0, 0, 0, I, S, S},
                   {1, 1, 2, 2, 1, 8, 8, 8, 8, 4, 8, 16},
                   8,
                   I});
  // struct {char c[16]}, struct {__int128}, struct {struct {int; short}; long long},
  // union {long; int}.
  expect_accepted(view("fn_aggregates"), "fn_aggregates",
                  {{16, 16, 16, 8}, {S, S, S, S}, {1, 16, 8, 8}, 8, I});
}

// ---------------------------------------------------------------------------
// Prototypes built as BTF: ENUM64 (GCC 12 does not emit it), void reached
// through a typedef, void in the middle, lone "...", FWD/ARRAY/FUNC_PROTO by
// value, TYPE_TAG in the modifier chain.

class BtfBuilder {
 public:
  BtfBuilder() : btf_(btf__new_empty(), btf__free) {
    int_ = btf__add_int(b(), "int", 4, BTF_INT_SIGNED);
    long_ = btf__add_int(b(), "long", 8, BTF_INT_SIGNED);
  }
  struct btf* b() {
    return btf_.get();
  }
  int int_id() const { return int_; }
  int long_id() const { return long_; }

  // Adds FUNC `name` returning `ret` with parameters `params` (0 = void / "...").
  void func(const char* name, int ret, const std::vector<int>& params) {
    const int proto = btf__add_func_proto(b(), ret);
    ASSERT_GT(proto, 0);
    for (int p : params) ASSERT_EQ(btf__add_func_param(b(), p != 0 ? "p" : nullptr, p), 0);
    ASSERT_GT(btf__add_func(b(), name, BTF_FUNC_GLOBAL, proto), 0);
  }

  btf::BtfFile finish() {
    uint32_t size = 0;
    const void* raw = btf__raw_data(b(), &size);
    bytes_.assign(static_cast<const uint8_t*>(raw), static_cast<const uint8_t*>(raw) + size);
    return btf::BtfFile::from_bytes(bytes_, Arch::x86_64);
  }

 private:
  std::unique_ptr<struct btf, void (*)(struct btf*)> btf_;
  std::vector<uint8_t> bytes_;
  int int_ = 0, long_ = 0;
};

TEST(KernelViewBuiltBtf, KernelRulesOnShapesCCannotSpell) {
  BtfBuilder bb;
  struct btf* b = bb.b();
  const int i32 = bb.int_id(), i64 = bb.long_id();

  // ENUM64 unsigned and signed, signed ENUM32: sizes 8/8/4, never SIGNED_ARG.
  const int e64 = btf__add_enum64(b, "e64", 8, false);
  ASSERT_EQ(btf__add_enum64_value(b, "E64_BIG", 0x100000000ULL), 0);
  const int se64 = btf__add_enum64(b, "se64", 8, true);
  ASSERT_EQ(btf__add_enum64_value(b, "SE64_NEG", static_cast<uint64_t>(-5LL)), 0);
  const int se32 = btf__add_enum(b, "se32", 4);
  ASSERT_EQ(btf__add_enum_value(b, "SE32_NEG", -1), 0);
  bb.func("b_enum64", e64, {e64, se64, se32});

  // void reached through a modifier: __get_type_size() sees the kernel's
  // btf_void (kind 0) and returns -EINVAL -- "UNKNOWN", not "malformed void".
  const int void_td = btf__add_typedef(b, "void_t", 0);
  const int const_void = btf__add_const(b, 0);
  bb.func("b_ret_void_typedef", void_td, {i32});
  bb.func("b_arg_const_void", i32, {i32, const_void});
  bb.func("b_void_typedef_then_va", i32, {void_td, 0});

  // A plain void (type 0) parameter that is not last, and a lone "...".
  bb.func("b_void_middle", i32, {i32, 0, i32});
  bb.func("b_only_va", i32, {0});

  // Kinds no value can have.
  const int fwd = btf__add_fwd(b, "opaque", BTF_FWD_STRUCT);
  const int arr = btf__add_array(b, i32, i32, 4);
  const int fproto = btf__add_func_proto(b, i32);
  ASSERT_GT(fproto, 0);
  const int flt = btf__add_float(b, "float", 4);
  bb.func("b_fwd_arg", i32, {i32, fwd});
  bb.func("b_fwd_ret", fwd, {});
  bb.func("b_array_arg", i32, {arr});
  bb.func("b_array_ret", arr, {i32});
  bb.func("b_func_proto_arg", i32, {i32, i32, fproto});
  bb.func("b_float_ret", flt, {i32});

  // typedef -> const -> volatile -> restrict -> type_tag -> int: skipped to INT.
  const int tt = btf__add_type_tag(b, "user", i32);
  const int rs = btf__add_restrict(b, tt);
  const int vo = btf__add_volatile(b, rs);
  const int co = btf__add_const(b, vo);
  const int td = btf__add_typedef(b, "chain_t", co);
  // pointer -> type_tag -> struct.
  const int st8 = btf__add_struct(b, "st8", 8);
  ASSERT_EQ(btf__add_field(b, "x", i64, 0, 0), 0);
  const int tagged = btf__add_type_tag(b, "rcu", st8);
  const int ptr = btf__add_ptr(b, tagged);
  bb.func("b_modifier_chain", td, {td, ptr, st8});

  // Unions: 16 bytes accepted (flag STRUCT_ARG), 17 bytes refused.
  // (btf__add_field() must follow its struct/union: element types first.)
  const int i32x4 = btf__add_array(b, i32, i32, 4);
  const int chr = btf__add_int(b, "char", 1, BTF_INT_CHAR);
  const int chrx17 = btf__add_array(b, i32, chr, 17);
  const int u16 = btf__add_union(b, "u16", 16);
  ASSERT_EQ(btf__add_field(b, "a", i64, 0, 0), 0);
  ASSERT_EQ(btf__add_field(b, "c", i32x4, 0, 0), 0);
  const int u17 = btf__add_union(b, "u17", 17);
  ASSERT_EQ(btf__add_field(b, "c", chrx17, 0, 0), 0);
  bb.func("b_union16", i32, {u16});
  bb.func("b_union17", i32, {i32, u17});

  // Twelve 16-byte arguments: distill counts arguments, not 8-byte slots.
  const int s16 = btf__add_struct(b, "s16", 16);
  ASSERT_EQ(btf__add_field(b, "a", i64, 0, 0), 0);
  ASSERT_EQ(btf__add_field(b, "b", i64, 64, 0), 0);
  bb.func("b_twelve_16B", i64, std::vector<int>(12, s16));
  // 13 parameters and a FLOAT return: the count is checked first.
  bb.func("b_13_float_ret", flt, std::vector<int>(13, i32));

  btf::BtfFile f = bb.finish();
  auto v = [&](const char* n) { return f.kernel_view(f.find_function(n)); };

  expect_accepted(v("b_enum64"), "b_enum64", {{8, 8, 4}, {0, 0, 0}, {8, 8, 4}, 8, 0});
  expect_rejected(v("b_ret_void_typedef"), "b_ret_void_typedef",
                  "The function b_ret_void_typedef return type UNKNOWN is unsupported.");
  expect_rejected(v("b_arg_const_void"), "b_arg_const_void",
                  "The function b_arg_const_void arg1 type UNKNOWN is unsupported.");
  expect_rejected(v("b_void_typedef_then_va"), "b_void_typedef_then_va",
                  "The function b_void_typedef_then_va arg0 type UNKNOWN is unsupported.");
  expect_rejected(v("b_void_middle"), "b_void_middle",
                  "The function b_void_middle has malformed void argument.");
  expect_rejected(v("b_only_va"), "b_only_va",
                  "The function b_only_va with variable args is unsupported.");
  expect_rejected(v("b_fwd_arg"), "b_fwd_arg",
                  "The function b_fwd_arg arg1 type FWD is unsupported.");
  expect_rejected(v("b_fwd_ret"), "b_fwd_ret",
                  "The function b_fwd_ret return type FWD is unsupported.");
  expect_rejected(v("b_array_arg"), "b_array_arg",
                  "The function b_array_arg arg0 type ARRAY is unsupported.");
  expect_rejected(v("b_array_ret"), "b_array_ret",
                  "The function b_array_ret return type ARRAY is unsupported.");
  expect_rejected(v("b_func_proto_arg"), "b_func_proto_arg",
                  "The function b_func_proto_arg arg2 type FUNC_PROTO is unsupported.");
  expect_rejected(v("b_float_ret"), "b_float_ret",
                  "The function b_float_ret return type FLOAT is unsupported.");
  expect_accepted(v("b_modifier_chain"), "b_modifier_chain",
                  {{4, 8, 8}, {I, 0, S}, {4, 8, 8}, 4, I});
  expect_accepted(v("b_union16"), "b_union16", {{16}, {S}, {8}, 4, I});
  expect_rejected(v("b_union17"), "b_union17",
                  "The function b_union17 arg1 type UNION is unsupported.");
  expect_accepted(v("b_twelve_16B"), "b_twelve_16B",
                  {std::vector<uint8_t>(12, 16), std::vector<uint8_t>(12, S),
                   std::vector<uint8_t>(12, 8), 8, I});
  expect_rejected(v("b_13_float_ret"), "b_13_float_ret",
                  "The function b_13_float_ret has 13 arguments. Too many.");

  // Before v6.18 a union argument of any size is refused (seen on Debian's
  // 6.12.117: "bpf_testmod_test_union_arg_1 arg0 type UNION is unsupported");
  // the rest of the rules are the same.
  const auto old = KernelRelease::parse("6.12.117+deb13-amd64");
  ASSERT_TRUE(old.has_value());
  auto v612 = [&](const char* n) { return f.kernel_view(f.find_function(n), *old); };
  expect_rejected(v612("b_union16"), "b_union16",
                  "The function b_union16 arg0 type UNION is unsupported.");
  expect_accepted(v612("b_twelve_16B"), "b_twelve_16B",
                  {std::vector<uint8_t>(12, 16), std::vector<uint8_t>(12, S),
                   std::vector<uint8_t>(12, 8), 8, I});
  expect_accepted(f.kernel_view(f.find_function("b_union16"), *KernelRelease::parse("6.18")),
                  "b_union16", {{16}, {S}, {8}, 4, I});
}

TEST(KernelRelease, Parse) {
  const auto r = KernelRelease::parse("7.2.13+deb14-arm64");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->str(), "7.2.13");
  EXPECT_TRUE(r->at_least(7, 2));
  EXPECT_FALSE(r->at_least(7, 3));
  EXPECT_EQ(KernelRelease::parse("6.12")->str(), "6.12.0");
  EXPECT_FALSE(KernelRelease::parse("6").has_value());
  EXPECT_FALSE(KernelRelease::parse("newest").has_value());
  EXPECT_FALSE(KernelRelease::parse("").has_value());
  EXPECT_FALSE(KernelRelease::parse("6.x").has_value());
  EXPECT_FALSE(KernelRelease::parse("1.2.3.4").has_value());
  EXPECT_FALSE(KernelRelease::parse("6.12.117+deb13").value().union_args());
  EXPECT_TRUE(KernelRelease::newest().union_args());
}

}  // namespace
}  // namespace xtramp
