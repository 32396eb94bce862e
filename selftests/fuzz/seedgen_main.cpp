// xtramp_fuzz_seedgen OUTDIR [OBJECT...]: writes the seed corpus for
// xtramp_fuzz_btf: the crafted raw BTF seeds plus, per object, the ELF file
// and its raw .BTF.
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>

#include "seeds.hpp"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s OUTDIR [OBJECT...]\n", argv[0]);
    return 2;
  }
  try {
    const std::filesystem::path dir = argv[1];
    std::filesystem::create_directories(dir);
    std::vector<xtramp::fuzz::Seed> seeds = xtramp::fuzz::crafted_seeds();
    for (int i = 2; i < argc; ++i) {
      for (auto& s : xtramp::fuzz::object_seeds(argv[i])) seeds.push_back(std::move(s));
    }
    for (const auto& s : seeds) {
      std::ofstream out(dir / s.name, std::ios::binary);
      out.write(reinterpret_cast<const char*>(s.bytes.data()),
                static_cast<std::streamsize>(s.bytes.size()));
      if (!out) throw std::runtime_error("cannot write " + (dir / s.name).string());
    }
    std::printf("%zu seeds in %s\n", seeds.size(), dir.c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "xtramp_fuzz_seedgen: %s\n", e.what());
    return 1;
  }
  return 0;
}
