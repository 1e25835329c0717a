// Fees and scheduling priority, all integer: Agave's calculate_fee_details,
// calculate_reward_for_transaction and calculate_priority_and_cost.
#pragma once

#include <cstdint>

#include "extpack/txn/compute_budget.hpp"
#include "extpack/txn/cost_model.hpp"

namespace extpack::txn {

/// Lamports per signature (transaction and precompile signatures).
inline constexpr std::uint64_t LAMPORTS_PER_SIGNATURE = 5'000;
/// Share of the signature fee that is burned (percent); the leader keeps the rest and
/// 100 % of the priority fee (SIMD-0096).
inline constexpr std::uint64_t SIGNATURE_FEE_BURN_PERCENT = 50;

struct FeeDetails {
  std::uint64_t signature_fee = 0;
  std::uint64_t priority_fee = 0; ///< ceil(price * limit / 1e6), saturating
  /// What the fee payer is charged (saturating, as Agave's FeeDetails::total).
  [[nodiscard]] std::uint64_t total() const { return saturating_add(signature_fee, priority_fee); }
  /// What the leader keeps: priority fee + unburned share of the signature fee.
  [[nodiscard]] std::uint64_t leader_reward() const {
    // signature_fee is at most 5,000 * (12 + 64 * 255) lamports, far from overflowing here.
    const std::uint64_t burn = signature_fee * SIGNATURE_FEE_BURN_PERCENT / 100;
    return saturating_add(priority_fee, signature_fee - burn);
  }

private:
  static std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b) {
    return a + b < a ? UINT64_MAX : a + b;
  }
};

[[nodiscard]] FeeDetails calculate_fees(const TransactionCost& cost,
                                        const ComputeBudgetLimits& budget);

/// reward * 1,000,000 / (cost + 1) as Agave's calculate_priority_and_cost computes it: the
/// product saturates at UINT64_MAX before the division (u64 saturating_mul), and so does cost + 1.
[[nodiscard]] std::uint64_t calculate_priority(std::uint64_t reward, std::uint64_t cost);

} // namespace extpack::txn
