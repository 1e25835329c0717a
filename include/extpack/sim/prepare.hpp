// Loading one transaction for execution, the part of a worker's job that needs no shared
// bank state and therefore runs outside the bank's lock: parse, sanitize and analyze it,
// resolve its lookup tables, collect its account locks. A failure here becomes the
// transaction's not_included_reason (a parse or sanitize failure is SANITIZE_FAILURE).
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "extpack/sim/alt_registry.hpp"
#include "extpack/txn/account_locks.hpp"
#include "extpack/txn/analyze.hpp"

namespace extpack::sim {

struct PreparedTx {
  std::span<const std::uint8_t> bytes; ///< must outlive the PreparedTx
  txn::Analysis analysis;
  txn::AccountLocks locks;
  std::array<Pubkey, txn::MAX_TX_ACCOUNT_LOCKS> writable{}; ///< after demotion
  std::uint8_t num_writable = 0;
  std::uint8_t reason = 0; ///< not_included_reasons::NONE if it may be executed
  [[nodiscard]] std::span<const Pubkey> writable_keys() const {
    return {writable.data(), num_writable};
  }
};

/// Fills `out` for `bytes`. With `verify_signatures`, a bad signature is SIGNATURE_FAILURE.
void prepare_transaction(std::span<const std::uint8_t> bytes, const AltRegistry& alts,
                         bool verify_signatures, PreparedTx& out);

/// The not_included_reason for a failed analysis (SANITIZE_FAILURE, or the compute-budget
/// error's TransactionError translation).
[[nodiscard]] std::uint8_t reason_for(const txn::Analysis& a);

} // namespace extpack::sim
