#include "cli/conform_report.hpp"

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
    if (r.status == "fail")
      out += "FAIL " + r.function + " " + arch_policy(r.arch, r.policy) + ": " + r.detail + "\n";
  std::map<std::string, std::vector<std::string>> unsup;  // reason -> function arch/policy
  for (const Record& r : res.records)
    if (r.status == "unsupported")
      unsup[r.detail].push_back(r.function + " " + arch_policy(r.arch, r.policy));
  for (const auto& [why, who] : unsup) {
    out += "unsupported (" + std::to_string(who.size()) + "): " + why + "\n    " + who[0];
    if (who.size() > 1) out += " and " + std::to_string(who.size() - 1) + " more";
    out += "\n";
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
