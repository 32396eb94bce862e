// Seeds from a compiled object: the ELF as is and its .BTF as raw BTF.
#include <bpf/btf.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <stdexcept>

#include "seeds.hpp"

namespace xtramp::fuzz {

std::vector<Seed> object_seeds(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::vector<uint8_t> elf((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());

  std::unique_ptr<struct btf, decltype(&btf__free)> btf(btf__parse_elf(path.c_str(), nullptr),
                                                        &btf__free);
  if (!btf) throw std::runtime_error("no .BTF in " + path + ": " + std::strerror(errno));
  uint32_t size = 0;
  const auto* raw = static_cast<const uint8_t*>(btf__raw_data(btf.get(), &size));
  if (raw == nullptr) throw std::runtime_error("cannot serialise the BTF of " + path);

  std::string base = path.substr(path.find_last_of('/') + 1);
  return {Seed{base, std::move(elf)}, Seed{base + ".btf", std::vector<uint8_t>(raw, raw + size)}};
}

}  // namespace xtramp::fuzz
