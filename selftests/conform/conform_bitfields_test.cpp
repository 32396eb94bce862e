// `xtramp conform` on selftests/conform/bitfields.c, on the host architecture:
// zero-width and unnamed bit-fields next to float, double, integer and
// aggregate members (docs/abi.md "Bit-fields"). Before the model inferred
// unnamed bit-fields, psabi failed here (x86-64: `struct { float a; int : 8; }`
// went in xmm0, GCC passes it in rdi; s390x: f0 against GCC's r2); before the
// runner diagnosed a crashed round trip, bf_zf_shift failed on s390x.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "common/arch.hpp"
#include "conform/host/process.hpp"

namespace xtramp::conform {
namespace {

using Verdicts = std::map<std::string, std::pair<std::string, std::string>>;  // status, detail

Verdicts run_corpus(const std::string& policy) {
  const ProcessResult r =
      run_process({XTRAMP_CLI_PATH, "conform", "--quiet", "--arch",
                   std::string(arch_name(host_arch())), "--json", XTRAMP_BITFIELDS_C});
  EXPECT_TRUE(r.failure.empty()) << r.failure;
  EXPECT_EQ(r.exit_code, 0) << r.err << r.out;
  Verdicts out;
  for (const auto& rec : nlohmann::ordered_json::parse(r.out))
    if (rec["policy"] == policy) out[rec["function"]] = {rec["status"], rec["detail"]};
  return out;
}

TEST(ConformBitfields, PsabiPassesWhereTheDebugInfoShowsTheBitfield) {
  const Verdicts psabi = run_corpus("psabi");
  ASSERT_EQ(psabi.size(), 29u);
  const bool s390x = host_arch() == Arch::s390x;
  for (const auto& [fn, v] : psabi) {
    // A zero-width bit-field that moves nothing is invisible in BTF and DWARF
    // types; in a struct only s390x cares (GCC: not float-like), and there the
    // callee's DWARF shows r2 unless the struct is on the stack (bf_zf_shift,
    // whose round trip crashes); in a union only x86-64 and arm64 do (GCC: an
    // integer member). The runner names it.
    const bool in_struct = s390x && fn == "bf_zf_shift";
    const bool in_union = !s390x && (fn == "bfu_zf" || fn == "bfu_zh" || fn == "bfu_zd2");
    if (in_struct || in_union) {
      EXPECT_EQ(v.first, "unsupported") << fn;
      const char* why = in_struct ? "zero-width bit-field" : "integer member of the union";
      EXPECT_NE(v.second.find(why), std::string::npos) << fn << ": " << v.second;
    } else {
      EXPECT_EQ(v.first, "pass") << fn << ": " << v.second;
    }
  }
}

// The kernel's JITs look only at a struct's size: right wherever GCC uses
// GPRs for it, which an unnamed bit-field next to a float makes it do.
TEST(ConformBitfields, LinuxRightWhereTheBitfieldMakesItIntegral) {
  const Verdicts linux = run_corpus("linux");
  for (const char* fn :
       {"bf_k_uf_last", "bf_k_uf_first", "bf_k_ua_alone", "bf_k_ui_last", "bf_k_zi_betw"})
    EXPECT_EQ(linux.at(fn).first, "pass") << fn << ": " << linux.at(fn).second;
  // struct { float a; int : 0; }: x86-64 xmm0, arm64 s0 (an HFA), s390x r2.
  EXPECT_EQ(linux.at("bf_k_zf_last").first, host_arch() == Arch::s390x ? "pass" : "fail");
  EXPECT_EQ(linux.at("bf_zf_last").first, "unsupported") << "the kernel refuses floats";
}

}  // namespace
}  // namespace xtramp::conform
