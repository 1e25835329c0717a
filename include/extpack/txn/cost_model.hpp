// Agave's cost model (CostModel::calculate_cost) and the block limits it is checked
// against. All limits are configuration, with today's mainnet values as defaults.
#pragma once

#include <cstdint>

#include "extpack/txn/compute_budget.hpp"
#include "extpack/txn/view.hpp"

namespace extpack::txn {

/// Cost-model constants (block_cost_limits.rs; COMPUTE_UNIT_TO_US_RATIO = 30).
inline constexpr std::uint64_t SIGNATURE_COST = 720;
inline constexpr std::uint64_t SECP256K1_VERIFY_COST = 6'690;
inline constexpr std::uint64_t ED25519_VERIFY_COST = 2'400; ///< verify_strict, active
inline constexpr std::uint64_t SECP256R1_VERIFY_COST = 4'800;
inline constexpr std::uint64_t WRITE_LOCK_UNITS = 300;
inline constexpr std::uint64_t INSTRUCTION_DATA_BYTES_COST = 4; ///< bytes per CU
/// 8 CU per 32 KiB page of loaded account data.
inline constexpr std::uint64_t LOADED_ACCOUNTS_DATA_COST_PER_PAGE = 8;
inline constexpr std::uint64_t LOADED_ACCOUNTS_DATA_PAGE_BYTES = 32 * 1024;
/// Fixed cost of a simple vote: 720 + 2 * 300 + 2,100 + 8.
inline constexpr std::uint64_t SIMPLE_VOTE_USAGE_COST = 3'428;

/// Block limits the cost tracker enforces (defaults: mainnet, SIMD-0256 / SIMD-0306).
struct BlockLimits {
  std::uint64_t max_block_units = 60'000'000;
  std::uint64_t max_writable_account_units = 24'000'000;
  std::uint64_t max_vote_units = 36'000'000;
  std::uint64_t max_block_accounts_data_size_delta = 100'000'000;
  bool operator==(const BlockLimits&) const = default;
};

struct TransactionCost {
  bool simple_vote = false;
  std::uint64_t signature_cost = 0;
  std::uint64_t write_lock_cost = 0;
  std::uint64_t data_bytes_cost = 0;
  std::uint64_t programs_execution_cost = 0;
  std::uint64_t loaded_accounts_data_size_cost = 0;
  std::uint64_t allocated_accounts_data_size = 0;
  /// Signatures on the transaction itself. Precompile signatures are counted separately
  /// below; the fee charges every one of them, the signature cost prices them differently.
  std::uint64_t num_transaction_signatures = 0;
  std::uint64_t num_secp256k1_signatures = 0;
  std::uint64_t num_ed25519_signatures = 0;
  std::uint64_t num_secp256r1_signatures = 0;
  std::uint64_t num_requested_write_locks = 0;

  [[nodiscard]] std::uint64_t sum() const {
    if (simple_vote) return SIMPLE_VOTE_USAGE_COST;
    return signature_cost + write_lock_cost + data_bytes_cost + programs_execution_cost +
           loaded_accounts_data_size_cost;
  }
};

/// Structural simple-vote test: <= 2 signatures, legacy, one instruction, Vote program.
[[nodiscard]] bool is_simple_vote(const TransactionView& tx);

/// The estimate the scheduler uses. `budget_ok` false (compute-budget processing failed)
/// makes execution and loaded-data cost 0, as Agave does.
[[nodiscard]] TransactionCost calculate_cost(const TransactionView& tx,
                                             const ComputeBudgetLimits& budget, bool budget_ok);

/// The cost of an executed transaction: same signature/lock/data terms, actual CUs and
/// actual loaded bytes.
[[nodiscard]] std::uint64_t executed_cost(const TransactionCost& estimate,
                                          std::uint64_t consumed_cus,
                                          std::uint64_t loaded_accounts_bytes);

} // namespace extpack::txn
