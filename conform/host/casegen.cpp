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
#include "conform/host/c_decls.hpp"
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
