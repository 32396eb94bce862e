// What a user's C file of declarations holds, for the generators that turn
// it into code with the same prototypes (casegen: user-space case libraries;
// conform/kernel: kernel modules): the functions it declares (GCC's
// -aux-info) and, from BTF of those prototypes, each type spelled as C.
#pragma once

#include <cstdarg>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

struct btf;
struct btf_dump;

#include "conform/host/casegen.hpp"

namespace xtramp::conform {

// The functions GCC's -aux-info output `aux` lists as declared (not defined)
// in `file`, in order, each once; old-style declarations are marked
// unsupported.
std::vector<DeclaredFunction> declared_functions(const std::string& aux, const std::string& file);

// The same for every file `in_scope` accepts (a path as GCC spells it in
// -aux-info). With `report_definitions`, functions defined there (static
// inline in a header) are listed too, marked unsupported. A function that is
// also defined anywhere in the translation unit is marked unsupported.
using InScope = std::function<bool(const std::string& path)>;
std::vector<DeclaredFunction> declared_functions(const std::string& aux, const InScope& in_scope,
                                                 bool report_definitions);

// Why a parameter or return type cannot be spelled outside the declaration
// ("" if it can): an anonymous struct, union or enum written in the
// prototype itself.
std::string unnamable(const struct btf* b, uint32_t id);

// A C file compiled by the host compiler: the functions it declares and BTF
// for every one of them (a probe translation unit takes each function's
// address, so GCC emits its BTF FUNC; -gbtf needs GCC 12 or later). `probe_o`
// is the probe object in `workdir`. Throws Error(bad_request) when the file
// does not compile or declares no function.
struct ProbedDeclarations {
  std::string file;  // absolute
  std::vector<DeclaredFunction> functions;
  std::string probe_o;
};
ProbedDeclarations probe_declarations(const std::string& file, const std::string& host_cc,
                                      const std::string& workdir);

// Types of a BTF spelled as C declarations (libbpf's btf_dump).
class Spelling {
 public:
  explicit Spelling(const struct btf* b);
  ~Spelling();
  Spelling(const Spelling&) = delete;
  Spelling& operator=(const Spelling&) = delete;

  // The C declaration of `name` with type `id` ("struct s a0", "int (*a1)(int)").
  std::string decl(uint32_t id, const std::string& name);

 private:
  static void print(void* self, const char* fmt, va_list args);
  struct btf_dump* dump_ = nullptr;
  std::string text_;
};

}  // namespace xtramp::conform
