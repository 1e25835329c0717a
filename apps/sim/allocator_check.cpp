// The handshake-mode leak check; see allocator_check.hpp.
#include "allocator_check.hpp"

#include <fmt/format.h>

namespace extpack::apps {

namespace {

std::string owner_name(std::uint32_t id, std::uint32_t workers) {
  if (id == session::tpu_allocator_id()) return "tpu";
  if (id <= workers) return fmt::format("worker_{}", id - 1);
  return fmt::format("pack_handle_{}", id - 1 - workers);
}

} // namespace

std::uint64_t AllocatorCheck::total() const {
  std::uint64_t t = 0;
  for (auto n : by_worker_id)
    t += n;
  return t;
}

nlohmann::json AllocatorCheck::by_owner_json() const {
  nlohmann::json j = nlohmann::json::object();
  for (std::uint32_t id = 0; id < by_worker_id.size(); ++id) {
    j[owner_name(id, workers)] = by_worker_id[id];
  }
  return j;
}

std::string AllocatorCheck::summary_line() const {
  std::string parts;
  for (std::uint32_t id = 0; id < by_worker_id.size(); ++id) {
    parts += fmt::format("{}{} {}", parts.empty() ? "" : ", ", owner_name(id, workers),
                         by_worker_id[id]);
  }
  return fmt::format("outstanding allocations after pack exited: {} ({})", total(), parts);
}

AllocatorCheck check_allocator(session::AgaveSession& session) {
  AllocatorCheck c;
  c.workers = static_cast<std::uint32_t>(session.workers.size());
  session.tpu_allocator.clean_remote_free_lists();
  for (auto& w : session.workers)
    w.allocator.clean_remote_free_lists();
  for (const auto& u : session.tpu_allocator.usage_all())
    c.by_worker_id.push_back(u.allocations);
  return c;
}

} // namespace extpack::apps
