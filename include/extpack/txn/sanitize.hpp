// sanitize(): the structural rules Agave applies to a parsed transaction before it can
// be scheduled (VersionedTransaction / SanitizedMessage checks), each with its own reason.
#pragma once

#include <cstdint>

#include "extpack/txn/view.hpp"

namespace extpack::txn {

/// Agave's transaction_account_lock_limit on mainnet.
inline constexpr std::size_t MAX_TX_ACCOUNT_LOCKS = 64;

enum class SanitizeError : std::uint8_t {
  Ok = 0,
  NoSignatures,              ///< zero signatures
  SignatureCountMismatch,    ///< signatures != header.num_required_signatures
  FeePayerNotWritableSigner, ///< num_readonly_signed >= num_required_signatures
  ReadonlyCountsOutOfRange,  ///< required + readonly_unsigned > static keys
  ProgramIdOutOfRange,       ///< program index 0 (fee payer) or >= static key count
  AccountIndexOutOfRange,    ///< instruction account index >= static + loaded keys
  LookupWithNoIndexes,       ///< an address-table lookup that loads nothing
  DuplicateStaticKey,        ///< the same key twice among the static keys
  TooManyAccountLocks,       ///< more than MAX_TX_ACCOUNT_LOCKS keys
  TooManyKeys,               ///< static + loaded keys above 256
};
const char* to_string(SanitizeError e);

[[nodiscard]] SanitizeError sanitize(const TransactionView& tx);

} // namespace extpack::txn
