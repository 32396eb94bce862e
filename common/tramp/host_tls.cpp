#include "common/tramp/host_tls.hpp"

namespace xtramp {

detail::InlineRun HostTls::inline_run() const noexcept {
  if (thread_pointer == nullptr) return {};
  detail::InlineRun r = detail::inline_run(thread_pointer());
  if (!offset_fits(r.block_tp_offset)) r.available = false;
  return r;
}

rcu::StubFacts HostTls::stub_facts(rcu::StubFacts f) const noexcept {
  if (thread_pointer == nullptr) return {};
  f.reader_tp_offset = static_cast<int64_t>(f.reader_addr - thread_pointer());
  if (!f.available || !offset_fits(f.reader_tp_offset)) f.available = false;
  return f;
}

}  // namespace xtramp
