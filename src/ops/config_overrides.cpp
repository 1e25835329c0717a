// Command-line overrides of configuration keys; see config_overrides.hpp.
#include "extpack/ops/config_overrides.hpp"

#include <algorithm>

namespace extpack::ops {

void ConfigOverrides::set(std::string key, std::string text, std::string origin) {
  auto it =
      std::find_if(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.key == key; });
  if (it != entries_.end()) {
    it->text = std::move(text);
    it->origin = std::move(origin);
    return;
  }
  entries_.push_back(Entry{std::move(key), std::move(text), std::move(origin)});
}

Result<void> ConfigOverrides::set_assignment(std::string_view assignment, std::string origin) {
  auto eq = assignment.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    return make_error("{} \"{}\": expected KEY=VALUE, e.g. pack.capacity=50000", origin,
                      assignment);
  }
  set(std::string(assignment.substr(0, eq)), std::string(assignment.substr(eq + 1)),
      std::move(origin));
  return {};
}

const ConfigOverrides::Entry* ConfigOverrides::find(std::string_view key) const {
  for (const auto& e : entries_) {
    if (e.key == key) return &e;
  }
  return nullptr;
}

} // namespace extpack::ops
