// `xtramp matrix`'s summary: corpus groups x (arch, policy) cells of
// passed/total, its text table and docs/matrix.md.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "conform/host/conform_run.hpp"

namespace xtramp::cli {

struct MatrixCell {
  int pass = 0, fail = 0, unsupported = 0;
  // Of `fail`, the functions kernel C can declare (no floating point): the
  // failures a kernel's own trampolines can meet.
  int fail_kernel_c = 0;
  int ran() const { return pass + fail; }
};

struct MatrixSummary {
  std::vector<std::string> groups;  // row order
  std::vector<Arch> arches;
  std::vector<Policy> policies;
  std::map<std::string, std::map<std::pair<Arch, Policy>, MatrixCell>> cells;
  // function -> group, for every record
  std::map<std::string, std::string> group_of;
};

// `group_of_file[i]`: the group of every function of request file i, or ""
// when the function's own name gives it (generated: gen_<group>_<i>).
MatrixSummary summarize(const conform::ConformRequest& req, const conform::ConformResult& res,
                        const std::vector<std::string>& group_of_file,
                        const std::vector<std::string>& group_order);

// "passed/ran" per cell, " u:N" when N cases were unsupported.
std::string matrix_text(const MatrixSummary& s);

struct MatrixDocInfo {
  std::string command;  // how it was run
  uint64_t seed = 0;
  uint32_t count = 0;
  double seconds = 0;
  uint32_t pair_count = 0;  // the compiler pairs ran the first N functions of each file
};
// A real library's API through `xtramp conform --declared-in` (psabi):
// `xtramp matrix --library NAME:HEADER:DIR`.
struct LibraryRun {
  std::string name;         // e.g. the Debian package, "libchipmunk-dev"
  std::string header;       // #include <HEADER>
  std::string declared_in;  // the --declared-in path
  conform::ConformRequest req;
  conform::ConformResult res;
  double seconds = 0;
};

// With `libs`, the markdown has a "Real libraries" section: per library and
// arch, pass / fail / unsupported, and the unsupported reasons with counts.
std::string matrix_markdown(const MatrixSummary& s, const conform::ConformResult& res,
                            const MatrixDocInfo& info, const std::vector<LibraryRun>& libs = {});
// The same section as text, for the terminal.
std::string libraries_text(const std::vector<LibraryRun>& libs);

// Linux-policy groups that failed on an arch without an explanation in the
// docs: a finding nobody has analysed (printed as a warning).
std::vector<std::string> unexplained_failures(const MatrixSummary& s);

}  // namespace xtramp::cli
