// `xtramp kernel-check --corpus`: the kernel-compilable part of xtramp's
// built-in corpus. The fixed headers (conform/corpus: the kernel selftest
// functions, the 2025 RFC cases, odd-sized structs) go in whole (the module
// generator leaves out what holds floating point and says so); of the seeded
// signatures (conform/siggen.hpp, as in `xtramp matrix --seed S --count N`)
// only the cases kernel C can declare: no floating type anywhere in the case,
// at most kMaxKernelCorpusArgs arguments (the kernel's BPF trampolines take
// MAX_BPF_FUNC_ARGS = 12; 13 shows the refusal).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace xtramp::conform::kernel {

inline constexpr unsigned kMaxKernelCorpusArgs = 13;

struct KernelCorpusFile {
  std::string name;  // "selftests.h", ..., "generated.h"
  std::string c_source;
};

struct KernelCorpus {
  std::vector<KernelCorpusFile> files;
  uint32_t generated = 0;       // cases scanned (0 .. generated-1 of the seed)
  uint32_t kept = 0;            // of them, in generated.h (the count, unless the scan ran out)
  uint32_t floating_point = 0;  // left out: a floating type
  uint32_t too_many_args = 0;   // left out: more than kMaxKernelCorpusArgs arguments
};

// `count` generated signatures: the first `count` kernel-C cases of `seed`.
KernelCorpus kernel_corpus(uint64_t seed, uint32_t count);

// The pieces, for tests. A case's text (its definitions and its one-line
// declaration) names a floating type (float, double, _Float<N>, __float128,
// _Complex).
bool names_floating_type(const std::string& text);
// The number of parameters of function `name` in the one-line declaration
// `decl` ("R name(T a, ...);"; "(void)" and "()" have none).
unsigned declared_params(const std::string& decl, const std::string& name);
// A generated case ("\n/* case <i>: <name> */\n", definitions, declaration)
// is kernel C: no floating type, at most kMaxKernelCorpusArgs parameters.
bool kernel_c_case(const std::string& block);

}  // namespace xtramp::conform::kernel
