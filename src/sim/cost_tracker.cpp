// Block, vote, per-account and account-data limits of one working bank.
#include "extpack/sim/cost_tracker.hpp"

namespace extpack::sim {

void CostTracker::reset() {
  block_cost_ = vote_cost_ = data_size_ = 0;
  accounts_.clear();
}

CostFit CostTracker::would_fit(const CostCharge& c) const {
  // Same order of checks as Agave's CostTracker::would_fit.
  if (c.simple_vote && vote_cost_ + c.cost > limits_.max_vote_units) return CostFit::VoteLimit;
  if (block_cost_ + c.cost > limits_.max_block_units) return CostFit::BlockLimit;
  if (c.cost > limits_.max_writable_account_units) return CostFit::AccountLimit;
  if (data_size_ + c.allocated_data > limits_.max_block_accounts_data_size_delta) {
    return CostFit::AccountDataLimit;
  }
  for (const Pubkey& k : c.writable) {
    if (account_cost(k) + c.cost > limits_.max_writable_account_units) {
      return CostFit::AccountLimit;
    }
  }
  return CostFit::Fits;
}

std::uint64_t CostTracker::account_cost(const Pubkey& k) const {
  auto it = accounts_.find(k);
  return it == accounts_.end() ? 0 : it->second;
}

void CostTracker::apply(const CostCharge& c, std::uint64_t cost, bool add) {
  const auto upd = [add, cost](std::uint64_t& v) {
    v = add ? v + cost : (v >= cost ? v - cost : 0);
  };
  upd(block_cost_);
  if (c.simple_vote) upd(vote_cost_);
  for (const Pubkey& k : c.writable) {
    auto& v = accounts_[k];
    upd(v);
    if (v == 0) accounts_.erase(k);
  }
}

void CostTracker::add(const CostCharge& c) {
  apply(c, c.cost, true);
  data_size_ += c.allocated_data;
}

void CostTracker::remove(const CostCharge& c) {
  apply(c, c.cost, false);
  data_size_ = data_size_ >= c.allocated_data ? data_size_ - c.allocated_data : 0;
}

void CostTracker::adjust(const CostCharge& reserved, std::uint64_t actual) {
  if (actual < reserved.cost) {
    apply(reserved, reserved.cost - actual, false);
  } else if (actual > reserved.cost) {
    apply(reserved, actual - reserved.cost, true);
  }
}

} // namespace extpack::sim
