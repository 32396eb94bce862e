#include "runtime/code_writer.hpp"

#include <mutex>

#include "runtime/exec_memory.hpp"
#include "runtime/poke_probe.hpp"
#include "runtime/reclaim.hpp"
#include "runtime/text_poke.hpp"

namespace xtramp {

namespace {

class ProcessCodeWriter final : public CodeWriter {
 public:
  void write(void* at, std::span<const uint8_t> bytes) override { poke_text(at, bytes); }
  void sync_cores() override { xtramp::sync_cores(); }
  void require_rewritten_code_runs() override { require_poked_code_runs(); }
  bool wait_quiescent(uintptr_t lo, uintptr_t hi, std::chrono::milliseconds timeout) override {
    return xtramp::wait_quiescent(lo, hi, timeout);
  }
  uintptr_t place_near(size_t size, uintptr_t near, size_t range,
                       const std::function<std::vector<uint8_t>(uintptr_t)>& code) override {
    ExecMemory& mem = ExecMemory::global();
    CodeBlock block = mem.reserve(size, ExecNear{near, range});
    mem.write(block, code(block.address()));
    const uintptr_t addr = block.address();
    std::lock_guard<std::mutex> lock(mu_);
    kept_.push_back(std::move(block));  // never freed: patched sites may reach it at any time
    return addr;
  }

 private:
  std::mutex mu_;
  std::vector<CodeBlock> kept_;
};

}  // namespace

CodeWriter& process_code_writer() {
  static auto* w = new ProcessCodeWriter();  // never destroyed: threads may patch at exit
  return *w;
}

}  // namespace xtramp
