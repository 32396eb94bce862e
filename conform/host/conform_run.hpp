// `xtramp conform`'s engine, also behind `xtramp matrix`: C files in, one
// record per (function, arch, policy) out.
//
//   file.c --casegen (host gcc)--> case.c --<arch> gcc -gbtf -g--> case-<arch>.so
//          --xtramp-conform-runner (native or qemu-<arch>)--> results
//
// The architectures run in parallel (one thread each: compile, then run).
// With compiler pairs, each arch then builds one more library per pair: the
// callees compiled by one compiler, the callers by another, linked by GCC;
// its runner reads the ordinary library's BTF and DWARF (--debug-info).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/arch.hpp"
#include "common/call_layout.hpp"
#include "conform/host/compilers.hpp"
#include "conform/host/toolchain.hpp"

namespace xtramp::conform {

struct Record {
  std::string function;
  size_t file = 0;  // index into ConformRequest::files
  Arch arch{};
  Policy policy = Policy::psabi;
  std::string status;  // "pass", "fail", "unsupported", "finding"
  std::string detail;
  // "" for the ordinary case library (one compiler, the arch's GCC); else
  // CompilerPair::name() ("clang14:gcc12", psabi only). A "finding": the
  // direct call from that caller to that callee already disagrees (the
  // detail has the bytes): the two compilers differ, xtramp is not involved.
  std::string pair;
  // The prototype carries floating point, which kernel C cannot declare: a
  // `linux` failure of such a function is one only user code can meet.
  bool floating_point = false;
};

struct StageTime {
  std::string what;  // "casegen selftests.h", "compile arm64 selftests.h", "run arm64 ..."
  double seconds = 0;
};

struct ConformRequest {
  std::vector<std::string> files;
  // Trace the functions declared in these files or under these directories
  // (headers the files include) rather than the files' own declarations.
  std::vector<std::string> declared_in;
  std::vector<Arch> arches;
  std::vector<Policy> policies;
  ToolchainOverrides tools;
  // Also run psabi with the halves from these compilers (besides the
  // ordinary library, whose debug info models the functions for them all).
  // A compiler missing on an arch makes its pairs' records unsupported there.
  std::vector<CompilerPair> pairs;
  // Only the first pair_functions functions of each file (in declaration
  // order) go into the pairs' libraries (0: all); the others get no pair record.
  size_t pair_functions = 0;
  std::string workdir;  // "" = a fresh directory under $TMPDIR, removed afterwards
  std::function<void(const std::string&)> progress;  // may be empty
};

struct ConformResult {
  std::vector<Record> records;  // by file, then function (declaration order), arch, policy
  std::vector<StageTime> times;
};

// A function that cannot be modelled, generated or compiled for one arch is
// an "unsupported" record for that arch (the reason is the compiler's message
// when it rejects it), and the others run: one failing compile is isolated by
// the errors' lines (in the generated code, or at a declaration in the user's
// files, which is then blanked out of a preprocessed copy for that arch), or
// else by bisecting the functions.
// Throws Error(bad_request) for bad input: a file that does not compile on the
// host or declares no function, a missing toolchain or runner (the message
// names the arch and what is missing), a runner that rejects the case library.
ConformResult run_conform(const ConformRequest& req);

}  // namespace xtramp::conform
