// AccountTable: every account key referenced by a transaction pack holds, interned to a
// dense AccountId, with the state the scheduler needs per account:
//
//  * refs          how many held transactions name it (the id lives while refs > 0);
//  * writer/readers the locks of in-flight transactions: a write lock excludes every other
//                  lock on the key, read locks share (Agave's account-lock rule);
//  * write_cost    cost units charged this slot to the account as a writable account,
//                  checked against BlockLimits::max_writable_account_units.
//
// Interning turns the 32-byte keys into 4-byte ids once, at insert; the lock checks in
// the scheduling loop then index a flat vector. An account whose last reference goes away
// while it still carries this slot's write cost is kept until reset_slot().
//
// Shortcoming: the key hash reads 16 of the 32 bytes; keys are hashes or curve points in
// practice, but a peer could grind keys that collide and slow the table down (not break it).
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <unordered_map>
#include <vector>

#include "extpack/sched/types.hpp"

namespace extpack::sched {

struct AccountState {
  txn::Pubkey key{};
  std::uint32_t refs = 0;
  std::uint32_t readers = 0;
  bool writer = false;
  bool in_use = false; ///< slot of the table is live
  bool dirty = false;  ///< listed in the slot's dirty list (write_cost may be > 0)
  std::uint64_t write_cost = 0;
};

class AccountTable {
public:
  AccountTable() = default;

  /// The id of `key`, creating it if needed; adds one reference.
  AccountId acquire(const txn::Pubkey& key);
  /// Drops one reference; the id may be reused once nothing else holds it.
  void release(AccountId id);

  /// True if an entry with these accounts could take its locks now.
  [[nodiscard]] bool can_lock(const TxEntry& e) const;
  void lock(const TxEntry& e);
  void unlock(const TxEntry& e);

  /// True if adding `cost` to every writable account of `e` stays within `limit`.
  [[nodiscard]] bool write_cost_fits(const TxEntry& e, std::uint64_t cost,
                                     std::uint64_t limit) const;
  void add_write_cost(const TxEntry& e, std::uint64_t cost);
  /// Subtracts up to `cost` (saturating) from every writable account of `e`.
  void sub_write_cost(const TxEntry& e, std::uint64_t cost);
  /// Charges `limit` to every writable account of `e`: Agave said one of them is full.
  void saturate_write_cost(const TxEntry& e, std::uint64_t limit);
  /// Forgets every account's write cost (a new slot) and frees unreferenced ids.
  void reset_slot();

  [[nodiscard]] const AccountState& state(AccountId id) const { return accounts_[id]; }
  [[nodiscard]] std::size_t live() const { return index_.size(); }
  [[nodiscard]] std::size_t locked_writers() const { return num_writers_; }

private:
  struct KeyHash {
    std::size_t operator()(const txn::Pubkey& k) const {
      std::uint64_t a = 0, b = 0;
      std::memcpy(&a, k.data(), 8);
      std::memcpy(&b, k.data() + 16, 8);
      return static_cast<std::size_t>(a ^ (b * 0x9E37'79B9'7F4A'7C15ULL));
    }
  };
  void maybe_free(AccountId id);
  void mark_dirty(AccountId id);

  std::unordered_map<txn::Pubkey, AccountId, KeyHash> index_;
  std::vector<AccountState> accounts_;
  std::vector<AccountId> free_ids_;
  std::vector<AccountId> dirty_;
  std::size_t num_writers_ = 0;
};

} // namespace extpack::sched
