// Small pieces the policies share: the cheapest plausible transaction and Agave's
// linear cost pacer. Private to src/sched.
#pragma once

#include <cstdint>

#include "extpack/sched/pass.hpp"
#include "extpack/txn/cost_model.hpp"

namespace extpack::sched::detail {

/// Below this many cost units left nothing useful fits: the cheapest transaction that
/// writes an account costs one signature plus one write lock (720 + 300 CU, Agave's
/// block_cost_limits and fd_pack_cost.h agree).
inline constexpr std::uint64_t MIN_TRANSACTION_COST = txn::SIGNATURE_COST + txn::WRITE_LOCK_UNITS;

/// Slot length and Agave's default pacing fill time (slot - 50 ms), milliseconds.
inline constexpr std::uint64_t SLOT_MS = 400;
inline constexpr std::uint64_t PACER_FILL_MS = SLOT_MS - 50;

/// Rank bit that puts every simple vote ahead of every other transaction. Agave executes
/// votes on its own vote worker, apart from and unpaced by the non-vote scheduler, and
/// fd_pack schedules votes first; the cluster wants votes early in the block. Policies
/// that model this rank with vote_first_rank() and let votes past their pacing.
inline constexpr std::uint64_t VOTE_RANK_BIT = 1ULL << 63;

/// `priority` below VOTE_RANK_BIT, with the bit set for a simple vote.
[[nodiscard]] inline std::uint64_t vote_first_rank(const NewTx& tx) {
  const std::uint64_t p = tx.priority < VOTE_RANK_BIT ? tx.priority : VOTE_RANK_BIT - 1;
  return tx.vote ? (VOTE_RANK_BIT | p) : p;
}

/// Cost units Agave's CostPacer has released by now: the block limit scaled linearly by
/// elapsed time over the fill time, whole budget once the fill time has passed. Without
/// a progress report the whole budget is released.
[[nodiscard]] inline std::uint64_t paced_allowance(const SchedulePass& pass) {
  const std::uint64_t limit = pass.limits().max_block_units;
  const std::uint8_t pct = pass.slot_progress();
  if (pct == UNKNOWN_PROGRESS) return limit;
  const std::uint64_t elapsed_ms = SLOT_MS * pct / 100;
  if (elapsed_ms >= PACER_FILL_MS) return limit;
  // limit * elapsed / fill without overflow for any 64-bit limit.
  return limit / PACER_FILL_MS * elapsed_ms + limit % PACER_FILL_MS * elapsed_ms / PACER_FILL_MS;
}

} // namespace extpack::sched::detail
