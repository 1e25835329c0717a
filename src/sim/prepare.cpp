// Parse, analyze, resolve and lock collection for one transaction (see prepare.hpp).
#include "extpack/sim/prepare.hpp"

#include "extpack/abi/messages.hpp"
#include "extpack/txn/sigverify.hpp"

namespace extpack::sim {

namespace nir = abi::not_included_reasons;

std::uint8_t reason_for(const txn::Analysis& a) {
  switch (a.status) {
  case txn::AnalyzeStatus::Ok:
    return nir::NONE;
  case txn::AnalyzeStatus::ParseFailed:
    return nir::SANITIZE_FAILURE;
  case txn::AnalyzeStatus::SanitizeFailed:
    // Agave finds duplicate keys and too many keys when it takes the locks, not in sanitize.
    if (a.sanitize_error == txn::SanitizeError::DuplicateStaticKey)
      return nir::ACCOUNT_LOADED_TWICE;
    if (a.sanitize_error == txn::SanitizeError::TooManyAccountLocks) {
      return nir::TOO_MANY_ACCOUNT_LOCKS;
    }
    return nir::SANITIZE_FAILURE;
  case txn::AnalyzeStatus::ComputeBudgetFailed:
    switch (a.budget_error) {
    case txn::ComputeBudgetError::DuplicateInstruction:
      return nir::DUPLICATE_INSTRUCTION;
    case txn::ComputeBudgetError::InvalidLoadedAccountsDataSizeLimit:
      return nir::INVALID_LOADED_ACCOUNTS_DATA_SIZE_LIMIT;
    default:
      return nir::INSTRUCTION_ERROR; // InstructionError(InvalidInstructionData)
    }
  }
  return nir::SANITIZE_FAILURE;
}

void prepare_transaction(std::span<const std::uint8_t> bytes, const AltRegistry& alts,
                         bool verify_signatures, PreparedTx& out) {
  out.bytes = bytes;
  out.num_writable = 0;
  out.locks.count = 0;
  out.reason = nir::NONE;
  txn::analyze(bytes, out.analysis);
  if (out.reason = reason_for(out.analysis); out.reason != nir::NONE) return;
  const txn::TransactionView& v = out.analysis.view;
  if (verify_signatures && !txn::verify_signatures(v)) {
    out.reason = nir::SIGNATURE_FAILURE;
    return;
  }
  // Sanitized: static + loaded keys <= MAX_TX_ACCOUNT_LOCKS, so these arrays suffice.
  std::array<Pubkey, txn::MAX_TX_ACCOUNT_LOCKS> loaded_w, loaded_r;
  std::size_t nw = 0, nr = 0;
  if (v.num_lookups() > 0) {
    if (v.num_loaded_writable() > loaded_w.size() || v.num_loaded_readonly() > loaded_r.size()) {
      out.reason = nir::TOO_MANY_ACCOUNT_LOCKS;
      return;
    }
    const AltResolution res = alts.resolve(v, loaded_w, loaded_r);
    if (!res.ok) {
      out.reason = nir::INVALID_ADDRESS_LOOKUP_TABLE_INDEX;
      return;
    }
    nw = res.num_writable;
    nr = res.num_readonly;
  }
  switch (txn::collect_account_locks(v, {loaded_w.data(), nw}, {loaded_r.data(), nr}, out.locks)) {
  case txn::LockError::Ok:
    break;
  case txn::LockError::TooManyAccountLocks:
    out.reason = nir::TOO_MANY_ACCOUNT_LOCKS;
    return;
  case txn::LockError::AccountLoadedTwice:
    out.reason = nir::ACCOUNT_LOADED_TWICE;
    return;
  case txn::LockError::LoadedCountMismatch:
    out.reason = nir::INVALID_ADDRESS_LOOKUP_TABLE_INDEX;
    return;
  }
  for (const auto& l : out.locks.view()) {
    if (l.writable) out.writable[out.num_writable++] = l.key;
  }
}

} // namespace extpack::sim
