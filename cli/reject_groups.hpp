// Groups rejection messages by their pattern: the function's name becomes
// "%s" and numbers become "%d", so "The function f arg3 type FLOAT is
// unsupported." and the same for g arg0 land in one group, while the type
// kind (FLOAT, STRUCT, UNION, ...) keeps groups apart.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace xtramp::cli {

struct RejectGroup {
  std::string pattern;
  size_t count = 0;
  std::vector<std::string> examples;  // the first few function names
};

// Patterns longer than this are cut (hostile BTF can make messages huge).
inline constexpr size_t kMaxPatternLength = 240;

// The pattern of one message about `func`.
std::string rejection_pattern(std::string_view message, std::string_view func);

class RejectGroups {
 public:
  explicit RejectGroups(size_t max_examples = 5) : max_examples_(max_examples) {}
  void add(std::string_view message, std::string_view func);
  // Largest group first; ties by pattern.
  std::vector<RejectGroup> sorted() const;
  size_t total() const { return total_; }

 private:
  size_t max_examples_;
  size_t total_ = 0;
  std::map<std::string, RejectGroup, std::less<>> groups_;
};

}  // namespace xtramp::cli
