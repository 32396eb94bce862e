// The compilers a case library's two halves can come from, for testing
// cross-compiler interoperability as abi-cafe does: the caller compiled by
// compiler A, the callee by compiler B, an xtramp trampoline (built from the
// debug info of GCC's own build of the same functions) between them.
//
//   gcc12    the arch's GCC (Toolchain::cc: gcc, <triple>-gcc, or --cc)
//   gcc16    <triple>-gcc-16 of the Debian unstable build root that
//            ci/install-buildroot creates ($XTRAMP_BUILDROOT, default
//            /opt/xtramp/buildroot; used once `ready` exists). It needs the
//            root's glibc, so it runs under chroot (as root) on a copy of the
//            source preprocessed by gcc12 (the root has no target libc
//            headers for the foreign arches).
//   clang14  clang-14 --target=<triple> (the host's cross sysroots).
//
// Only the object files come from them; gcc12 links the library.
#pragma once

#include <string>
#include <vector>

#include "common/arch.hpp"
#include "conform/host/process.hpp"

namespace xtramp::conform {

// The compiler that builds both halves of the ordinary case library.
inline constexpr const char* kBaseCompiler = "gcc12";

// "gcc12", "gcc16", "clang14".
const std::vector<std::string>& compiler_names();

// The caller from `caller`, the callee from `callee`.
struct CompilerPair {
  std::string caller, callee;
  std::string name() const { return caller + ":" + callee; }  // "clang14:gcc12"
  bool base() const { return caller == kBaseCompiler && callee == kBaseCompiler; }
  bool operator==(const CompilerPair&) const = default;
};

// "CALLER:CALLEE" with known names ("clang" is clang14); throws
// Error(bad_request) naming `opt`.
CompilerPair parse_pair(const std::string& text, const std::string& opt);
// For every compiler C of `names` but gcc12: C:gcc12 and gcc12:C.
std::vector<CompilerPair> pairs_against_base(const std::vector<std::string>& names);

// One compiler for one arch.
struct ArchCompiler {
  std::string name;
  std::vector<std::string> command;  // the command line before the flags
  std::string root;                  // non-empty: run under chroot in this root
  std::string missing;               // non-empty: why it is not available
};

// `base_cc`: the arch's GCC (Toolchain::cc).
ArchCompiler find_compiler(const std::string& name, Arch a, const std::string& base_cc);

// Compiles the C file `source` into the object `object` (-O2 -fPIC, no
// debug info). `include_dir` is searched for the user's headers. A chroot
// compiler gets base_cc's preprocessed output, copied into its root.
ProcessResult compile_object(const ArchCompiler& c, const std::string& base_cc,
                             const std::string& include_dir, const std::string& source,
                             const std::string& object);

}  // namespace xtramp::conform
