// The compiler pairs' results (conform/host/compilers.hpp): per arch and
// pair (caller:callee), pass / fail / finding / unsupported, the findings
// with their bytes, the failures; as text for `xtramp conform` and as
// docs/matrix.md's "Compiler pairs" section.
#pragma once

#include <string>

#include "conform/host/conform_run.hpp"

namespace xtramp::cli {

// "" when `res` holds no pair record.
std::string conform_pairs_text(const conform::ConformResult& res);
// `scope`: which functions the pairs ran, e.g. "the first 500 functions of
// each corpus file" ("" for all).
std::string pairs_markdown(const conform::ConformResult& res, const std::string& scope = "");

}  // namespace xtramp::cli
