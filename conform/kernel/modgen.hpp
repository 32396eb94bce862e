// From C files of declarations to the source of a Linux kernel module for
// `xtramp kernel-check`: per declared function F a definition with F's exact
// prototype (noipa: never inlined, cloned or re-signatured, so F keeps its ABI
// and the kernel can trace it) that records the bytes of every argument it
// received and returns graffiti, and a caller that passes F graffiti (the
// encoding of conform/runner/value_image.hpp: byte k of value i is
// 0x11 * (i + 1) + k; a _Bool is 1). The functions are registered as fmod_ret
// targets (register_btf_fmodret_id_set) and called through a debugfs file:
//
//   echo N > /sys/kernel/debug/xtkc/call   calls function N (module order)
//   cat /sys/kernel/debug/xtkc/call        "fn=N addr=0x.. called=C in=HEX,HEX.. out=HEX
//                                           align=A,A.."
//
// in= is each argument's memory image as the callee received it (none when
// the call was skipped), out= what the caller got back, align= each argument
// type's __alignof__ as the kernel's GCC sees it (BTF cannot show packing or
// an aligned attribute: docs/model.md, align_certain).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "conform/host/casegen.hpp"

namespace xtramp::conform::kernel {

inline constexpr const char* kModuleName = "xtkc";
inline constexpr const char* kTriggerPath = "/sys/kernel/debug/xtkc/call";

struct ModuleFunction {
  std::string name;
  std::string where;        // "file.c:12"
  std::string unsupported;  // non-empty: why it is not in the module
  unsigned nargs = 0;
};

struct ModuleSource {
  std::string c_source;  // "" when no function can be built
  // Every declared function, in order; those with `unsupported` empty are in
  // the module, and their order among themselves is the trigger's index.
  std::vector<ModuleFunction> functions;
  // The files the module #includes, each to be copied next to it as
  // `includes[i].second` (a name relative to the module's directory).
  std::vector<std::pair<std::string, std::string>> includes;
};

// `files` are C declarations (types and prototypes; kernel C: no floating
// point). `host_cc` is a GCC of this host (type spellings only).
// `excluded(name)` says why a function must stay out of the module ("" if
// not): e.g. the kernel already has a function of that name (registering it
// as an fmod_ret target fails, and libbpf would attach to the kernel's).
ModuleSource make_module_source(const std::vector<std::string>& files, const std::string& host_cc,
                                const std::string& workdir,
                                const std::function<std::string(const std::string&)>& excluded);

}  // namespace xtramp::conform::kernel
