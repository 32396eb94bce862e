// Install consumer: prints the xtramp function model of the named functions,
// using only the installed headers and library.
//   consumer <btf-file> <function>...
// Exit codes: 0 ok, 1 error, 77 the BTF file does not exist (test skipped).
#include <cstdio>
#include <exception>
#include <filesystem>
#include <string>

#include "btf/btf_file.hpp"
#include "common/error.hpp"
#include "common/func_model.hpp"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s <btf-file> <function>...\n", argv[0]);
    return 1;
  }
  if (!std::filesystem::exists(argv[1])) {
    std::printf("SKIP: %s does not exist\n", argv[1]);
    return 77;
  }
  try {
    xtramp::btf::OpenOptions opts;
    opts.path = argv[1];
    auto file = xtramp::btf::BtfFile::open(opts);
    std::printf("%s: %s, %u types\n", file.path().c_str(),
                std::string(xtramp::arch_name(file.target())).c_str(), file.type_count());
    for (int i = 2; i < argc; ++i) {
      const xtramp::FuncModel m = file.model(argv[i]);
      std::printf("%s(%zu args) -> %s\n", m.name.c_str(), m.args.size(),
                  m.ret.t().c_type.c_str());
      for (size_t a = 0; a < m.args.size(); ++a) {
        const xtramp::TypeFacts& t = m.args[a].t();
        std::printf("  arg%zu %s: %s size=%u align=%u%s kind=%s\n", a, m.args[a].name.c_str(),
                    t.c_type.c_str(), t.size, t.align, t.align_certain ? "" : "(uncertain)",
                    std::string(xtramp::kind_name(t.kind)).c_str());
      }
    }
  } catch (const xtramp::Error& e) {
    std::fprintf(stderr, "xtramp error: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
