// analyze(): parse, sanitize, compute budget, cost, fees and priority in one call.
#include "extpack/txn/analyze.hpp"

namespace extpack::txn {

AnalyzeStatus analyze(std::span<const std::uint8_t> bytes, Analysis& out) {
  out.parse_error = TransactionView::parse(bytes, out.view);
  out.sanitize_error = SanitizeError::Ok;
  out.budget_error = ComputeBudgetError::Ok;
  out.cost = TransactionCost{};
  out.fees = FeeDetails{};
  out.reward = 0;
  out.priority = 0;
  if (out.parse_error != ParseError::Ok) return out.status = AnalyzeStatus::ParseFailed;
  out.sanitize_error = sanitize(out.view);
  if (out.sanitize_error != SanitizeError::Ok) return out.status = AnalyzeStatus::SanitizeFailed;

  out.budget_error = parse_compute_budget(out.view, out.budget);
  const bool budget_ok = out.budget_error == ComputeBudgetError::Ok;
  out.cost = calculate_cost(out.view, out.budget, budget_ok);
  out.fees = calculate_fees(out.cost, out.budget);
  out.reward = out.fees.leader_reward();
  out.priority = calculate_priority(out.reward, out.cost.sum());
  return out.status = budget_ok ? AnalyzeStatus::Ok : AnalyzeStatus::ComputeBudgetFailed;
}

const char* to_string(AnalyzeStatus s) {
  switch (s) {
  case AnalyzeStatus::Ok:
    return "ok";
  case AnalyzeStatus::ParseFailed:
    return "parse failed";
  case AnalyzeStatus::SanitizeFailed:
    return "sanitize failed";
  case AnalyzeStatus::ComputeBudgetFailed:
    return "compute budget failed";
  }
  return "unknown analyze status";
}

} // namespace extpack::txn
