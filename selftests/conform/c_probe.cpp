#include "selftests/conform/c_probe.hpp"

#include <cctype>
#include <fstream>
#include <regex>
#include <sstream>

#include "conform/host/process.hpp"
#include "conform/host/workdir.hpp"

namespace xtramp::conform::test {

namespace {

std::string read_file(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Comments blanked, preprocessor lines dropped.
std::string strip_c(const std::string& src) {
  std::string out;
  bool line_start = true, in_directive = false;
  for (size_t i = 0; i < src.size(); i++) {
    if (src.compare(i, 2, "/*") == 0) {
      const size_t end = src.find("*/", i + 2);
      i = end == std::string::npos ? src.size() : end + 1;
      out += ' ';
      continue;
    }
    if (src.compare(i, 2, "//") == 0) {
      while (i < src.size() && src[i] != '\n') i++;
    }
    if (i >= src.size()) break;
    const char c = src[i];
    if (line_start && c == '#') in_directive = true;
    if (c == '\n') {
      in_directive = false;
      line_start = true;
      out += c;
      continue;
    }
    if (!std::isspace(static_cast<unsigned char>(c))) line_start = false;
    if (!in_directive) out += c;
  }
  return out;
}

}  // namespace

Compiled compile_c(const std::string& cc, const std::string& source, bool assembly) {
  Compiled r;
  const Workdir dir("");  // removed afterwards
  const std::string in = dir.path() + "/probe.c",
                    out = dir.path() + (assembly ? "/probe.s" : "/probe.o");
  std::ofstream(in, std::ios::binary) << source;
  const std::vector<std::string> cmd{cc, "-std=gnu11", "-Wall", "-Werror", assembly ? "-S" : "-c",
                                     in, "-o",         out};
  const ProcessResult p = run_process(cmd);
  r.ok = p.ok();
  r.diagnostics = command_line(cmd) + "\n" + p.failure + p.out + p.err;
  if (assembly && r.ok) r.assembly = read_file(out);
  return r;
}

std::vector<std::string> declared_functions(const std::string& c_source) {
  const std::string src = strip_c(c_source);
  std::vector<std::string> names;
  std::string stmt;
  int braces = 0;
  for (char c : src) {
    if (c == '{') braces++;
    if (c == '}') braces--;
    if (c != ';' || braces != 0) {
      stmt += c;
      continue;
    }
    // A top-level declaration: a function when it has a parameter list and
    // is neither a typedef nor a definition of a type.
    const size_t first = stmt.find_first_not_of(" \t\n");
    const bool is_typedef = first != std::string::npos && stmt.compare(first, 7, "typedef") == 0;
    const size_t paren = stmt.find('(');
    if (!is_typedef && stmt.find('{') == std::string::npos && paren != std::string::npos) {
      size_t end = paren;
      while (end > 0 && std::isspace(static_cast<unsigned char>(stmt[end - 1]))) end--;
      size_t begin = end;
      while (begin > 0 && (std::isalnum(static_cast<unsigned char>(stmt[begin - 1])) ||
                           stmt[begin - 1] == '_')) {
        begin--;
      }
      if (begin < end) names.push_back(stmt.substr(begin, end - begin));
    }
    stmt.clear();
  }
  return names;
}

std::vector<std::string> defined_aggregates(const std::string& c_source) {
  static const std::regex def(R"((^|\n)(struct|union) ([A-Za-z_][A-Za-z0-9_]*) \{)");
  std::vector<std::string> out;
  const std::string src = strip_c(c_source);
  for (auto it = std::sregex_iterator(src.begin(), src.end(), def); it != std::sregex_iterator();
       ++it) {
    out.push_back((*it)[2].str() + " " + (*it)[3].str());
  }
  return out;
}

std::string probe_tu(const std::string& source, const std::vector<std::string>& functions,
                     const std::vector<std::string>& aggregates, uint32_t max_size) {
  std::string tu = source + "\n/* probe */\nvoid *xt_keep[] = {\n";
  for (const std::string& f : functions) tu += "    (void *)" + f + ",\n";
  tu += "    0};\n";
  for (const std::string& a : aggregates) {
    tu += "_Static_assert(sizeof(" + a + ") <= " + std::to_string(max_size) + ", \"" + a +
          " is larger than " + std::to_string(max_size) + " bytes\");\n";
  }
  return tu;
}

std::vector<uint32_t> asm_u32_table(const std::string& assembly, const std::string& label) {
  std::vector<uint32_t> values;
  const size_t at = assembly.find("\n" + label + ":");
  if (at == std::string::npos) return values;
  std::stringstream lines(assembly.substr(at + label.size() + 2));
  static const std::regex entry(R"(^\s*\.(long|word|4byte)\s+([0-9]+)\s*$)");
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (line.empty()) continue;
    if (!std::regex_match(line, m, entry)) break;
    values.push_back(static_cast<uint32_t>(std::stoul(m[2].str())));
  }
  return values;
}

}  // namespace xtramp::conform::test
