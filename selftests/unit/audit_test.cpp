// common/audit: the byte-wise layout comparison and the three audit
// questions. The cases are the kernel bugs docs/linux-jits.md documents
// (the 2025 RFC's 16-byte-aligned stack struct on x86-64 and arm64, s390x's
// 3-byte struct by value) and docs/model.md's hidden-alignment example; the
// prototypes are compiled by each arch's GCC.
#include <gtest/gtest.h>

#include "common/audit/function_audit.hpp"
#include "common/audit/layout_diff.hpp"
#include "common/backend.hpp"
#include "selftests/unit/c_model.hpp"

namespace xtramp {
namespace {

using audit::ByteHome;
using audit::LayoutDifference;
using audit::LinuxVerdict;

const char* kSource = R"(
struct rfc_s { __int128 a; };
int rfc(struct rfc_s a, struct rfc_s b, struct rfc_s c, struct rfc_s d, short e,
        struct rfc_s f) { return e; }
struct three { char a, b, c; };
int three_bytes(struct three t) { return t.a; }
struct two_longs { long a, b; };
long sockptr_like(int a, struct two_longs s) { return s.a + a; }
long plain(long a, int *b) { return a + *b; }
double with_float(double d, long x) { return d + x; }
__int128 ret128(long a) { return a; }
)";

FuncModel model(Arch a, const char* fn) {
  return test::model_from_c(a, kSource, fn);
}

KernelView kernel(Arch a, const char* fn) {
  const btf::BtfFile& f = test::compile_c(a, kSource);
  return f.kernel_view(f.find_function(fn));
}

audit::ArchAudit run(Arch a, const char* fn) {
  return audit::audit_function(backend(a), model(a, fn), kernel(a, fn));
}

// The kernel JIT reads the RFC function's last argument from the slot right
// after `e`; the ABI aligns it to 16 (psABI: type alignment of memory
// arguments; AAPCS64 C.14). The first byte that differs is f's byte 0.
TEST(Audit, RfcStructIsMisplacedByLinuxOnX86AndArm64) {
  for (Arch a : {Arch::x86_64, Arch::arm64}) {
    SCOPED_TRACE(arch_name(a));
    const audit::ArchAudit r = run(a, "rfc");
    ASSERT_TRUE(r.psabi_placed) << r.psabi_error;
    ASSERT_EQ(r.linux_verdict, LinuxVerdict::misplaced);
    ASSERT_TRUE(r.linux_diff);
    EXPECT_EQ(r.linux_diff->arg, 5);
    EXPECT_EQ(r.linux_diff->what, LayoutDifference::What::byte);
    EXPECT_EQ(r.linux_diff->byte, 0u);
    EXPECT_EQ(r.linux_diff->a.kind, ByteHome::Kind::stack);
    EXPECT_EQ(r.linux_diff->b.kind, ByteHome::Kind::stack);
    EXPECT_EQ(r.linux_diff->a.pos % 16, a == Arch::x86_64 ? 8 : 0)
        << "psabi puts f on a 16-byte boundary of the caller's stack";
    EXPECT_FALSE(r.kernel_refuses_extended_places);
  }
}

// s390x: every 16-byte struct goes by reference under both, so the RFC
// function is placed the same; but a 3-byte struct is by reference under the
// ABI (only 1/2/4/8-byte aggregates go by value) and by value in the JIT.
TEST(Audit, S390xThreeByteStructByValueInLinux) {
  EXPECT_EQ(run(Arch::s390x, "rfc").linux_verdict, LinuxVerdict::same);
  const audit::ArchAudit r = run(Arch::s390x, "three_bytes");
  ASSERT_EQ(r.linux_verdict, LinuxVerdict::misplaced);
  EXPECT_EQ(r.linux_diff->arg, 0);
  EXPECT_EQ(r.linux_diff->what, LayoutDifference::What::by_ref);
  EXPECT_TRUE(r.linux_diff->a_by_ref);
  for (Arch a : {Arch::x86_64, Arch::arm64})
    EXPECT_EQ(run(a, "three_bytes").linux_verdict, LinuxVerdict::same) << arch_name(a);
}

// The JITs save one register of a returned __int128 (x86-64: rax only;
// s390x: r2, where the ABI returns it in memory through a buffer in r2).
TEST(Audit, Int128ReturnIsMisreadOnX86AndS390x) {
  const audit::ArchAudit x = run(Arch::x86_64, "ret128");
  ASSERT_EQ(x.linux_verdict, LinuxVerdict::misplaced);
  EXPECT_EQ(x.linux_diff->arg, LayoutDifference::kReturn);
  EXPECT_EQ(x.linux_diff->byte, 8u);  // rdx, which the JIT never stores
  EXPECT_EQ(x.linux_diff->b.kind, ByteHome::Kind::none);
  const audit::ArchAudit s = run(Arch::s390x, "ret128");
  ASSERT_EQ(s.linux_verdict, LinuxVerdict::misplaced);
  EXPECT_EQ(s.linux_diff->arg, 0) << "the ABI's buffer in r2 shifts `a` to r3";
}

// docs/model.md: struct { long a, b; } may hide an aligned(16); on arm64 it
// would then take an even register pair (C.10), so after an int it moves
// from x1:x2 to x2:x3. x86-64 and s390x do not move it in registers.
TEST(Audit, HiddenAlignmentMovesTwoLongsOnArm64Only) {
  const audit::ArchAudit r = run(Arch::arm64, "sockptr_like");
  ASSERT_TRUE(r.alignment_diff);
  EXPECT_EQ(r.alignment_diff->arg, 1);
  EXPECT_EQ(r.alignment_tried, 16u);
  EXPECT_EQ(r.alignment_diff->a.kind, ByteHome::Kind::gpr);
  EXPECT_EQ(r.alignment_diff->b.reg, r.alignment_diff->a.reg + 1);
  EXPECT_FALSE(run(Arch::x86_64, "sockptr_like").alignment_diff);
  EXPECT_FALSE(run(Arch::s390x, "sockptr_like").alignment_diff);
  for (Arch a : kAllArches) EXPECT_FALSE(run(a, "plain").alignment_diff) << arch_name(a);
}

// A float argument: the kernel refuses it (FLOAT has no size in
// __get_type_size), the extended model places it; linux does not apply.
TEST(Audit, FloatIsKernelRefusedExtendedPlaced) {
  for (Arch a : kAllArches) {
    const audit::ArchAudit r = run(a, "with_float");
    EXPECT_TRUE(r.kernel_refuses_extended_places) << arch_name(a);
    EXPECT_EQ(r.linux_verdict, LinuxVerdict::not_applicable) << arch_name(a);
    EXPECT_EQ(run(a, "plain").linux_verdict, LinuxVerdict::same) << arch_name(a);
  }
}

// Equal bytes are equal layouts, however the parts are cut.
TEST(LayoutDiff, SameBytesInDifferentPartsAreEqual) {
  CallLayout a, b;
  ArgLayout x;
  x.size = 16;
  x.parts = {ArgPart{Location::stack(8), 0, 16, 0}};
  ArgLayout y = x;
  y.parts = {ArgPart{Location::stack(8), 0, 8, 0}, ArgPart{Location::stack(16), 8, 8, 0}};
  a.args = {x};
  b.args = {y};
  EXPECT_FALSE(audit::first_difference(a, b));
  b.args[0].parts[1].loc = Location::stack(24);
  const auto d = audit::first_difference(a, b);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->byte, 8u);
  EXPECT_EQ(d->a.pos, 16);
  EXPECT_EQ(d->b.pos, 24);
  EXPECT_EQ(audit::describe(backend(Arch::x86_64), *d, "A", "B"),
            "arg0 byte 8: A stack+8, B stack+16");
}

TEST(LayoutDiff, RegisterByteOffsetsCount) {
  CallLayout a, b;
  ArgLayout x;
  x.size = 4;
  x.parts = {ArgPart{Location::gpr(2), 0, 4, 4}};  // right-aligned (big-endian)
  a.args = {x};
  x.parts[0].loc_offset = 0;
  b.args = {x};
  const auto d = audit::first_difference(a, b);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->a.pos, 4);
  EXPECT_EQ(d->b.pos, 0);
}

}  // namespace
}  // namespace xtramp
