#include "cli/conform_report.hpp"

#include <algorithm>
#include <cstdio>
#include <map>

#include "cli/text_table.hpp"

namespace xtramp::cli {

using conform::Record;

std::string arch_policy(Arch a, Policy p) {
  return std::string(arch_name(a)) + "/" + std::string(policy_name(p));
}

std::string conform_matrix_text(const conform::ConformRequest& req,
                                const conform::ConformResult& res) {
  std::vector<TextTable::Align> align(1 + req.arches.size() * req.policies.size(),
                                      TextTable::Align::left);
  TextTable t(align);
  std::vector<std::string> head{"function"};
  for (Arch a : req.arches)
    for (Policy p : req.policies) head.push_back(arch_policy(a, p));
  t.add_row(head);
  std::vector<std::string> row;
  std::string current;
  for (const Record& r : res.records) {
    if (!r.pair.empty()) continue;  // conform_pairs_text
    if (r.function != current || row.empty()) {
      if (!row.empty()) t.add_row(row);
      row = {r.function};
      current = r.function;
    }
    row.push_back(r.status == "pass" ? "pass" : r.status == "fail" ? "FAIL" : "unsup.");
  }
  if (!row.empty()) t.add_row(row);
  return t.render("");
}

std::string conform_details_text(const conform::ConformResult& res) {
  std::string out;
  for (const Record& r : res.records)
    if (r.status == "fail" && r.pair.empty())
      out += "FAIL " + r.function + " " + arch_policy(r.arch, r.policy) + ": " + r.detail + "\n";
  // reason -> function -> its arch/policy columns; every function listed
  std::vector<std::string> all_cols;
  for (const Record& r : res.records) {
    if (!r.pair.empty()) continue;
    const std::string c = arch_policy(r.arch, r.policy);
    if (std::find(all_cols.begin(), all_cols.end(), c) == all_cols.end()) all_cols.push_back(c);
  }
  std::vector<std::string> reasons;
  std::map<std::string, std::vector<std::pair<std::string, std::vector<std::string>>>> unsup;
  std::map<std::string, bool> psabi_reason;
  std::map<std::string, size_t> cases;
  for (const Record& r : res.records) {
    if (r.status != "unsupported" || !r.pair.empty()) continue;
    // The kernel's messages name the function: group them by their shape.
    std::string why = r.detail;
    if (size_t at = why.find(" " + r.function + " "); at != std::string::npos)
      why.replace(at + 1, r.function.size(), "F");
    auto& fns = unsup[why];
    if (fns.empty()) reasons.push_back(why);
    if (fns.empty() || fns.back().first != r.function) fns.push_back({r.function, {}});
    fns.back().second.push_back(arch_policy(r.arch, r.policy));
    psabi_reason[why] = psabi_reason[why] || r.policy == Policy::psabi;
    ++cases[why];
  }
  // What psabi cannot run first: that is what the user asked about.
  std::stable_sort(reasons.begin(), reasons.end(), [&](const std::string& a, const std::string& b) {
    return psabi_reason[a] > psabi_reason[b];
  });
  for (const std::string& why : reasons) {
    out += "unsupported (" + std::to_string(cases[why]) + "): " + why + "\n";
    std::string line = "   ";
    bool first = true;
    for (const auto& [fn, cols] : unsup[why]) {
      std::string item = fn;
      if (cols.size() != all_cols.size()) {
        item += " [";
        for (size_t k = 0; k < cols.size(); ++k) item += (k ? " " : "") + cols[k];
        item += "]";
      }
      if (!first && line.size() + item.size() > 96) {
        out += line + ",\n";
        line = "   ";
        first = true;
      }
      line += (first ? " " : ", ") + item;
      first = false;
    }
    out += line + "\n";
  }
  return out;
}

nlohmann::ordered_json conform_json(const conform::ConformResult& res) {
  nlohmann::ordered_json a = nlohmann::ordered_json::array();
  for (const Record& r : res.records) {
    nlohmann::ordered_json j;
    j["function"] = r.function;
    j["arch"] = arch_name(r.arch);
    j["policy"] = policy_name(r.policy);
    j["status"] = r.status;
    j["detail"] = r.detail;
    j["kernel_c"] = !r.floating_point;
    if (!r.pair.empty()) {
      const size_t colon = r.pair.find(':');
      j["caller_cc"] = r.pair.substr(0, colon);
      j["callee_cc"] = r.pair.substr(colon + 1);
    }
    a.push_back(std::move(j));
  }
  return a;
}

bool psabi_passed(const conform::ConformResult& res) {
  for (const Record& r : res.records)
    if (r.policy == Policy::psabi && r.status == "fail") return false;
  return true;
}

std::string conform_times_text(const conform::ConformResult& res) {
  std::string out;
  char buf[64];
  for (const conform::StageTime& t : res.times) {
    std::snprintf(buf, sizeof buf, "%8.2f s  ", t.seconds);
    out += buf + t.what + "\n";
  }
  return out;
}

}  // namespace xtramp::cli
