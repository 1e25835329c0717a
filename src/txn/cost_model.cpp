// calculate_cost() and executed_cost(): Agave's CostModel for a transaction that has not been
// executed (the scheduler's estimate) and for one that has (actual CUs and loaded bytes).
#include "extpack/txn/cost_model.hpp"

#include <algorithm>

#include "extpack/txn/program_ids.hpp"
#include "system_allocation.hpp"

namespace extpack::txn {
namespace {

std::uint64_t sat_add(std::uint64_t a, std::uint64_t b) {
  const std::uint64_t s = a + b;
  return s < a ? UINT64_MAX : s;
}

std::uint64_t sat_mul(std::uint64_t a, std::uint64_t b) {
  std::uint64_t p = 0;
  return __builtin_mul_overflow(a, b, &p) ? UINT64_MAX : p;
}

/// 8 CU per started 32 KiB page (Agave calculate_loaded_accounts_data_size_cost).
std::uint64_t loaded_accounts_data_size_cost(std::uint64_t bytes) {
  const std::uint64_t pages = bytes / LOADED_ACCOUNTS_DATA_PAGE_BYTES +
                              (bytes % LOADED_ACCOUNTS_DATA_PAGE_BYTES != 0 ? 1 : 0);
  return sat_mul(pages, LOADED_ACCOUNTS_DATA_COST_PER_PAGE);
}

/// Sum of the System program allocations, 0 if any System instruction must fail, capped at
/// MAX_ALLOCATIONS_PER_TRANSACTION (Agave calculate_allocated_accounts_data_size).
std::uint64_t allocated_accounts_data_size(const TransactionView& tx) {
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < tx.num_instructions(); ++i) {
    const std::uint8_t program = tx.program_index(i);
    if (program >= tx.num_static_keys() || tx.static_key(program) != SYSTEM_PROGRAM_ID) continue;
    const detail::SystemAllocation a =
        detail::system_instruction_allocation(tx.instruction_data(i));
    if (a.kind == detail::AllocationKind::Failed) return 0;
    total = sat_add(total, a.space);
  }
  return std::min(total, detail::MAX_ALLOCATIONS_PER_TRANSACTION);
}

} // namespace

bool is_simple_vote(const TransactionView& tx) {
  if (tx.num_signatures() > 2 || tx.version() != Version::Legacy || tx.num_instructions() != 1) {
    return false;
  }
  const std::uint8_t program = tx.program_index(0);
  return program < tx.num_static_keys() && tx.static_key(program) == VOTE_PROGRAM_ID;
}

TransactionCost calculate_cost(const TransactionView& tx, const ComputeBudgetLimits& budget,
                               bool budget_ok) {
  TransactionCost c;
  c.simple_vote = is_simple_vote(tx);
  c.num_transaction_signatures = tx.num_signatures();
  bool has_system_instruction = false;
  for (std::size_t i = 0; i < tx.num_instructions(); ++i) {
    const std::uint8_t program = tx.program_index(i);
    if (program >= tx.num_static_keys()) continue; // never in a sanitized view
    const ProgramKind kind = classify_program(tx.static_key(program));
    if (kind == ProgramKind::Other) continue;
    // A precompile instruction's first data byte is its signature count.
    const std::span<const std::uint8_t> data = tx.instruction_data(i);
    const std::uint64_t sigs = data.empty() ? 0 : data[0];
    switch (kind) {
    case ProgramKind::Secp256k1:
      c.num_secp256k1_signatures += sigs;
      break;
    case ProgramKind::Ed25519:
      c.num_ed25519_signatures += sigs;
      break;
    case ProgramKind::Secp256r1:
      c.num_secp256r1_signatures += sigs;
      break;
    case ProgramKind::System:
      has_system_instruction = true;
      break;
    default:
      break;
    }
  }
  c.signature_cost = c.num_transaction_signatures * SIGNATURE_COST +
                     c.num_secp256k1_signatures * SECP256K1_VERIFY_COST +
                     c.num_ed25519_signatures * ED25519_VERIFY_COST +
                     c.num_secp256r1_signatures * SECP256R1_VERIFY_COST;
  c.num_requested_write_locks = tx.num_requested_write_locks();
  c.write_lock_cost = c.num_requested_write_locks * WRITE_LOCK_UNITS;
  c.data_bytes_cost = tx.instruction_data_bytes() / INSTRUCTION_DATA_BYTES_COST;
  if (budget_ok) {
    c.programs_execution_cost = budget.compute_unit_limit;
    c.loaded_accounts_data_size_cost = loaded_accounts_data_size_cost(budget.loaded_accounts_bytes);
  }
  if (has_system_instruction) c.allocated_accounts_data_size = allocated_accounts_data_size(tx);
  return c;
}

std::uint64_t executed_cost(const TransactionCost& estimate, std::uint64_t consumed_cus,
                            std::uint64_t loaded_accounts_bytes) {
  if (estimate.simple_vote) return SIMPLE_VOTE_USAGE_COST;
  std::uint64_t sum = estimate.signature_cost + estimate.write_lock_cost + estimate.data_bytes_cost;
  sum = sat_add(sum, consumed_cus);
  return sat_add(sum, loaded_accounts_data_size_cost(loaded_accounts_bytes));
}

} // namespace extpack::txn
