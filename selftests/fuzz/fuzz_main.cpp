// libFuzzer target: BTF bytes (raw or ELF) -> BtfFile::from_bytes -> every
// function through model_by_id and kernel_view. See fuzz_entry.hpp.
#include <cstddef>
#include <cstdint>

#include "fuzz_entry.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  xtramp::fuzz::run_one_input({data, size});
  return 0;
}
