// sanitize(): Agave's VersionedTransaction::sanitize and (v0 / legacy) Message::sanitize, plus
// the account-lock validation SanitizedTransaction creation runs, as one check per reason.
//
// Agave reports most of these as one SanitizeFailure (IndexOutOfBounds / InvalidValue); we keep
// the reason. Two rules are lock errors in Agave rather than sanitize errors and are checked
// last, in Agave's order: more than MAX_TX_ACCOUNT_LOCKS keys (TooManyAccountLocks), then a key
// listed twice among the static keys (AccountLoadedTwice; static/loaded duplicates can only be
// seen after lookup resolution, in collect_account_locks). Either way the transaction is
// rejected before execution and pays no fee.
#include "extpack/txn/sanitize.hpp"

#include "key_set.hpp"

namespace extpack::txn {

SanitizeError sanitize(const TransactionView& tx) {
  const std::size_t num_sigs = tx.num_signatures();
  const std::size_t required = tx.num_required_signatures();
  const std::size_t num_static = tx.num_static_keys();

  if (num_sigs == 0) return SanitizeError::NoSignatures;
  if (num_sigs != required) return SanitizeError::SignatureCountMismatch;
  if (tx.num_readonly_signed() >= required) return SanitizeError::FeePayerNotWritableSigner;
  if (required + tx.num_readonly_unsigned() > num_static) {
    return SanitizeError::ReadonlyCountsOutOfRange;
  }
  for (std::size_t i = 0; i < tx.num_lookups(); ++i) {
    const LookupView l = tx.lookup(i);
    if (l.writable.empty() && l.readonly.empty()) return SanitizeError::LookupWithNoIndexes;
  }
  const std::size_t num_total = tx.num_total_keys();
  if (num_total > MAX_ACCOUNT_KEYS) return SanitizeError::TooManyKeys;

  // Program ids come from static keys only and never from the fee payer (index 0).
  for (std::size_t i = 0; i < tx.num_instructions(); ++i) {
    const InstructionView ix = tx.instruction(i);
    if (ix.program_index == 0 || ix.program_index >= num_static) {
      return SanitizeError::ProgramIdOutOfRange;
    }
    for (const std::uint8_t a : ix.accounts) {
      if (a >= num_total) return SanitizeError::AccountIndexOutOfRange;
    }
  }

  if (num_total > MAX_TX_ACCOUNT_LOCKS) return SanitizeError::TooManyAccountLocks;
  if (detail::has_duplicate_keys(
          num_static, [&](std::size_t i) -> const Pubkey& { return tx.static_key(i); })) {
    return SanitizeError::DuplicateStaticKey;
  }
  return SanitizeError::Ok;
}

const char* to_string(SanitizeError e) {
  switch (e) {
  case SanitizeError::Ok:
    return "ok";
  case SanitizeError::NoSignatures:
    return "no signatures";
  case SanitizeError::SignatureCountMismatch:
    return "signature count differs from the header's required signatures";
  case SanitizeError::FeePayerNotWritableSigner:
    return "fee payer is not a writable signer";
  case SanitizeError::ReadonlyCountsOutOfRange:
    return "required signatures plus readonly unsigned keys exceed the static keys";
  case SanitizeError::ProgramIdOutOfRange:
    return "program index is the fee payer or not a static key";
  case SanitizeError::AccountIndexOutOfRange:
    return "instruction account index out of range";
  case SanitizeError::LookupWithNoIndexes:
    return "address-table lookup loads no keys";
  case SanitizeError::DuplicateStaticKey:
    return "a static key appears twice";
  case SanitizeError::TooManyAccountLocks:
    return "more than 64 account keys";
  case SanitizeError::TooManyKeys:
    return "more than 256 static and loaded keys";
  }
  return "unknown sanitize error";
}

} // namespace extpack::txn
