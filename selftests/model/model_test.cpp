// xtramp_model_test: the FuncModel's layout facts against the compiler.
//
// For x86-64, arm64 and s390x, the corpus (corpus/corpus.c) is compiled with
// that target's GCC into an object with DWARF+BTF and one with BTF only. For
// every function in the BTF, the model built by BtfFile is compared with what
// the same GCC says about the same types (oracle.hpp): sizeof, _Alignof of the
// main variant, AAPCS64 natural alignment (max member alignment), largest
// scalar, kind, signedness, and every flattened scalar leaf (offsetof, size,
// alignment, kind). One compile per arch answers everything.
//
// Alignment rule checked everywhere ("soundness"): when the model says
// align_certain, its alignment must equal the compiler's, or at least put the
// value in the same place on every arch (same max(8, align) stack class; same
// max(8, min(natural, 16)) AAPCS64 class). Placement-equal differences with
// align_certain are printed as NOTEs (BTF and DWARF cannot see them).
// Explicit tables below check the cases the semantics name.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "btf/btf_file.hpp"
#include "common/arch.hpp"
#include "common/error.hpp"
#include "common/func_model.hpp"
#include "oracle.hpp"

namespace {

using xtramp::AlignSource;
using xtramp::Arch;
using xtramp::FuncModel;
using xtramp::ScalarField;
using xtramp::TypeFacts;
using xtramp::ValueKind;
using xtramp::ValueModel;
using xtramp::btf::BtfFile;
using xtramp::model_test::Oracle;
using xtramp::model_test::OracleFunc;
using xtramp::model_test::OracleLeaf;
using xtramp::model_test::OracleSubject;

// ---------------------------------------------------------------------------
// Configuration (from CMake)

struct ArchInfo {
  Arch arch;
  const char* name;
  const char* cc;  // empty: not found at configure time
  const char* pkg;
  const char* triple;
};

const ArchInfo kArchInfo[] = {
    {Arch::x86_64, "x86_64", XTRAMP_MODEL_CC_X86_64, XTRAMP_MODEL_PKG_X86_64,
     XTRAMP_MODEL_TRIPLE_X86_64},
    {Arch::arm64, "arm64", XTRAMP_MODEL_CC_ARM64, XTRAMP_MODEL_PKG_ARM64,
     XTRAMP_MODEL_TRIPLE_ARM64},
    {Arch::s390x, "s390x", XTRAMP_MODEL_CC_S390X, XTRAMP_MODEL_PKG_S390X,
     XTRAMP_MODEL_TRIPLE_S390X},
};

const ArchInfo& arch_info(Arch a) {
  for (const auto& i : kArchInfo)
    if (i.arch == a) return i;
  return kArchInfo[0];
}

// dwarf: object with DWARF+BTF, DWARF used. btf: BTF-only object.
// dwarf_off: the DWARF object opened with use_dwarf=false (must equal btf).
enum class Variant { dwarf, btf, dwarf_off };

const char* variant_name(Variant v) {
  switch (v) {
    case Variant::dwarf:
      return "dwarf";
    case Variant::btf:
      return "btf";
    case Variant::dwarf_off:
      return "dwarf_off";
  }
  return "?";
}

std::string object_path(Arch a, bool dwarf) {
  return std::string(XTRAMP_MODEL_WORK_DIR) + "/corpus/corpus." + arch_info(a).name +
         (dwarf ? ".dwarf.o" : ".btf.o");
}

// Fails the current test (and returns false) when the arch cannot be tested.
bool arch_available(Arch a) {
  const ArchInfo& i = arch_info(a);
  if (std::string(i.cc).empty()) {
    ADD_FAILURE() << i.triple << "-gcc was not found when the build was configured: the " << i.name
                  << " model tests cannot run (all three arches are required). Install " << i.pkg
                  << " (ci/ installs it) and reconfigure.";
    return false;
  }
  for (bool dw : {true, false}) {
    if (!std::filesystem::exists(object_path(a, dw))) {
      ADD_FAILURE() << "corpus object " << object_path(a, dw)
                    << " is missing (target xtramp_model_corpus builds it)";
      return false;
    }
  }
  return true;
}

// ---------------------------------------------------------------------------
// Cached oracle and models

const Oracle& oracle_for(Arch a) {
  static std::map<Arch, std::unique_ptr<Oracle>> cache;
  auto& slot = cache[a];
  if (!slot) {
    std::string work = std::string(XTRAMP_MODEL_WORK_DIR) + "/oracle";
    std::filesystem::create_directories(work);
    slot = std::make_unique<Oracle>(xtramp::model_test::build_oracle(
        arch_info(a).name, arch_info(a).cc, object_path(a, false), XTRAMP_MODEL_CORPUS_DIR, work));
  }
  return *slot;
}

struct Loaded {
  std::optional<BtfFile> file;
  std::string open_error;
  std::map<std::string, FuncModel> models;
  std::map<std::string, std::string> model_errors;  // function -> exception text
};

const Loaded& loaded(Arch a, Variant v) {
  static std::map<std::pair<Arch, Variant>, std::unique_ptr<Loaded>> cache;
  auto& slot = cache[{a, v}];
  if (slot) return *slot;
  slot = std::make_unique<Loaded>();
  xtramp::btf::OpenOptions o;
  o.path = object_path(a, v != Variant::btf);
  o.use_dwarf = v != Variant::dwarf_off;
  try {
    slot->file.emplace(BtfFile::open(o));
  } catch (const std::exception& e) {
    slot->open_error = e.what();
    return *slot;
  }
  for (const auto& [name, f] : oracle_for(a).funcs) {
    try {
      slot->models.emplace(name, slot->file->model(name));
    } catch (const std::exception& e) {
      slot->model_errors[name] = e.what();
    }
  }
  return *slot;
}

// ---------------------------------------------------------------------------
// Helpers

std::string kind_str(ValueKind k) {
  return std::string(xtramp::kind_name(k));
}

// What the compiler says the kind is.
std::optional<ValueKind> compiler_kind(uint64_t cls, uint64_t fk, uint64_t size, bool btf_enum) {
  switch (cls) {
    case 1:  // integer_type_class (GCC's C front end: also char, _Bool, enums)
    case 2:
    case 3:
    case 4:
      if (size == 16) return ValueKind::int128;
      return btf_enum ? ValueKind::enum_ : ValueKind::integer;
    case 5:
      return ValueKind::pointer;
    case 8:
      if (fk == 2 || fk == 4 || fk == 8) return ValueKind::float_;
      if (fk == 16) return ValueKind::long_double;
      if (fk == 128) return ValueKind::float128;
      return std::nullopt;
    case 12:
      return ValueKind::struct_;
    case 13:
      return ValueKind::union_;
  }
  return std::nullopt;
}

uint32_t stack_class(uint64_t a) {
  return static_cast<uint32_t>(std::max<uint64_t>(8, a));
}
uint32_t aapcs_class(uint64_t a) {
  return static_cast<uint32_t>(std::max<uint64_t>(8, std::min<uint64_t>(a, 16)));
}

std::string fmt_field(const ScalarField& f) {
  std::ostringstream o;
  o << "{off " << f.offset << " size " << f.size << " " << kind_str(f.kind) << " align " << f.align;
  if (f.bit_size) o << " bits " << f.bit_offset << "+" << f.bit_size;
  o << "}";
  return o.str();
}

std::string fmt_fields(const std::vector<ScalarField>& v) {
  std::string s;
  for (const auto& f : v) s += "\n    " + fmt_field(f);
  return s.empty() ? " (none)" : s;
}

// Subjects are keyed for the tables by their main variant: "struct foo".
std::string type_key(const OracleSubject& s) {
  return s.aggregate ? s.main_variant : s.spelled;
}

// Calls fn(subject, value model, ctx) for every argument and non-void return of
// every modelled function.
template <class Fn>
void for_each_value(Arch a, Variant v, Fn fn) {
  const Oracle& o = oracle_for(a);
  const Loaded& l = loaded(a, v);
  for (const auto& [name, of] : o.funcs) {
    auto it = l.models.find(name);
    if (it == l.models.end()) continue;
    const FuncModel& m = it->second;
    std::string base = std::string(arch_info(a).name) + "/" + variant_name(v) + ": ";
    if (!of.ret.is_void && m.ret.type) fn(of.ret, m.ret, base + of.ret.describe());
    for (size_t i = 0; i < of.args.size() && i < m.args.size(); ++i) {
      if (m.args[i].type) fn(of.args[i], m.args[i], base + of.args[i].describe());
    }
  }
}

// ---------------------------------------------------------------------------
// Parametrized over (arch, variant)

struct Param {
  Arch arch;
  Variant variant;
};

void PrintTo(const Param& p, std::ostream* os) {
  *os << arch_info(p.arch).name << "/" << variant_name(p.variant);
}

std::string param_name(const testing::TestParamInfo<Param>& p) {
  return std::string(arch_info(p.param.arch).name) + "_" + variant_name(p.param.variant);
}

class ModelOracle : public testing::TestWithParam<Param> {
 protected:
  Arch arch() const { return GetParam().arch; }
  Variant variant() const { return GetParam().variant; }
  bool dwarf() const { return variant() == Variant::dwarf; }
  std::string ctx() const {
    return std::string(arch_info(arch()).name) + "/" + variant_name(variant());
  }

  // False (with a failure) when nothing can be checked.
  bool ready() {
    if (!arch_available(arch())) return false;
    const Oracle& o = oracle_for(arch());
    if (!o.error.empty()) {
      ADD_FAILURE() << ctx() << ": " << o.error;
      return false;
    }
    const Loaded& l = loaded(arch(), variant());
    if (!l.file) {
      ADD_FAILURE() << ctx() << ": BtfFile::open failed: " << l.open_error;
      return false;
    }
    return true;
  }
};

TEST_P(ModelOracle, OpensTheObjectAndModelsEveryFunction) {
  if (!ready()) return;
  const Loaded& l = loaded(arch(), variant());
  const BtfFile& f = *l.file;
  EXPECT_EQ(f.target(), arch()) << ctx() << ": target must default to the ELF's e_machine";
  EXPECT_EQ(f.endianness(), arch() == Arch::s390x ? xtramp::Endian::big : xtramp::Endian::little)
      << ctx();
  if (variant() == Variant::dwarf) {
    EXPECT_TRUE(f.has_dwarf()) << ctx();
  }
  if (variant() == Variant::btf) {
    EXPECT_FALSE(f.has_dwarf()) << ctx() << ": the BTF-only object has no DWARF";
  }

  std::set<std::string> listed;
  for (uint32_t id : f.function_ids()) listed.insert(f.function_name(id));
  const Oracle& o = oracle_for(arch());
  EXPECT_GT(o.funcs.size(), 150u) << "the corpus should have ~180 functions";
  for (const auto& [name, of] : o.funcs) {
    EXPECT_TRUE(listed.count(name)) << ctx() << ": function_ids() misses " << name;
    // GCC's -gbtf types a _Float16 parameter as void, like "...": only
    // DWARF tells f_f16 apart, and with it the frontend models it.
    if (of.variadic && name == "f_f16" && variant() == Variant::dwarf) {
      EXPECT_FALSE(l.model_errors.count(name)) << ctx() << ": " << l.model_errors.at(name);
      continue;
    }
    if (of.variadic) {
      EXPECT_TRUE(l.model_errors.count(name))
          << ctx() << ": " << name << " is variadic; model() must throw";
      continue;
    }
    auto err = l.model_errors.find(name);
    if (err != l.model_errors.end()) {
      ADD_FAILURE() << ctx() << ": model(\"" << name << "\") threw: " << err->second;
      continue;
    }
    const FuncModel& m = l.models.at(name);
    EXPECT_EQ(m.name, name);
    EXPECT_EQ(m.target, arch()) << ctx() << " " << name;
    EXPECT_NE(m.btf_id, 0u) << ctx() << " " << name;
    ASSERT_EQ(m.args.size(), of.args.size()) << ctx() << " " << name << ": argument count";
    ASSERT_TRUE(m.ret.type) << ctx() << " " << name << ": null return TypeFacts";
    if (of.ret.is_void) {
      EXPECT_EQ(m.ret.t().kind, ValueKind::void_) << ctx() << " " << name;
    }
    for (size_t i = 0; i < of.args.size(); ++i) {
      ASSERT_TRUE(m.args[i].type) << ctx() << " " << name << " arg" << i << ": null TypeFacts";
      EXPECT_EQ(m.args[i].name, of.args[i].param_name) << ctx() << " " << name << " arg" << i;
    }
  }
}

TEST_P(ModelOracle, VarargsAreRejectedWithTheFunctionName) {
  if (!ready()) return;
  const Loaded& l = loaded(arch(), variant());
  try {
    (void)l.file->model("f_varargs");
    ADD_FAILURE() << ctx() << ": model(\"f_varargs\") must throw Error(unsupported)";
  } catch (const xtramp::Error& e) {
    EXPECT_EQ(e.code(), xtramp::Errc::unsupported) << e.what();
    EXPECT_NE(std::string(e.what()).find("f_varargs"), std::string::npos) << e.what();
  }
}

// The model's C type spellings must name the declared types: the compiler
// accepts a redeclaration of every function spelled from the model.
TEST_P(ModelOracle, CTypesRedeclareEveryFunction) {
  if (!ready()) return;
  const Loaded& l = loaded(arch(), variant());
  std::ostringstream src;
  src << "/* Generated by xtramp_model_test: every corpus function redeclared from the\n"
         " * model's c_type strings; a wrong spelling is a conflicting-types error. */\n"
         "#include \"corpus.h\"\n";
  size_t n = 0;
  for (const auto& [name, m] : l.models) {
    src << m.ret.t().c_type << " " << name << "(";
    if (m.args.empty()) src << "void";
    for (size_t i = 0; i < m.args.size(); ++i) src << (i ? ", " : "") << m.args[i].t().c_type;
    src << ");\n";
    ++n;
  }
  EXPECT_GT(n, 150u);
  std::string path = std::string(XTRAMP_MODEL_WORK_DIR) + "/oracle/redeclare." +
                     arch_info(arch()).name + "." + variant_name(variant()) + ".c";
  auto err = xtramp::model_test::compile_fails(arch_info(arch()).cc, XTRAMP_MODEL_CORPUS_DIR, path,
                                               src.str());
  EXPECT_FALSE(err.has_value()) << ctx()
                                << ": model c_type spellings do not match the declarations:\n"
                                << *err;
}

// The heart of it: every number the model gives, against the compiler.
TEST_P(ModelOracle, MatchesTheCompiler) {
  if (!ready()) return;
  const Arch a = arch();
  std::vector<std::string> notes;
  size_t checked = 0;
  for_each_value(
      a, variant(), [&](const OracleSubject& s, const ValueModel& v, const std::string& c) {
        ++checked;
        const TypeFacts& t = v.t();
        const std::string key = type_key(s);
        SCOPED_TRACE(c);
        EXPECT_EQ(t.size, s.size) << c << ": sizeof";

        auto k = compiler_kind(s.type_class, s.float_kind, s.size, s.btf_enum);
        if (!k) {
          ADD_FAILURE() << c << ": the oracle cannot classify (class " << s.type_class
                        << ", float kind " << s.float_kind << ")";
        } else {
          EXPECT_EQ(kind_str(t.kind), kind_str(*k)) << c << ": kind";
        }
        EXPECT_EQ(t.is_struct_arg(), s.type_class == 12 || s.type_class == 13)
            << c << ": struct flag";
        if (t.kind == ValueKind::integer || t.kind == ValueKind::enum_ ||
            t.kind == ValueKind::int128) {
          EXPECT_EQ(t.is_signed, s.is_signed != 0)
              << c << ": signedness ((T)-1 < 0 on " << arch_info(a).name << ")";
        } else if (!xtramp::is_floating(t.kind)) {
          EXPECT_FALSE(t.is_signed) << c << ": only integers are signed";
        }
        EXPECT_EQ(t.largest_member_size, s.largest) << c << ": largest member size";

        // Alignment: exact, or excused by align_certain=false, or (noted) placement-equal.
        auto check = [&](const char* what, uint64_t model, uint64_t real, bool aapcs) {
          if (model == real) return;
          if (!t.align_certain) return;  // the model admits it cannot know
          bool same_place = aapcs ? aapcs_class(model) == aapcs_class(real)
                                  : stack_class(model) == stack_class(real);
          std::ostringstream m;
          m << c << ": " << what << " is " << model << " (align_certain, source "
            << xtramp::align_source_name(t.align_source) << ") but the compiler says " << real;
          if (same_place)
            notes.push_back(m.str() + " [same placement]");
          else
            ADD_FAILURE() << m.str() << " -- a different placement class ("
                          << (aapcs ? "AAPCS64 max(8, min(natural, 16))"
                                    : "stack slot max(8, align)")
                          << ")";
        };
        check("_Alignof", t.align, s.align, false);
        // Natural alignment: the oracle cannot see unnamed zero-width bit-fields, and
        // GCC 12 predates the GCC 13.1 packed bit-field fix: those come from the table.
        std::optional<uint64_t> nat = s.natural;
        if (key == "struct zw_i128" || key == "struct zw_c" || key == "struct bf_pk") nat.reset();
        if (key == "struct zw_i128" && a == Arch::arm64) nat = 16;
        if (nat) check("natural_align", t.natural_align, *nat, true);

        if (!s.aggregate) {
          EXPECT_TRUE(t.align_certain) << c << ": scalars are always certain";
          EXPECT_EQ(xtramp::align_source_name(t.align_source), "abi") << c;
          EXPECT_EQ(t.natural_align, t.align)
              << c << ": natural alignment of a scalar is its alignment";
          EXPECT_TRUE(t.fields.empty()) << c << ": scalars have no fields";
          return;
        }
        EXPECT_EQ(xtramp::align_source_name(t.align_source), dwarf() ? "dwarf" : "btf-inferred")
            << c;

        // Flattened fields.
        if (s.size > 64) {
          EXPECT_FALSE(t.fields_complete)
              << c << ": aggregates over 64 bytes are not flattened completely";
          return;
        }
        EXPECT_TRUE(t.fields_complete) << c;
        struct Exp {
          uint64_t key;
          OracleLeaf leaf;
          ValueKind kind;
        };
        std::vector<Exp> exp;
        for (const auto& l : s.leaves) {
          auto lk = compiler_kind(l.type_class, l.float_kind, l.size, l.btf_enum);
          exp.push_back(
              {l.bitfield ? l.btf_bit_offset : l.offset * 8, l, lk.value_or(ValueKind::void_)});
        }
        auto cmp_key = [](uint64_t k, uint32_t size, ValueKind kind, uint32_t bits) {
          return std::make_tuple(k, size, static_cast<int>(kind), bits);
        };
        std::sort(exp.begin(), exp.end(), [&](const Exp& x, const Exp& y) {
          return cmp_key(x.key, static_cast<uint32_t>(x.leaf.size), x.kind, x.leaf.btf_bit_size) <
                 cmp_key(y.key, static_cast<uint32_t>(y.leaf.size), y.kind, y.leaf.btf_bit_size);
        });
        // The compiler's leaves are its named members; the unnamed bit-fields
        // the model infers from gaps are checked by selftests/unit/abi_bitfields_test.cpp.
        std::vector<ScalarField> got = t.fields;
        std::erase_if(got, [](const ScalarField& f) { return f.unnamed; });
        auto fkey = [](const ScalarField& f) {
          return f.bit_size ? uint64_t{f.bit_offset} : uint64_t{f.offset} * 8;
        };
        std::stable_sort(got.begin(), got.end(), [&](const ScalarField& x, const ScalarField& y) {
          return cmp_key(fkey(x), x.size, x.kind, x.bit_size) <
                 cmp_key(fkey(y), y.size, y.kind, y.bit_size);
        });
        std::ostringstream want;
        for (const auto& e : exp)
          want << "\n    ." << e.leaf.path << " {off "
               << (e.leaf.bitfield ? std::string("?") : std::to_string(e.leaf.offset)) << " size "
               << e.leaf.size << " " << kind_str(e.kind) << " align " << e.leaf.align
               << (e.leaf.bitfield ? " bits " + std::to_string(e.leaf.btf_bit_offset) + "+" +
                                         std::to_string(e.leaf.btf_bit_size)
                                   : std::string())
               << "}";
        const std::string lists =
            "\n  model fields:" + fmt_fields(t.fields) + "\n  compiler leaves:" + want.str();
        if (got.size() != exp.size()) {
          ADD_FAILURE() << c << ": " << got.size() << " fields, the compiler has " << exp.size()
                        << " scalar leaves" << lists;
          return;
        }
        for (size_t i = 0; i < got.size(); ++i) {
          const ScalarField& f = got[i];
          const Exp& e = exp[i];
          std::string where = c + " field ." + e.leaf.path;
          EXPECT_EQ(f.size, e.leaf.size) << where << ": size" << lists;
          EXPECT_EQ(kind_str(f.kind), kind_str(e.kind)) << where << ": kind" << lists;
          EXPECT_EQ(f.align, e.leaf.align)
              << where << ": leaf type alignment (main variant)" << lists;
          if (!e.leaf.bitfield) {
            EXPECT_EQ(f.offset, e.leaf.offset) << where << ": offsetof" << lists;
            EXPECT_EQ(f.bit_size, 0u) << where << ": not a bit-field" << lists;
          } else {
            EXPECT_EQ(f.bit_size, e.leaf.btf_bit_size) << where << ": bit-field width" << lists;
            EXPECT_EQ(f.bit_offset, e.leaf.btf_bit_offset) << where << ": bit offset" << lists;
            // The storage unit holds the bits.
            EXPECT_LE(uint64_t{f.offset} * 8, f.bit_offset)
                << where << ": storage unit starts after the bits";
            EXPECT_LE(uint64_t{f.bit_offset} + f.bit_size, (uint64_t{f.offset} + f.size) * 8)
                << where << ": storage unit ends before the bits";
          }
        }
      });
  EXPECT_GT(checked, 200u);
  if (!notes.empty()) {
    std::cout << "[ NOTE ] " << ctx() << ": " << notes.size()
              << " certain alignments differ from the compiler without changing placement:\n";
    for (const auto& n : notes) std::cout << "  " << n << "\n";
  }
}

// ---------------------------------------------------------------------------
// align_certain: the cases the semantics name.

enum Cert : uint8_t { kAny, kCert, kUnc };
struct CertRow {
  const char* type;
  Cert btf_le, btf_s390x, dwarf_le, dwarf_s390x;  // le = x86-64 and arm64
};
// Uncertain iff size % 16 == 0 (a hidden aligned(16), packed, or unnamed
// zero-width bit-field could move the value), unless DWARF shows an explicit
// alignment >= 16 that settles it. See docs/model.md.
const CertRow kCertRows[] = {
    // plain, never uncertain
    {"struct bpf_testmod_struct_arg_1", kCert, kCert, kCert, kCert},
    {"struct s12", kCert, kCert, kCert, kCert},
    {"struct s24", kCert, kCert, kCert, kCert},
    {"struct s2i", kCert, kCert, kCert, kCert},
    {"struct sz3", kCert, kCert, kCert, kCert},
    {"struct sz7", kCert, kCert, kCert, kCert},
    {"struct sf", kCert, kCert, kCert, kCert},
    {"struct sd", kCert, kCert, kCert, kCert},
    {"struct f2", kCert, kCert, kCert, kCert},
    {"struct hfa3", kCert, kCert, kCert, kCert},
    {"struct om8", kCert, kCert, kCert, kCert},
    {"struct pk_mis", kCert, kCert, kCert, kCert},
    {"struct pk_tail", kCert, kCert, kCert, kCert},
    {"struct pk5", kCert, kCert, kCert, kCert},
    {"struct big72", kCert, kCert, kCert, kCert},
    {"__typeof__(anon_t)", kCert, kCert, kCert, kCert},
    // 16/32/48 bytes, inferred < 16: a hidden aligned(16) or `__int128 :0` cannot be excluded
    {"struct bpf_testmod_struct_arg_2", kUnc, kUnc, kUnc, kUnc},
    {"struct bpf_testmod_struct_arg_4", kUnc, kUnc, kUnc, kUnc},
    {"struct bpf_testmod_struct_arg_5", kUnc, kUnc, kUnc, kUnc},
    {"struct rfc_u64x2", kUnc, kUnc, kUnc, kUnc},
    {"struct sl_i", kUnc, kUnc, kUnc, kUnc},
    {"struct sc_l", kUnc, kUnc, kUnc, kUnc},
    {"struct hfa_d2", kUnc, kUnc, kUnc, kUnc},
    {"struct hfa_d4", kUnc, kUnc, kUnc, kUnc},
    {"struct sz16", kUnc, kUnc, kUnc, kUnc},
    {"struct sz32", kUnc, kUnc, kUnc, kUnc},
    {"struct pk_ll", kUnc, kUnc, kUnc, kUnc},
    // over-aligned: BTF cannot tell, DWARF can
    {"struct om16", kUnc, kUnc, kCert, kCert},
    {"struct os16", kUnc, kUnc, kCert, kCert},
    {"struct os32", kUnc, kUnc, kCert, kCert},
    {"struct os16_small", kUnc, kUnc, kCert, kCert},
    {"struct tdal16", kUnc, kUnc, kCert, kCert},
    {"struct tdal32", kUnc, kUnc, kCert, kCert},
    {"struct om16_in", kUnc, kUnc, kCert, kCert},
    {"struct os_in", kUnc, kUnc, kCert, kCert},
    {"struct mixed_al", kUnc, kUnc, kCert, kCert},
    // 16-aligned scalars inside: silently packable even with DWARF
    {"struct rfc_i128", kUnc, kUnc, kUnc, kUnc},
    {"struct pk_i128", kUnc, kUnc, kUnc, kUnc},
    {"struct ld_s", kUnc, kUnc, kUnc, kUnc},
    {"struct f128_s", kUnc, kUnc, kUnc, kUnc},
    {"union u_i128", kUnc, kUnc, kUnc, kUnc},
    // 16-aligned with padding (x86-64/arm64); 24 bytes on s390x
    {"struct wide", kUnc, kCert, kUnc, kCert},
    {"struct i128_c", kUnc, kCert, kUnc, kCert},
    {"struct ld_tag", kUnc, kCert, kUnc, kCert},
    // zero-width __int128 bit-field: arm64 16-aligned, invisible in BTF and DWARF
    {"struct zw_i128", kUnc, kUnc, kUnc, kUnc},
};

// With DWARF, explicit over-alignment (and packed+aligned) is exact, not just
// placement-equal: DW_AT_alignment is on the struct or on the member.
const std::set<std::string> kExactWithDwarf = {
    "struct om16",       "struct os16",     "struct os32",   "struct os16_small",
    "struct om8",        "struct tdal16",   "struct tdal32", "struct om16_in",
    "struct os_in",      "struct mixed_al", "struct pk_a4",  "struct wide",
    "struct i128_c",     "struct ld_tag",   "struct pk_mis", "union u_os",
    "struct arr_os",     "struct pk_om",    "struct alas",   "struct pk_i128_mis",
    "struct pk_a4_i128",
};

TEST_P(ModelOracle, AlignCertainWhereTheSemanticsSaySo) {
  if (!ready()) return;
  std::set<std::string> seen;
  for_each_value(
      arch(), variant(), [&](const OracleSubject& s, const ValueModel& v, const std::string& c) {
        const std::string key = type_key(s);
        if (dwarf() && kExactWithDwarf.count(key)) {
          EXPECT_EQ(v.t().align, s.align) << c << ": _Alignof with DWARF";
          EXPECT_EQ(v.t().natural_align, s.natural) << c << ": natural alignment with DWARF";
        }
        for (const auto& r : kCertRows) {
          if (key != r.type) continue;
          seen.insert(key);
          bool s390 = arch() == Arch::s390x;
          Cert want =
              dwarf() ? (s390 ? r.dwarf_s390x : r.dwarf_le) : (s390 ? r.btf_s390x : r.btf_le);
          if (want == kAny) continue;
          EXPECT_EQ(v.t().align_certain, want == kCert)
              << c << ": align_certain should be " << (want == kCert) << " (model align "
              << v.t().align << ", compiler " << s.align << ", size " << v.t().size << ", source "
              << xtramp::align_source_name(v.t().align_source) << ")";
        }
      });
  for (const auto& r : kCertRows)
    EXPECT_TRUE(seen.count(r.type))
        << "table row " << r.type << " matched no argument (corpus changed?)";
}

// ---------------------------------------------------------------------------
// Flags: packed, bit-fields, unions, flexible arrays, single-member chains.

TEST_P(ModelOracle, AggregateFlags) {
  if (!ready()) return;
  const std::set<std::string> packed = {"struct pk_mis", "struct pk_a4",     "struct pk_tail",
                                        "struct pk5",    "struct pk_member", "struct pk_i128_mis"};
  // pk_outer holds a (silently) packed struct at offset 1: whether the outer one
  // is called packed is not specified. bf_pk: depends on bit-field alignment use.
  // pk_om is declared packed but its layout is natural (x is aligned(16)).
  // pk_a4_i128's members sit at their natural offsets: packed only with DWARF
  // (checked below).
  const std::set<std::string> packed_any = {"struct pk_outer", "struct bf_pk", "struct pk_om",
                                            "struct pk_a4_i128"};
  const std::set<std::string> bitfields = {"struct bf1",       "struct bf57",    "struct bf_zw",
                                           "struct bf_char",   "struct bf_span", "struct bf_pk",
                                           "struct bf_signed", "struct bf_enum"};
  const std::set<std::string> unions = {"union bpf_testmod_union_arg_1",
                                        "union bpf_testmod_union_arg_2",
                                        "union u_i128",
                                        "union u_ld",
                                        "union u_f",
                                        "union u_fd",
                                        "union u_arr",
                                        "struct s_with_u",
                                        "union u_nest",
                                        "struct anon_m",
                                        "union u_os"};
  const std::set<std::string> chains = {"struct bpf_testmod_struct_arg_1",
                                        "struct rfc_i128",
                                        "struct sf",
                                        "struct sd",
                                        "struct ss_d",
                                        "struct sss_f",
                                        "struct ld_s",
                                        "struct f128_s",
                                        "struct pk_i128",
                                        "struct os16_small",
                                        "struct chain_td"};
  // bf57 is one bit-field, flex/zla end in an array, alas is one 16-aligned char.
  const std::set<std::string> chain_any = {"struct bf57", "struct flex", "struct zla",
                                           "struct alas"};
  // A GNU zero-length trailing array may or may not count as flexible.
  const std::set<std::string> flex_any = {"struct zla"};
  size_t n = 0;
  for_each_value(
      arch(), variant(), [&](const OracleSubject& s, const ValueModel& v, const std::string& c) {
        if (!s.aggregate) return;
        ++n;
        const TypeFacts& t = v.t();
        const std::string key = type_key(s);
        if (!packed_any.count(key)) {
          EXPECT_EQ(t.packed, packed.count(key) != 0) << c << ": packed";
        }
        EXPECT_EQ(t.has_bitfields, bitfields.count(key) != 0) << c << ": has_bitfields";
        EXPECT_EQ(t.has_union, unions.count(key) != 0) << c << ": has_union";
        if (!flex_any.count(key)) {
          EXPECT_EQ(t.has_flex_array, key == "struct flex") << c << ": has_flex_array";
        }
        if (!chain_any.count(key)) {
          EXPECT_EQ(t.single_member_chain, chains.count(key) != 0) << c << ": single_member_chain";
        }
        if (t.packed && !dwarf()) {
          EXPECT_EQ(t.align, 1u) << c << ": a detected packed struct is 1-aligned without DWARF";
        }
        if ((key == "struct pk_a4" || key == "struct pk_a4_i128") && dwarf()) {
          EXPECT_EQ(t.align, 4u) << c << ": packed+aligned(4): DWARF says 4";
          EXPECT_TRUE(t.packed) << c;
        }
      });
  EXPECT_GT(n, 100u);
}

// ---------------------------------------------------------------------------
// Bit-fields: exact storage units and bit positions (BTF numbering: bit 0 is
// the first bit in memory order, the same on LE and BE).

struct BfExp {
  int offset;  // -1: not checked
  uint32_t size, bit_offset, bit_size;
};

TEST_P(ModelOracle, BitfieldLeaves) {
  if (!ready()) return;
  const std::map<std::string, std::vector<BfExp>> table = {
      {"struct bf1", {{0, 4, 0, 3}, {0, 4, 3, 5}, {8, 8, 64, 57}}},
      {"struct bf57", {{0, 8, 0, 57}}},
      {"struct bf_zw", {{0, 4, 0, 4}, {4, 4, 32, 4}}},
      {"struct bf_char", {{0, 4, 8, 8}}},
      {"struct bf_span", {{4, 4, 32, 16}}},
      {"struct bf_pk", {{-1, 4, 8, 8}}},
      {"struct bf_signed", {{0, 4, 0, 5}, {0, 4, 5, 5}, {0, 8, 10, 40}}},
  };
  std::set<std::string> seen;
  for_each_value(
      arch(), variant(), [&](const OracleSubject& s, const ValueModel& v, const std::string& c) {
        auto it = table.find(type_key(s));
        if (it == table.end()) return;
        seen.insert(it->first);
        std::vector<ScalarField> bfs;
        for (const auto& f : v.t().fields)
          if (f.bit_size && !f.unnamed) bfs.push_back(f);  // named ones: the compiler's
        std::sort(bfs.begin(), bfs.end(), [](const ScalarField& x, const ScalarField& y) {
          return x.bit_offset < y.bit_offset;
        });
        ASSERT_EQ(bfs.size(), it->second.size())
            << c << ": bit-field leaves" << fmt_fields(v.t().fields);
        for (size_t i = 0; i < bfs.size(); ++i) {
          const BfExp& e = it->second[i];
          if (e.offset >= 0) {
            EXPECT_EQ(bfs[i].offset, static_cast<uint32_t>(e.offset))
                << c << " bit-field " << i << " storage unit";
          }
          EXPECT_EQ(bfs[i].size, e.size) << c << " bit-field " << i;
          EXPECT_EQ(bfs[i].bit_offset, e.bit_offset) << c << " bit-field " << i;
          EXPECT_EQ(bfs[i].bit_size, e.bit_size) << c << " bit-field " << i;
          EXPECT_EQ(bfs[i].kind, ValueKind::integer) << c << " bit-field " << i;
        }
      });
  EXPECT_EQ(seen.size(), table.size());
}

// ---------------------------------------------------------------------------
// AAPCS64 natural alignment, written from the ABI text (AAPCS64 §5.10, docs/abi.md "AArch64"):
// member-level aligned/packed count, the aggregate's own attribute does not.

class ModelOracleArm64 : public ModelOracle {};

TEST_P(ModelOracleArm64, NaturalAlignmentFromTheAbiText) {
  if (!ready()) return;
  const std::map<std::string, uint32_t> table = {
      {"struct om16", 16},      {"struct os16", 8},      {"struct os32", 8},
      {"struct os16_small", 4}, {"struct tdal16", 16},   {"struct tdal32", 32},
      {"struct om16_in", 16},   {"struct os_in", 16},    {"struct mixed_al", 16},
      {"struct rfc_i128", 16},  {"struct rfc_u64x2", 8}, {"struct bpf_testmod_struct_arg_2", 8},
      {"struct om8", 8},        {"struct pk_a4", 1},     {"struct i128_c", 16},
      {"struct wide", 16},      {"struct zw_i128", 16},  {"struct pk_mis", 1},
  };
  const std::map<std::string, uint32_t> align_table = {
      {"struct om16", 16},   {"struct os16", 16}, {"struct os32", 32},    {"struct os16_small", 16},
      {"struct tdal16", 16}, {"struct pk_a4", 4}, {"struct zw_i128", 16}, {"struct wide", 16},
  };
  std::set<std::string> seen;
  for_each_value(arch(), variant(),
                 [&](const OracleSubject& s, const ValueModel& v, const std::string& c) {
                   const std::string key = type_key(s);
                   const TypeFacts& t = v.t();
                   if (s.spelled == "arg2_al32") {
                     // aligned(32) on a typedef: the main variant (8) is what is passed.
                     EXPECT_EQ(t.align, 8u) << c << ": alignment of the typedef's main variant";
                     EXPECT_EQ(t.natural_align, 8u) << c;
                     seen.insert("arg2_al32");
                   }
                   if (s.spelled == "al16l") {
                     EXPECT_EQ(t.align, 8u) << c << ": aligned(16) typedef of long: main variant";
                     EXPECT_EQ(t.natural_align, 8u) << c;
                     seen.insert("al16l");
                   }
                   if (!t.align_certain) return;
                   if (auto it = table.find(key); it != table.end()) {
                     seen.insert(key);
                     // With DWARF exact; from BTF alone (certain) at least the same AAPCS64 class.
                     if (dwarf()) {
                       EXPECT_EQ(t.natural_align, it->second) << c << ": AAPCS64 natural alignment";
                     } else {
                       EXPECT_EQ(aapcs_class(t.natural_align), aapcs_class(it->second))
                           << c << ": AAPCS64 natural alignment class (model " << t.natural_align
                           << ", ABI " << it->second << ")";
                     }
                   }
                   if (auto it = align_table.find(key); it != align_table.end() && dwarf()) {
                     EXPECT_EQ(t.align, it->second) << c << ": alignment with DWARF";
                   }
                 });
  EXPECT_TRUE(seen.count("arg2_al32"));
  EXPECT_TRUE(seen.count("al16l"));
  if (dwarf()) {
    EXPECT_TRUE(seen.count("struct om16") && seen.count("struct os16") &&
                seen.count("struct tdal16"));
  }
}

// The DWARF object read with use_dwarf=false equals the BTF-only object.
class ModelOracleDwarfOff : public ModelOracle {};

TEST_P(ModelOracleDwarfOff, EqualsBtfOnly) {
  if (!ready()) return;
  const Loaded& off = loaded(arch(), Variant::dwarf_off);
  const Loaded& btf = loaded(arch(), Variant::btf);
  ASSERT_TRUE(btf.file) << btf.open_error;
  for (const auto& [name, m] : off.models) {
    auto it = btf.models.find(name);
    ASSERT_NE(it, btf.models.end()) << name;
    auto same = [&](const ValueModel& x, const ValueModel& y, const std::string& what) {
      const TypeFacts& p = x.t();
      const TypeFacts& q = y.t();
      std::string c = ctx() + " " + name + " " + what;
      EXPECT_EQ(p.c_type, q.c_type) << c;
      EXPECT_EQ(p.kind, q.kind) << c;
      EXPECT_EQ(p.size, q.size) << c;
      EXPECT_EQ(p.align, q.align) << c;
      EXPECT_EQ(p.natural_align, q.natural_align) << c;
      EXPECT_EQ(p.align_source, q.align_source) << c;
      EXPECT_EQ(p.align_certain, q.align_certain) << c;
      EXPECT_EQ(p.largest_member_size, q.largest_member_size) << c;
      EXPECT_EQ(p.packed, q.packed) << c;
      EXPECT_EQ(fmt_fields(p.fields), fmt_fields(q.fields)) << c;
    };
    same(m.ret, it->second.ret, "return");
    for (size_t i = 0; i < m.args.size() && i < it->second.args.size(); ++i)
      same(m.args[i], it->second.args[i], "arg" + std::to_string(i));
  }
}

std::vector<Param> all_params() {
  std::vector<Param> v;
  for (Arch a : xtramp::kAllArches)
    for (Variant x : {Variant::dwarf, Variant::btf, Variant::dwarf_off}) v.push_back({a, x});
  return v;
}
INSTANTIATE_TEST_SUITE_P(Corpus, ModelOracle, testing::ValuesIn(all_params()), param_name);
INSTANTIATE_TEST_SUITE_P(Corpus, ModelOracleArm64,
                         testing::Values(Param{Arch::arm64, Variant::dwarf},
                                         Param{Arch::arm64, Variant::btf}),
                         param_name);
INSTANTIATE_TEST_SUITE_P(Corpus, ModelOracleDwarfOff,
                         testing::Values(Param{Arch::x86_64, Variant::dwarf_off},
                                         Param{Arch::arm64, Variant::dwarf_off},
                                         Param{Arch::s390x, Variant::dwarf_off}),
                         param_name);

// ---------------------------------------------------------------------------
// s390x: big-endian BTF read on this host; 8-aligned __int128 / long double.

struct Expect {
  const char* func;
  uint32_t size_le, align_le, size_s390, align_s390;
  ValueKind kind;
};

const Expect kArchDiff[] = {
    {"f_i128", 16, 16, 16, 8, ValueKind::int128},
    {"f_u128", 16, 16, 16, 8, ValueKind::int128},
    {"f_ldouble", 16, 16, 16, 8, ValueKind::long_double},
    {"f_f128", 16, 16, 16, 8, ValueKind::float128},
    {"f_wide", 32, 16, 24, 8, ValueKind::struct_},
    {"f_i128_c", 32, 16, 24, 8, ValueKind::struct_},
    {"f_ld_tag", 32, 16, 24, 8, ValueKind::struct_},
    {"f_u_i128", 16, 16, 16, 8, ValueKind::union_},
    {"f_long", 8, 8, 8, 8, ValueKind::integer},
};

void check_arch_diff(const BtfFile& f, Arch a, bool dwarf, const std::string& c) {
  for (const Expect& e : kArchDiff) {
    FuncModel m = f.model(e.func);
    ASSERT_EQ(m.args.size(), 1u) << c << " " << e.func;
    const TypeFacts& t = m.args[0].t();
    bool s390 = a == Arch::s390x;
    EXPECT_EQ(t.kind, e.kind) << c << " " << e.func;
    EXPECT_EQ(t.size, s390 ? e.size_s390 : e.size_le) << c << " " << e.func << ": size";
    // On x86-64/arm64 the 16-aligned aggregates may be uncertain without DWARF,
    // but the inferred value is still 16.
    EXPECT_EQ(t.align, s390 ? e.align_s390 : e.align_le) << c << " " << e.func << ": align";
    if (e.kind == ValueKind::struct_ && std::string(e.func) == "f_wide") {
      ASSERT_EQ(t.fields.size(), 2u) << c << fmt_fields(t.fields);
      EXPECT_EQ(t.fields[0].kind, ValueKind::int128) << c;
      EXPECT_EQ(t.fields[0].align, s390 ? 8u : 16u) << c;
      EXPECT_EQ(t.fields[1].offset, 16u) << c << ": tag follows the 16-byte __int128";
      EXPECT_EQ(t.largest_member_size, 16u) << c;
    }
    if (std::string(e.func) == "f_i128_c") {
      ASSERT_EQ(t.fields.size(), 2u) << c << fmt_fields(t.fields);
      EXPECT_EQ(t.fields[1].offset, s390 ? 8u : 16u) << c << ": __int128 member offset";
    }
  }
  FuncModel ch = f.model("f_char");
  EXPECT_EQ(ch.args[0].t().is_signed, a == Arch::x86_64)
      << c << ": plain char is unsigned on arm64 and s390x";
  (void)dwarf;
}

class ModelArch : public testing::TestWithParam<Arch> {};

TEST_P(ModelArch, Int128AndLongDoubleAlignmentPerArch) {
  Arch a = GetParam();
  if (!arch_available(a)) return;
  for (bool dw : {true, false}) {
    xtramp::btf::OpenOptions o;
    o.path = object_path(a, dw);
    std::optional<BtfFile> f;
    try {
      f.emplace(BtfFile::open(o));
    } catch (const std::exception& e) {
      FAIL() << o.path << ": " << e.what();
    }
    std::string c = std::string(arch_info(a).name) + (dw ? "/dwarf" : "/btf");
    EXPECT_EQ(f->target(), a) << c;
    EXPECT_EQ(f->endianness(), a == Arch::s390x ? xtramp::Endian::big : xtramp::Endian::little)
        << c;
    try {
      check_arch_diff(*f, a, dw, c);
    } catch (const std::exception& e) {
      ADD_FAILURE() << c << ": " << e.what();
    }
  }
  EXPECT_EQ(xtramp::int128_align(a), a == Arch::s390x ? 8u : 16u);
  EXPECT_EQ(xtramp::long_double_align(a), a == Arch::s390x ? 8u : 16u);
}

// The same BTF bytes from memory: the whole ELF (target from e_machine) and the
// raw .BTF section (target: s390x when big-endian, else the host).
TEST_P(ModelArch, FromBytesElfAndRawBtf) {
  Arch a = GetParam();
  if (!arch_available(a)) return;
  std::string path = object_path(a, false);
  std::vector<uint8_t> elf;
  {
    FILE* fp = std::fopen(path.c_str(), "rb");
    ASSERT_NE(fp, nullptr) << path;
    uint8_t buf[65536];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, fp)) > 0) elf.insert(elf.end(), buf, buf + n);
    std::fclose(fp);
  }
  std::vector<uint8_t> raw = xtramp::model_test::elf_section_bytes(path, ".BTF");
  ASSERT_GT(raw.size(), 100u) << path << " has no .BTF section";
  if (a == Arch::s390x) {
    EXPECT_EQ(raw[0], 0xeb) << "s390x BTF is big-endian (magic eb 9f)";
    EXPECT_EQ(raw[1], 0x9f);
  } else {
    EXPECT_EQ(raw[0], 0x9f);
    EXPECT_EQ(raw[1], 0xeb);
  }
  try {
    BtfFile fe = BtfFile::from_bytes(elf);
    EXPECT_EQ(fe.target(), a) << "ELF bytes: target from e_machine";
    check_arch_diff(fe, a, false, std::string(arch_info(a).name) + "/elf-bytes");
    // Little-endian raw BTF cannot be s390x's: on a big-endian host it is
    // taken as x86_64, elsewhere as the host.
    const Arch le_guess = xtramp::arch_endian(xtramp::host_arch()) == xtramp::Endian::little
                              ? xtramp::host_arch()
                              : Arch::x86_64;
    Arch raw_target = a == Arch::s390x ? Arch::s390x : le_guess;
    BtfFile fr = BtfFile::from_bytes(raw);
    EXPECT_EQ(fr.target(), raw_target)
        << "raw BTF: s390x when big-endian, else the host (x86_64 on a big-endian host)";
    EXPECT_EQ(fr.endianness(), a == Arch::s390x ? xtramp::Endian::big : xtramp::Endian::little);
    if (raw_target == a) check_arch_diff(fr, a, false, std::string(arch_info(a).name) + "/raw-btf");
    BtfFile ft = BtfFile::from_bytes(raw, a);  // explicit target
    EXPECT_EQ(ft.target(), a);
    check_arch_diff(ft, a, false, std::string(arch_info(a).name) + "/raw-btf+target");
  } catch (const std::exception& e) {
    ADD_FAILURE() << arch_info(a).name << ": " << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(Corpus, ModelArch, testing::ValuesIn(xtramp::kAllArches),
                         [](const testing::TestParamInfo<Arch>& p) {
                           return std::string(arch_info(p.param).name);
                         });

// All three cross compilers are required; a missing one is a failure here too.
TEST(ModelCorpus, AllThreeCompilersArePresent) {
  for (const auto& i : kArchInfo) {
    EXPECT_FALSE(std::string(i.cc).empty())
        << i.triple << "-gcc not found at configure time: install " << i.pkg << " and reconfigure";
  }
}

}  // namespace
