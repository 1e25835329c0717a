// Account locks as Agave takes them: each key of the transaction, writable or readonly
// after demotion (program ids and reserved account keys are never write-locked), with
// the 64-lock limit and the duplicate-key check.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "extpack/txn/sanitize.hpp"
#include "extpack/txn/view.hpp"

namespace extpack::txn {

enum class LockError : std::uint8_t {
  Ok = 0,
  TooManyAccountLocks, ///< more than MAX_TX_ACCOUNT_LOCKS keys
  AccountLoadedTwice,  ///< a key twice (static/static or static/loaded or loaded/loaded)
  LoadedCountMismatch, ///< resolved keys do not match the lookups' index counts
};
const char* to_string(LockError e);

struct AccountLock {
  Pubkey key;
  bool writable;
};

struct AccountLocks {
  std::array<AccountLock, MAX_TX_ACCOUNT_LOCKS> locks;
  std::uint8_t count = 0;
  [[nodiscard]] std::span<const AccountLock> view() const { return {locks.data(), count}; }
};

/// True for sysvars and builtin program ids Agave never write-locks (reserved account keys).
[[nodiscard]] bool is_reserved_account_key(const Pubkey& key);

/// Locks of `tx` in account-index order: static keys, then `loaded_writable`, then
/// `loaded_readonly` (the keys a RESOLVE returned, or empty for a legacy transaction).
[[nodiscard]] LockError collect_account_locks(const TransactionView& tx,
                                              std::span<const Pubkey> loaded_writable,
                                              std::span<const Pubkey> loaded_readonly,
                                              AccountLocks& out);

} // namespace extpack::txn
