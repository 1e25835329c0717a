// The policy registry: names to factories; see policies.hpp.
#include "extpack/sched/policies.hpp"

namespace extpack::sched {

std::unique_ptr<Policy> make_extpack_policy();
std::unique_ptr<Policy> make_fifo_policy();
std::unique_ptr<Policy> make_greedy_policy();
std::unique_ptr<Policy> make_prio_graph_policy();
std::unique_ptr<Policy> make_fdpack_policy();

namespace {
struct Entry {
  std::string_view name;
  std::unique_ptr<Policy> (*make)();
};
constexpr Entry kPolicies[] = {
    {"extpack", &make_extpack_policy}, {"fifo", &make_fifo_policy},
    {"greedy", &make_greedy_policy},   {"prio-graph", &make_prio_graph_policy},
    {"fdpack", &make_fdpack_policy},
};
} // namespace

std::unique_ptr<Policy> make_policy(std::string_view name) {
  for (const Entry& e : kPolicies) {
    if (e.name == name) return e.make();
  }
  return nullptr;
}

std::vector<std::string_view> policy_names() {
  std::vector<std::string_view> v;
  for (const Entry& e : kPolicies)
    v.push_back(e.name);
  return v;
}

} // namespace extpack::sched
