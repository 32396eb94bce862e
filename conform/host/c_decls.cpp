#include "conform/host/c_decls.hpp"

#include <bpf/btf.h>

#include <cctype>
#include <cstdarg>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string_view>

#include "common/error.hpp"
#include "conform/host/process.hpp"

namespace xtramp::conform {

namespace fs = std::filesystem;

// GCC's -aux-info lines: "/* FILE:LINE:XY */ PROTOTYPE;" with X = N (new
// style, a prototype) or O (old style), Y = C (declaration) or F (definition).
// The name is the identifier before the first '(' that opens a parameter
// list rather than a declarator such as "(*".
namespace {

std::string function_name(const std::string& proto) {
  for (size_t p = proto.find('('); p != std::string::npos; p = proto.find('(', p + 1)) {
    if (p + 1 < proto.size() && proto[p + 1] == '*') continue;
    size_t e = p;
    while (e > 0 && proto[e - 1] == ' ') --e;
    size_t b = e;
    while (b > 0 && (std::isalnum(static_cast<unsigned char>(proto[b - 1])) || proto[b - 1] == '_'))
      --b;
    return proto.substr(b, e - b);
  }
  return "";
}

}  // namespace

std::vector<DeclaredFunction> declared_functions(const std::string& aux, const InScope& in_scope,
                                                 bool report_definitions) {
  std::vector<DeclaredFunction> out;
  std::map<std::string, size_t> seen;          // name -> index in out
  std::map<std::string, std::string> defined;  // name -> "file.h:12" of a definition
  std::map<std::string, bool> scope_cache;
  static const std::regex line_re(R"(^/\* (.*):([0-9]+):([NO])([CF]) \*/ (.*)$)");
  std::istringstream in(aux);
  std::string line;
  while (std::getline(in, line)) {
    std::smatch m;
    if (!std::regex_match(line, m, line_re)) continue;
    const std::string path = m[1];
    const std::string name = function_name(m[5]);
    if (name.empty()) continue;
    const std::string where = fs::path(path).filename().string() + ":" + std::string(m[2]);
    if (m[4] == "F") defined.emplace(name, where);
    auto sc = scope_cache.find(path);
    if (sc == scope_cache.end()) sc = scope_cache.emplace(path, in_scope(path)).first;
    if (!sc->second || seen.count(name)) continue;
    if (m[4] == "F" && !report_definitions) continue;  // a definition: not a function to trace
    seen[name] = out.size();
    DeclaredFunction f;
    f.name = name;
    f.where = where;
    f.path = path;
    f.line = static_cast<unsigned>(std::stoul(m[2]));
    if (m[4] == "F")
      f.unsupported = "defined in the header (" +
                      std::string(m[5].str().starts_with("static") ? "static" : "inline") +
                      "): no separate function to trace";
    else if (m[3] == "O")
      f.unsupported = "declared without a prototype";
    out.push_back(f);
  }
  for (DeclaredFunction& f : out)
    if (f.unsupported.empty())
      if (auto d = defined.find(f.name); d != defined.end())
        f.unsupported = "also defined (" + d->second + "): the case library cannot define it again";
  return out;
}

std::vector<DeclaredFunction> declared_functions(const std::string& aux, const std::string& file) {
  return declared_functions(
      aux, [&file](const std::string& p) { return p == file; }, false);
}

Spelling::Spelling(const struct btf* b) {
  dump_ = btf_dump__new(b, &Spelling::print, this, nullptr);
  if (dump_ == nullptr) throw Error(Errc::malformed_btf, "btf_dump__new failed");
}

Spelling::~Spelling() {
  btf_dump__free(dump_);
}

namespace {

bool ident_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

// GCC's -gbtf names `_Complex T` "complex T" (a FLOAT; its DWARF name too),
// which is C only after <complex.h>: spelled with the keyword instead.
std::string complex_keyword(std::string text) {
  for (const std::string_view base : {"complex float", "complex double", "complex long double"})
    for (size_t p = text.find(base); p != std::string::npos; p = text.find(base, p + 1)) {
      const size_t end = p + base.size();
      if ((p > 0 && ident_char(text[p - 1])) || (end < text.size() && ident_char(text[end])))
        continue;
      text.replace(p, 7, "_Complex");
    }
  return text;
}

}  // namespace

std::string Spelling::decl(uint32_t id, const std::string& name) {
  text_.clear();
  LIBBPF_OPTS(btf_dump_emit_type_decl_opts, o, .field_name = name.c_str());
  if (btf_dump__emit_type_decl(dump_, id, &o) != 0)
    throw Error(Errc::malformed_btf, "cannot spell BTF type " + std::to_string(id));
  return complex_keyword(text_);
}

void Spelling::print(void* self, const char* fmt, va_list args) {
  char buf[4096];
  std::vsnprintf(buf, sizeof buf, fmt, args);
  static_cast<Spelling*>(self)->text_ += buf;
}

std::string unnamable(const struct btf* b, uint32_t id) {
  while (id != 0) {
    const struct btf_type* t = btf__type_by_id(b, id);
    switch (btf_kind(t)) {
      case BTF_KIND_CONST:
      case BTF_KIND_VOLATILE:
      case BTF_KIND_RESTRICT:
      case BTF_KIND_TYPE_TAG:
        id = t->type;
        continue;
      case BTF_KIND_STRUCT:
      case BTF_KIND_UNION:
      case BTF_KIND_ENUM:
      case BTF_KIND_ENUM64:
        if (t->name_off == 0 || *btf__name_by_offset(b, t->name_off) == '\0')
          return "an anonymous struct, union or enum in the prototype (give it a tag or a typedef)";
        return "";
      default:
        return "";
    }
  }
  return "";
}

ProbedDeclarations probe_declarations(const std::string& file_arg, const std::string& host_cc,
                                      const std::string& workdir) {
  std::error_code ec;
  if (!fs::is_regular_file(file_arg, ec)) throw Error(Errc::io, file_arg + ": no such file");
  ProbedDeclarations pd;
  pd.file = fs::absolute(file_arg).lexically_normal().string();
  const std::string aux = workdir + "/aux.txt";
  fs::remove(aux, ec);
  const std::vector<std::string> syntax{host_cc,         "-std=gnu11", "-x", "c",
                                        "-fsyntax-only", "-aux-info",  aux,  pd.file};
  if (ProcessResult r = run_process(syntax); !r.ok())
    throw Error(Errc::bad_request, file_arg + " does not compile: " + failure_text(r, syntax));
  std::ifstream in(aux);
  std::stringstream ss;
  ss << in.rdbuf();
  pd.functions = declared_functions(ss.str(), pd.file);
  if (pd.functions.empty())
    throw Error(Errc::bad_request, file_arg + " declares no function (definitions are not traced)");
  std::string probe = "#include \"" + pd.file + "\"\n";
  for (const DeclaredFunction& f : pd.functions)
    if (f.unsupported.empty())
      probe += "__typeof__(" + f.name + ") *xt_probe_" + f.name + " = " + f.name + ";\n";
  {
    std::ofstream out(workdir + "/probe.c");
    out << probe;
    if (!out) throw Error(Errc::io, "cannot write " + workdir + "/probe.c");
  }
  pd.probe_o = workdir + "/probe.o";
  const std::vector<std::string> probe_cmd{host_cc, "-std=gnu11",         "-w", "-gbtf",
                                           "-c",    workdir + "/probe.c", "-o", pd.probe_o};
  if (ProcessResult r = run_process(probe_cmd); !r.ok())
    throw Error(Errc::bad_request,
                file_arg + ": the probe does not compile: " + failure_text(r, probe_cmd));
  return pd;
}

}  // namespace xtramp::conform
