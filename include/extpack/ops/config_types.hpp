// Pieces shared by the pack and simulator configurations: the outcome of checking a
// configuration (every problem, not just the first), and free-form policy parameters.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "extpack/common/result.hpp"

namespace extpack::ops {

/// A configuration and every problem found while reading it. `config` holds the defaults
/// wherever a value was rejected, so it is only meant to be used when ok().
template <typename T> struct Checked {
  T config{};
  std::vector<std::string> errors; ///< one line each, naming the key, value and rule

  [[nodiscard]] bool ok() const { return errors.empty(); }
  /// The config, or an Error whose message lists every problem, one per line.
  [[nodiscard]] Result<T> to_result() && {
    if (ok()) return std::move(config);
    std::string all;
    for (const auto& e : errors)
      all += (all.empty() ? "" : "\n") + e;
    return Error{std::move(all)};
  }
};

/// A policy parameter as written in the file: TOML integer, float, boolean or string.
using ParamValue = std::variant<std::int64_t, double, bool, std::string>;
/// Policy parameters by name; std::less<> so lookups take a string_view.
using ParamMap = std::map<std::string, ParamValue, std::less<>>;

} // namespace extpack::ops
