#include "conform/kernel/kernel_corpus.hpp"

#include <cctype>
#include <vector>

#include "conform/siggen.hpp"

namespace xtramp::conform::kernel {
namespace {

bool ident_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
}

std::vector<std::string> split_cases(const std::string& src) {
  std::vector<std::string> out;
  const std::string marker = "\n/* case ";
  for (size_t at = src.find(marker); at != std::string::npos;) {
    const size_t next = src.find(marker, at + 1);
    out.push_back(src.substr(at, next == std::string::npos ? std::string::npos : next - at));
    at = next;
  }
  return out;
}

}  // namespace

// A case block: "\n/* case <i>: <name> */\n", definitions, the declaration.
bool kernel_c_case(const std::string& block) {
  const size_t c = block.find("*/");
  if (c == std::string::npos || names_floating_type(block.substr(c + 2))) return false;
  const size_t colon = block.find(": ");
  const std::string name = block.substr(colon + 2, block.find(' ', colon + 2) - colon - 2);
  std::string body = block;
  while (!body.empty() && body.back() == '\n') body.pop_back();
  return declared_params(body.substr(body.rfind('\n') + 1), name) <= kMaxKernelCorpusArgs;
}

bool names_floating_type(const std::string& text) {
  for (size_t i = 0; i < text.size();) {
    if (!ident_char(text[i])) {
      ++i;
      continue;
    }
    size_t e = i;
    while (e < text.size() && ident_char(text[e])) ++e;
    const std::string w = text.substr(i, e - i);
    if (w == "float" || w == "double" || w == "__float128" || w == "_Complex" ||
        w == "__complex__" || w.rfind("_Float", 0) == 0)
      return true;
    i = e;
  }
  return false;
}

unsigned declared_params(const std::string& decl, const std::string& name) {
  size_t p = decl.find(name + "(");
  if (p == std::string::npos) return 0;
  p += name.size() + 1;
  unsigned commas = 0, depth = 0;
  bool any = false;
  std::string first;
  for (; p < decl.size(); ++p) {
    const char c = decl[p];
    if (c == '(') ++depth;
    if (c == ')') {
      if (depth == 0) break;
      --depth;
    }
    if (c == ',' && depth == 0) ++commas;
    if (std::isspace(static_cast<unsigned char>(c)) == 0) any = true;
    if (commas == 0) first += c;
  }
  if (!any) return 0;
  // "(void)": no parameters.
  size_t b = first.find_first_not_of(" \t"), e = first.find_last_not_of(" \t");
  if (commas == 0 && b != std::string::npos && first.substr(b, e - b + 1) == "void") return 0;
  return commas + 1;
}

KernelCorpus kernel_corpus(uint64_t seed, uint32_t count) {
  KernelCorpus out;
  for (const CorpusFile& f : builtin_corpus()) out.files.push_back({f.name, f.c_source});
  if (count == 0) return out;
  // Cases 0, 1, 2, ... of the seed until `count` are kernel C (case i is the
  // same text whatever the count: siggen.hpp). Most groups mix in floating
  // types, so about a quarter are kept; 32 * count bounds the scan.
  GeneratedCorpus gen;
  for (uint32_t n = count * 4; gen.functions.empty() || n <= count * 32; n *= 2) {
    gen = generate_signatures({seed, n});
    uint32_t kept = 0;
    for (const std::string& t : split_cases(gen.c_source)) kept += kernel_c_case(t) ? 1 : 0;
    if (kept >= count) break;
  }
  // c_source: a header comment, then per case "\n/* case <i>: <name> */\n",
  // its definitions and its declaration (the last line).
  const std::string marker = "\n/* case ";
  size_t at = gen.c_source.find(marker);
  std::string text = gen.c_source.substr(0, at);
  text = text.substr(0, text.find("seed ")) + "seed " + std::to_string(seed) +
         " (kernel-C cases of the first " + std::to_string(gen.functions.size()) + ").\n */\n";
  text +=
      "/* kernel-compilable cases only (xtramp kernel-check --corpus): no floating\n"
      " * type, at most " +
      std::to_string(kMaxKernelCorpusArgs) + " arguments. */\n";
  for (size_t i = 0; i < gen.functions.size() && at != std::string::npos && out.kept < count; ++i) {
    ++out.generated;
    const size_t next = gen.c_source.find(marker, at + 1);
    const std::string block =
        gen.c_source.substr(at, next == std::string::npos ? std::string::npos : next - at);
    at = next;
    std::string body = block;
    while (!body.empty() && body.back() == '\n') body.pop_back();
    const std::string decl = body.substr(body.rfind('\n') + 1);
    if (names_floating_type(block.substr(block.find("*/") + 2))) {
      ++out.floating_point;
      continue;
    }
    if (!kernel_c_case(block)) {
      ++out.too_many_args;
      continue;
    }
    ++out.kept;
    text += block;
  }
  out.files.push_back({"generated.h", text});
  return out;
}

}  // namespace xtramp::conform::kernel
