// The compiler as the oracle for layout facts.
//
// For one object of the corpus, the oracle walks the object's BTF with libbpf
// (only to learn which functions, parameters and member names exist), writes a
// C file that includes the corpus header and asks the target's GCC for every
// number the FuncModel claims to know (sizeof, _Alignof of the main variant,
// member alignments, offsetof of each scalar leaf, classification, signedness),
// compiles it once with that GCC and reads the answers back from the object.
// The numbers therefore come from the compiler, never from BTF.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace xtramp::model_test {

// One scalar leaf of an aggregate, as the compiler lays it out.
struct OracleLeaf {
  std::string path;  // C member path, e.g. "in[1].c[2]"
  bool bitfield = false;
  uint32_t btf_bit_offset = 0;  // from BTF (bit-fields: not computable in C)
  uint32_t btf_bit_size = 0;
  bool btf_enum = false;  // the leaf's BTF type is an ENUM/ENUM64
  // Compiler answers:
  uint64_t offset = 0;      // offsetof (not for bit-fields)
  uint64_t size = 0;        // sizeof the leaf type (bit-fields: of the base type)
  uint64_t align = 0;       // _Alignof of the leaf type's main variant
  uint64_t type_class = 0;  // __builtin_classify_type
  uint64_t float_kind = 0;  // 2/4/8 float, 16 long double, 128 _Float128, 0 other
};

// One argument (arg >= 0) or the return value (arg == -1) of a function.
struct OracleSubject {
  std::string func;
  int arg = -1;
  std::string param_name;    // from BTF
  std::string spelled;       // the declared type, spelled by libbpf's btf_dump
  std::string main_variant;  // what _Alignof is asked about
  bool is_void = false;
  bool aggregate = false;
  bool btf_enum = false;
  // Compiler answers:
  uint64_t size = 0, align = 0, type_class = 0, float_kind = 0, is_signed = 0;
  // Aggregates: AAPCS64 natural alignment = max over top-level members of the
  // member alignment (__alignof__ of the member: member-level aligned/packed
  // count, the aggregate's own attribute does not). Unnamed zero-width
  // bit-fields are invisible here (they are not in BTF either).
  uint64_t natural = 0;
  uint64_t largest = 0;  // largest scalar leaf (scalars: sizeof)
  std::vector<OracleLeaf> leaves;
  std::string describe() const;  // "f_x arg0 'a' (struct foo)"
};

struct OracleFunc {
  std::string name;
  bool variadic = false;
  OracleSubject ret;
  std::vector<OracleSubject> args;
};

struct Oracle {
  std::string arch;    // "x86_64", ...
  std::string cc;      // compiler used
  std::string c_file;  // generated C (kept for reproduction)
  std::string error;   // non-empty: the oracle could not be built; says why
  std::map<std::string, OracleFunc> funcs;
};

// Builds the oracle for `object` (an ELF with .BTF) using compiler `cc`.
// `work_dir` receives the generated C file and its object.
Oracle build_oracle(const std::string& arch, const std::string& cc, const std::string& object,
                    const std::string& corpus_dir, const std::string& work_dir);

// Compiles `source` (C text) with `cc -fsyntax-only`; returns the compiler's
// output when it fails, nullopt when it compiles.
std::optional<std::string> compile_fails(const std::string& cc, const std::string& corpus_dir,
                                         const std::string& path, const std::string& source);

// The raw bytes of an ELF section (e.g. ".BTF"), or empty.
std::vector<uint8_t> elf_section_bytes(const std::string& path, const std::string& section);

}  // namespace xtramp::model_test
