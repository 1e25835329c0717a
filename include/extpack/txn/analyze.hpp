// analyze(): everything a scheduler needs from one transaction's bytes in one call:
// parse, sanitize, compute budget, cost, fees and priority. No heap allocation.
#pragma once

#include <cstdint>
#include <span>

#include "extpack/txn/compute_budget.hpp"
#include "extpack/txn/cost_model.hpp"
#include "extpack/txn/fees.hpp"
#include "extpack/txn/sanitize.hpp"
#include "extpack/txn/view.hpp"

namespace extpack::txn {

enum class AnalyzeStatus : std::uint8_t {
  Ok = 0,
  ParseFailed,         ///< see parse_error
  SanitizeFailed,      ///< see sanitize_error
  ComputeBudgetFailed, ///< see budget_error; the transaction can never execute
};
const char* to_string(AnalyzeStatus s);

struct Analysis {
  AnalyzeStatus status = AnalyzeStatus::Ok;
  ParseError parse_error = ParseError::Ok;
  SanitizeError sanitize_error = SanitizeError::Ok;
  ComputeBudgetError budget_error = ComputeBudgetError::Ok;
  TransactionView view;
  ComputeBudgetLimits budget;
  TransactionCost cost;
  FeeDetails fees;
  std::uint64_t reward = 0;   ///< fees.leader_reward()
  std::uint64_t priority = 0; ///< calculate_priority(reward, cost.sum())
};

/// Fills `out`; returns out.status. On Ok, out.view refers into `bytes`.
AnalyzeStatus analyze(std::span<const std::uint8_t> bytes, Analysis& out);

} // namespace extpack::txn
