// The scheduling policies extpack ships, selectable by name (--policy).
//
//  "extpack"  Priority order: reward * 1e6 / (cost + 1), the priority Agave's banking
//             stage computes. Each pass fills one batch per available worker in turn
//             (round robin, fewest batches in flight first), walking the queue best-first
//             and skipping what conflicts with in-flight transactions or does not fit a
//             budget; skipped transactions keep their place for the next pass. A pass
//             stops early once the slot budget is below the cheapest plausible
//             transaction. Shortcoming: it is greedy per pass: a high-value transaction
//             blocked by a lock can be overtaken by lower-value ones that take the same
//             accounts' remaining cost budget first.
//  "fifo"     Arrival order with head-of-line blocking: the pass stops at the first
//             transaction that conflicts or does not fit. A baseline, not a contender.
//
// Later baselines (Agave greedy, prio-graph, fd_pack-style) plug in behind the same
// Policy interface.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "extpack/sched/pass.hpp"

namespace extpack::sched {

/// The policy called `name`, or nullptr if there is none.
[[nodiscard]] std::unique_ptr<Policy> make_policy(std::string_view name);
/// Names make_policy accepts.
[[nodiscard]] std::vector<std::string_view> policy_names();

} // namespace extpack::sched
