// Printing conform results: the function x arch x policy matrix, the
// failures with their first mismatch, the unsupported reasons, JSON.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "conform/host/conform_run.hpp"

namespace xtramp::cli {

// "arm64/linux": a column of the conform and matrix tables.
std::string arch_policy(Arch a, Policy p);

// Rows: functions; columns: arch/policy; cells: pass, FAIL, unsup. The
// compiler pairs' records are left to conform_pairs_text (cli/pair_report).
std::string conform_matrix_text(const conform::ConformRequest& req,
                                const conform::ConformResult& res);
// "FAIL fn arm64/linux: detail" lines, then the unsupported cases grouped by
// reason, every function listed (with its arch/policy columns unless it is
// unsupported in all of them).
std::string conform_details_text(const conform::ConformResult& res);
// One object per record: function, arch, policy, status, detail, kernel_c;
// a compiler pair's records also caller_cc and callee_cc.
nlohmann::ordered_json conform_json(const conform::ConformResult& res);
// Every psabi case that ran passed (with every compiler pair: a finding is
// not a failure).
bool psabi_passed(const conform::ConformResult& res);
// "stage seconds" lines.
std::string conform_times_text(const conform::ConformResult& res);

}  // namespace xtramp::cli
