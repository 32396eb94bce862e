#include "cli/reject_groups.hpp"

#include <algorithm>
#include <cctype>

namespace xtramp::cli {
namespace {

bool is_word_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

// Replaces whole-word occurrences of `name` by "%s".
std::string mask_name(std::string_view message, std::string_view name) {
  std::string out;
  size_t i = 0;
  while (i < message.size()) {
    const bool at_word_start = i == 0 || !is_word_char(message[i - 1]);
    const size_t end = i + name.size();
    if (!name.empty() && at_word_start && message.substr(i, name.size()) == name &&
        (end == message.size() || !is_word_char(message[end]))) {
      out += "%s";
      i = end;
    } else {
      out += message[i++];
    }
  }
  return out;
}

// Replaces runs of digits that stand alone or follow letters ("arg3", "13")
// by "%d"; digits inside identifiers that continue after them ("u8x") stay.
std::string mask_numbers(const std::string& s) {
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) {
      out += s[i++];
      continue;
    }
    size_t end = i;
    while (end < s.size() && std::isdigit(static_cast<unsigned char>(s[end]))) ++end;
    const bool follows_word = i > 0 && is_word_char(s[i - 1]);
    const bool before_word = end < s.size() && is_word_char(s[end]);
    const bool follows_arg = i >= 3 && s.compare(i - 3, 3, "arg") == 0;
    if (before_word || (follows_word && !follows_arg)) {
      out.append(s, i, end - i);
    } else {
      out += "%d";
    }
    i = end;
  }
  return out;
}

}  // namespace

std::string rejection_pattern(std::string_view message, std::string_view func) {
  std::string pattern = mask_numbers(mask_name(message, func));
  if (pattern.size() > kMaxPatternLength) {
    pattern.resize(kMaxPatternLength);
    pattern += "...";
  }
  return pattern;
}

void RejectGroups::add(std::string_view message, std::string_view func) {
  ++total_;
  std::string pattern = rejection_pattern(message, func);
  auto it = groups_.find(pattern);
  if (it == groups_.end()) {
    it = groups_.emplace(pattern, RejectGroup{pattern, 0, {}}).first;
  }
  RejectGroup& g = it->second;
  ++g.count;
  if (g.examples.size() < max_examples_) g.examples.emplace_back(func);
}

std::vector<RejectGroup> RejectGroups::sorted() const {
  std::vector<RejectGroup> out;
  out.reserve(groups_.size());
  for (const auto& [pattern, group] : groups_) out.push_back(group);
  std::stable_sort(out.begin(), out.end(),
                   [](const RejectGroup& a, const RejectGroup& b) { return a.count > b.count; });
  return out;
}

}  // namespace xtramp::cli
