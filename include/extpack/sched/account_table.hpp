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
// The key index is a FlatIdIndex (flat_index.hpp): open addressing over {id, hash bits},
// comparing the full key stored in the account's state, with a seeded hash of all 32 key
// bytes so that keys a peer chooses cannot be aimed at one probe sequence. Ids are handed
// out from a free list independent of the hash, so the seed never changes an id.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <unordered_map>
#include <vector>

#include "extpack/sched/flat_index.hpp"
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

  /// Room for `accounts` live ids without growing the index or the state array.
  void reserve(std::size_t accounts);

  /// The seeded hash acquire() looks `key` up by.
  [[nodiscard]] std::uint64_t hash(const txn::Pubkey& k) const {
    return hash_words(k.data(), 0, 8, 16, 24, seed_);
  }
  /// Starts loading what acquire(key, hash) will read first (the key's home slot).
  void prefetch_key(std::uint64_t key_hash) const { index_.prefetch(key_hash); }
  /// Starts loading what release(id) will read first (the account's state).
  void prefetch_id(AccountId id) const { __builtin_prefetch(&accounts_[id]); }
  /// Starts loading the index slot release(id) will erase, if that release frees the id.
  void prefetch_release(AccountId id) const {
    const AccountState& a = accounts_[id];
    if (a.refs == 1 && a.readers == 0 && !a.writer && !a.dirty) index_.prefetch(hash(a.key));
  }

  /// The id of `key`, creating it if needed; adds one reference.
  AccountId acquire(const txn::Pubkey& key) { return acquire(key, hash(key)); }
  /// The same, with `key_hash` = hash(key) computed by the caller.
  AccountId acquire(const txn::Pubkey& key, std::uint64_t key_hash);
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
  void maybe_free(AccountId id);
  void mark_dirty(AccountId id);

  std::uint64_t seed_ = hash_seed();
  FlatIdIndex index_; ///< key -> id, keys compared in accounts_
  std::vector<AccountState> accounts_;
  std::vector<AccountId> free_ids_;
  std::vector<AccountId> dirty_;
  std::size_t num_writers_ = 0;
};

} // namespace extpack::sched
