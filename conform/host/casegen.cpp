#include "conform/host/casegen.hpp"

#include <bpf/btf.h>

#include <cstdarg>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <regex>
#include <sstream>

#include "common/error.hpp"
#include "conform/case_abi.hpp"
#include "conform/host/process.hpp"

namespace xtramp::conform {
namespace {

namespace fs = std::filesystem;

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  if (!out) throw Error(Errc::io, "cannot write " + path);
}

// GCC's -aux-info lines: "/* FILE:LINE:XY */ PROTOTYPE;" with X = N (new
// style, a prototype) or O (old style), Y = C (declaration) or F (definition).
// The name is the identifier before the first '(' that opens a parameter
// list rather than a declarator such as "(*".
std::vector<DeclaredFunction> declared_functions(const std::string& aux, const std::string& file) {
  std::vector<DeclaredFunction> out;
  std::map<std::string, bool> seen;
  static const std::regex line_re(R"(^/\* (.*):([0-9]+):([NO])([CF]) \*/ (.*)$)");
  std::istringstream in(aux);
  std::string line;
  while (std::getline(in, line)) {
    std::smatch m;
    if (!std::regex_match(line, m, line_re) || m[1] != file) continue;
    if (m[4] == "F") continue;  // a definition: not a function to trace
    const std::string proto = m[5];
    std::string name;
    for (size_t p = proto.find('('); p != std::string::npos; p = proto.find('(', p + 1)) {
      if (p + 1 < proto.size() && proto[p + 1] == '*') continue;
      size_t e = p;
      while (e > 0 && proto[e - 1] == ' ') --e;
      size_t b = e;
      while (b > 0 &&
             (std::isalnum(static_cast<unsigned char>(proto[b - 1])) || proto[b - 1] == '_'))
        --b;
      name = proto.substr(b, e - b);
      break;
    }
    if (name.empty() || seen[name]) continue;
    seen[name] = true;
    DeclaredFunction f;
    f.name = name;
    f.where = fs::path(file).filename().string() + ":" + std::string(m[2]);
    if (m[3] == "O") f.unsupported = "declared without a prototype";
    out.push_back(f);
  }
  return out;
}

// btf_dump prints through a callback; this collects into a string.
class Spelling {
 public:
  explicit Spelling(const struct btf* b) {
    dump_ = btf_dump__new(b, &Spelling::print, this, nullptr);
    if (dump_ == nullptr) throw Error(Errc::malformed_btf, "btf_dump__new failed");
  }
  ~Spelling() { btf_dump__free(dump_); }
  Spelling(const Spelling&) = delete;
  Spelling& operator=(const Spelling&) = delete;

  // The C declaration of `name` with type `id` ("struct s a0", "int (*a1)(int)").
  std::string decl(uint32_t id, const std::string& name) {
    text_.clear();
    LIBBPF_OPTS(btf_dump_emit_type_decl_opts, o, .field_name = name.c_str());
    if (btf_dump__emit_type_decl(dump_, id, &o) != 0)
      throw Error(Errc::malformed_btf, "cannot spell BTF type " + std::to_string(id));
    return text_;
  }

 private:
  static void print(void* self, const char* fmt, va_list args) {
    char buf[4096];
    std::vsnprintf(buf, sizeof buf, fmt, args);
    static_cast<Spelling*>(self)->text_ += buf;
  }
  struct btf_dump* dump_ = nullptr;
  std::string text_;
};

// Why a parameter or return type cannot be spelled outside the declaration:
// an anonymous struct, union or enum written in the prototype itself.
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

struct Prototype {
  std::string callee_head;            // "int f(struct s a0, long a1)"
  std::string ret_local;              // "int r" ("" for void)
  std::vector<std::string> arg_ptrs;  // "struct s *p0"
};

}  // namespace

CaseSource make_case_source(const std::string& file_arg, const std::string& host_cc,
                            const std::string& workdir) {
  std::error_code ec;
  if (!fs::is_regular_file(file_arg, ec)) throw Error(Errc::io, file_arg + ": no such file");
  const std::string file = fs::absolute(file_arg).lexically_normal().string();
  const std::string aux = workdir + "/aux.txt";
  fs::remove(aux, ec);
  const std::vector<std::string> syntax{host_cc,         "-std=gnu11", "-x", "c",
                                        "-fsyntax-only", "-aux-info",  aux,  file};
  if (ProcessResult r = run_process(syntax); !r.ok())
    throw Error(Errc::bad_request, file_arg + " does not compile: " + failure_text(r, syntax));

  CaseSource cs;
  cs.functions = declared_functions(read_file(aux), file);
  if (cs.functions.empty())
    throw Error(Errc::bad_request, file_arg +
                                       " declares no function (conform tests the functions "
                                       "a file declares; definitions are not traced)");

  // Probe: every function's address taken, so GCC emits its BTF FUNC.
  std::string probe = "#include \"" + file + "\"\n";
  for (const DeclaredFunction& f : cs.functions)
    if (f.unsupported.empty())
      probe += "__typeof__(" + f.name + ") *xt_probe_" + f.name + " = " + f.name + ";\n";
  write_file(workdir + "/probe.c", probe);
  const std::vector<std::string> probe_cmd{
      host_cc, "-std=gnu11", "-w", "-gbtf", "-c", workdir + "/probe.c", "-o", workdir + "/probe.o"};
  if (ProcessResult r = run_process(probe_cmd); !r.ok())
    throw Error(Errc::bad_request,
                file_arg + ": the probe does not compile: " + failure_text(r, probe_cmd));
  std::unique_ptr<struct btf, void (*)(struct btf*)> b(
      btf__parse_elf((workdir + "/probe.o").c_str(), nullptr), btf__free);
  if (!b)
    throw Error(Errc::malformed_btf, workdir + "/probe.o: no BTF (does " + host_cc +
                                         " support -gbtf? GCC 12 or later does)");
  Spelling spell(b.get());

  std::string body, table;
  unsigned n = 0;
  for (DeclaredFunction& f : cs.functions) {
    if (!f.unsupported.empty()) continue;
    const int fid = btf__find_by_name_kind(b.get(), f.name.c_str(), BTF_KIND_FUNC);
    if (fid <= 0) {
      f.unsupported = "no BTF for it (not a plain function declaration)";
      continue;
    }
    const struct btf_type* proto = btf__type_by_id(b.get(), btf__type_by_id(b.get(), fid)->type);
    const struct btf_param* params = btf_params(proto);
    const unsigned nparams = btf_vlen(proto);
    if (nparams > 0 && params[nparams - 1].type == 0) {
      f.unsupported = "varargs: the trampoline cannot know the arguments";
      continue;
    }
    if (nparams > kMaxCaseArgs) {
      f.unsupported = std::to_string(nparams) + " arguments (conform handles at most 64)";
      continue;
    }
    std::string why = unnamable(b.get(), proto->type);
    for (unsigned i = 0; i < nparams && why.empty(); ++i) {
      why = unnamable(b.get(), params[i].type);
      if (!why.empty()) why = "argument " + std::to_string(i) + ": " + why;
    }
    if (!why.empty()) {
      f.unsupported = why;
      continue;
    }
    std::string plist, call_args, ptrs, stores;
    for (unsigned i = 0; i < nparams; ++i) {
      const std::string a = "xt_a" + std::to_string(i), p = "xt_p" + std::to_string(i);
      plist += (i ? ", " : "") + spell.decl(params[i].type, a);
      ptrs +=
          "  " + spell.decl(params[i].type, "*" + p) + " = xt_argv[" + std::to_string(i) + "];\n";
      call_args += (i ? ", *" : "*") + p;
      stores += "  __builtin_memcpy(xt_conform_args[" + std::to_string(i) + "], &" + a +
                ", sizeof " + a + ");\n";
    }
    const bool is_void = proto->type == 0;
    const std::string head =
        spell.decl(proto->type, f.name + "(" + (nparams ? plist : "void") + ")");
    body += "\n/* " + f.where + " */\n" + head + " {\n  ++xt_conform_calls;\n" + stores;
    if (!is_void)
      body += "  " + spell.decl(proto->type, "xt_r") +
              ";\n  __builtin_memcpy(&xt_r, xt_conform_ret, sizeof xt_r);\n  return xt_r;\n";
    body += "}\nstatic void xt_call_" + f.name +
            "(void *xt_fp, void *const *xt_argv, void *xt_ret) {\n" + "  __typeof__(" + f.name +
            ") *xt_f = xt_fp;\n" + (nparams ? ptrs : "  (void)xt_argv;\n");
    if (is_void) {
      body += "  xt_f(" + call_args + ");\n  (void)xt_ret;\n}\n";
    } else {
      body += "  " + spell.decl(proto->type, "xt_r") + " = xt_f(" + call_args +
              ");\n  __builtin_memcpy(xt_ret, &xt_r, sizeof xt_r);\n}\n";
    }
    table += "  {\"" + f.name + "\", (void *)" + f.name + ", xt_call_" + f.name + ", " +
             std::to_string(nparams) + "},\n";
    ++n;
  }
  if (n == 0) return cs;
  cs.c_source = "/* Generated by xtramp conform from " + file_arg +
                ": a GCC-compiled callee and caller per declared function. */\n#include \"" + file +
                "\"\n\n" + kCaseAbiC + body +
                "\nconst struct xt_conform_case xt_conform_cases[] = {\n" + table +
                "};\nconst unsigned xt_conform_ncases = " + std::to_string(n) + ";\n";
  return cs;
}

}  // namespace xtramp::conform
