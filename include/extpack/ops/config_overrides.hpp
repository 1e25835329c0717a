// Command-line overrides of configuration keys. A process loads its TOML file and then
// applies every option the operator gave explicitly; an override is recorded as the dotted
// key it replaces ("pack.capacity") and the text as typed ("5000"). The loader converts
// and range-checks the text exactly like a value from the file, so a flag can never slip
// past validation, and its error names the flag it came from.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "extpack/common/result.hpp"

namespace extpack::ops {

class ConfigOverrides {
public:
  struct Entry {
    std::string key;    ///< dotted key, "limits.max_block_units"
    std::string text;   ///< the value as typed: "60000000", "true", "/dev/shm/x"
    std::string origin; ///< where it came from, for messages: "--capacity", "--set"
  };

  /// Records `key` = `text`; a later set() of the same key wins.
  void set(std::string key, std::string text, std::string origin);
  /// Records a "KEY=VALUE" assignment (the --set form). The error quotes the text.
  Result<void> set_assignment(std::string_view assignment, std::string origin = "--set");

  /// The override of `key`, or nullptr.
  [[nodiscard]] const Entry* find(std::string_view key) const;
  [[nodiscard]] const std::vector<Entry>& entries() const { return entries_; }
  [[nodiscard]] bool empty() const { return entries_.empty(); }

private:
  std::vector<Entry> entries_;
};

} // namespace extpack::ops
