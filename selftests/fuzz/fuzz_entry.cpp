#include "fuzz_entry.hpp"

#include <optional>
#include <stdexcept>
#include <string>

#include "btf/btf_file.hpp"
#include "common/error.hpp"

namespace xtramp::fuzz {
namespace {

// Reads every fact a backend would read, so a bad TypeFacts is touched.
size_t touch(const ValueModel& v) {
  const TypeFacts& t = v.t();
  size_t sum = t.size + t.align + t.natural_align + t.largest_member_size + t.c_type.size();
  for (const ScalarField& f : t.fields) sum += f.offset + f.size + f.bit_size;
  return sum;
}

void check_kernel_view(const btf::BtfFile& file, uint32_t id) {
  KernelView k;
  try {
    k = file.kernel_view(id);
  } catch (const Error&) {
    return;  // malformed BTF around this function: an acceptable answer
  }
  if (!k.accepted && k.message.empty()) {
    throw std::logic_error("kernel_view rejected function id " + std::to_string(id) +
                           " without a message");
  }
  if (k.accepted && k.nr_args > kMaxBpfFuncArgs) {
    throw std::logic_error("kernel_view accepted function id " + std::to_string(id) +
                           " with more than 12 arguments");
  }
}

}  // namespace

size_t run_one_input(std::span<const uint8_t> bytes) {
  std::optional<btf::BtfFile> file;
  try {
    file.emplace(btf::BtfFile::from_bytes(bytes));
  } catch (const Error&) {
    return 0;
  }
  size_t accepted = 0;
  volatile size_t sink = 0;
  for (uint32_t id : file->function_ids()) {
    try {
      const std::string name = file->function_name(id);
      const FuncModel m = file->model_by_id(id);
      size_t sum = touch(m.ret) + name.size();
      for (const ValueModel& a : m.args) sum += touch(a);
      sink = sink + sum;
      ++accepted;
    } catch (const Error&) {
    }
    check_kernel_view(*file, id);
  }
  return accepted;
}

}  // namespace xtramp::fuzz
