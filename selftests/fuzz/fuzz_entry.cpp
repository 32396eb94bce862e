#include "fuzz_entry.hpp"

#include <optional>
#include <stdexcept>
#include <string>

#include "btf/btf_file.hpp"
#include "common/backend.hpp"
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

// Places the model on every backend under both policies: a layout is either
// refused with an xtramp::Error or consistent (every byte of every argument
// somewhere, ctx slots in order).
void check_layouts(const FuncModel& m) {
  for (const Backend* b : backends()) {
    for (Policy p : {Policy::psabi, Policy::linux_jit}) {
      CallLayout l;
      try {
        l = b->place(m, p);
      } catch (const Error&) {
        continue;
      }
      if (l.args.size() != m.args.size())
        throw std::logic_error(m.name + ": layout and model disagree on the argument count");
      uint32_t slot = 0;
      for (size_t i = 0; i < l.args.size(); ++i) {
        const ArgLayout& a = l.args[i];
        if (a.ctx_slot != slot) throw std::logic_error(m.name + ": ctx slots out of order");
        slot += a.ctx_slots;
        uint32_t covered = 0;
        for (const ArgPart& part : a.parts) covered += part.size;
        const uint32_t want = a.by_ref ? 8 : a.size;
        // Padding (x86-64 NO_CLASS eightbytes) may be left out, never invented.
        if (covered > want)
          throw std::logic_error(m.name + ": arg" + std::to_string(i) +
                                 " has more bytes placed than it has");
      }
    }
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
      check_layouts(m);
      ++accepted;
    } catch (const Error&) {
    }
    check_kernel_view(*file, id);
  }
  return accepted;
}

}  // namespace xtramp::fuzz
