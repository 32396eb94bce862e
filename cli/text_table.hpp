// A plain-text table with per-column alignment, for human-readable output.
#pragma once

#include <string>
#include <vector>

namespace xtramp::cli {

class TextTable {
 public:
  enum class Align { left, right };

  explicit TextTable(std::vector<Align> columns) : columns_(std::move(columns)) {}
  void add_row(std::vector<std::string> cells);
  // Every row on its own line, prefixed by `indent`, columns two spaces apart,
  // trailing blanks trimmed.
  std::string render(const std::string& indent) const;

 private:
  std::vector<Align> columns_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace xtramp::cli
