// The block cost tracker of one working bank, as Agave's cost_tracker.rs enforces it
// (solana-cost-and-fees.md §3.7): a transaction fits only if, after adding its cost, the
// block total, the simple-vote total, every writable account's total and the block's
// account-data growth all stay within txn::BlockLimits. Costs are reserved with the
// scheduler's estimate, then adjusted to the executed cost (the rebate) or removed.
#pragma once

#include <cstdint>
#include <span>
#include <unordered_map>

#include "extpack/sim/keys.hpp"
#include "extpack/txn/cost_model.hpp"

namespace extpack::sim {

enum class CostFit : std::uint8_t {
  Fits,
  VoteLimit,        ///< MAX_VOTE_UNITS would be exceeded
  BlockLimit,       ///< the block limit would be exceeded
  AccountLimit,     ///< a writable account's limit would be exceeded
  AccountDataLimit, ///< the block's account-data growth limit would be exceeded
};

/// One transaction's charge: its cost, whether it is a simple vote, its writable keys.
struct CostCharge {
  std::uint64_t cost = 0;
  bool simple_vote = false;
  std::uint64_t allocated_data = 0;
  std::span<const Pubkey> writable;
};

class CostTracker {
public:
  explicit CostTracker(const txn::BlockLimits& limits) : limits_(limits) {}

  void reset();
  [[nodiscard]] CostFit would_fit(const CostCharge& c) const;
  void add(const CostCharge& c);
  void remove(const CostCharge& c);
  /// Replaces a reserved charge's cost by `actual` (usually smaller: a rebate).
  void adjust(const CostCharge& reserved, std::uint64_t actual);

  [[nodiscard]] std::uint64_t block_cost() const { return block_cost_; }
  [[nodiscard]] std::uint64_t vote_cost() const { return vote_cost_; }
  [[nodiscard]] std::uint64_t account_cost(const Pubkey& k) const;
  [[nodiscard]] std::uint64_t remaining() const {
    return block_cost_ >= limits_.max_block_units ? 0 : limits_.max_block_units - block_cost_;
  }
  [[nodiscard]] const txn::BlockLimits& limits() const { return limits_; }

private:
  void apply(const CostCharge& c, std::uint64_t cost, bool add);

  txn::BlockLimits limits_;
  std::uint64_t block_cost_ = 0;
  std::uint64_t vote_cost_ = 0;
  std::uint64_t data_size_ = 0;
  std::unordered_map<Pubkey, std::uint64_t, KeyHash> accounts_;
};

} // namespace extpack::sim
