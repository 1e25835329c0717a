// Container: the bounded set of transactions pack holds, from the moment it accepts one
// from tpu_to_pack until it is included or dropped.
//
// Storage is a pool of TxEntry sized to the capacity once, addressed by EntryId, with a
// free list. Queued entries sit in one of two PriorityIndexes: `ready` (all accounts
// known; the scheduler takes from here) and `unresolved` (v0 transactions that wait for a
// RESOLVE answer). In-flight entries are in neither index but still occupy their pool
// slot, so the capacity bounds everything pack holds.
//
// Admission: a transaction whose first signature matches one held is a duplicate. When
// the pool is full, the worst queued transaction (by rank, then newest) is evicted if the
// new one ranks strictly better; otherwise the new one is refused (ContainerFull). Both
// are O(log n). In-flight transactions are never evicted. The signature index is a flat
// open-addressing table sized for the capacity at construction (flat_index.hpp): admission
// and removal allocate nothing.
//
// Admission with eviction is bound by cache misses, not arithmetic: at a 64K capacity the
// signature index, the account index and the pool are far larger than L2, and removing the
// victim walks a chain of dependent loads (entry -> account states -> index slots). So an
// insert that will get room hashes every key it will look up first and prefetches their
// home slots at once, remove() prefetches each chain's next link before doing other work,
// and an insert that leaves the pool full prefetches the first lines of the entry the next
// insert will most likely evict (its rank, signature and first 16 account ids).
//
// Shortcomings: duplicates are detected only against transactions still held; a copy
// arriving after the original was included is left to Agave's ALREADY_PROCESSED answer.
// Votes and non-votes compete in one order, so a flood of high-fee transactions can
// evict votes (Firedancer protects votes below 25 % of its pool).
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

#include "extpack/sched/account_table.hpp"
#include "extpack/sched/flat_index.hpp"
#include "extpack/sched/priority_index.hpp"
#include "extpack/sched/types.hpp"
#include "extpack/txn/account_locks.hpp"

namespace extpack::sched {

/// A transaction to admit, as the runtime analysed it.
struct NewTx {
  TxRef ref;
  std::uint64_t priority = 0;
  std::uint64_t reward = 0;
  std::uint64_t cost = 0;
  std::uint64_t rank = 0;
  txn::Signature signature{};
  std::uint64_t fee = 0;       ///< everything the fee payer is charged, lamports
  txn::Pubkey payer{};         ///< the fee payer
  txn::Hash blockhash{};       ///< its recent blockhash
  std::int64_t arrival_ns = 0; ///< when the caller read it (its own clock), for latency
  bool vote = false;
  /// Accounts are incomplete until a RESOLVE answers (v0 with address-table lookups).
  bool needs_resolve = false;
  std::uint16_t loaded_writable = 0; ///< address-table keys loaded writable
  std::uint16_t loaded_readonly = 0; ///< address-table keys loaded readonly
  /// Locks known now: all of them, or the static keys only when needs_resolve.
  std::span<const txn::AccountLock> locks;
};

enum class InsertStatus : std::uint8_t { Inserted, Duplicate, Full };

struct InsertResult {
  InsertStatus status = InsertStatus::Inserted;
  EntryId id = NO_ENTRY;
  std::optional<TxRef> evicted; ///< a queued transaction pushed out to make room
};

class Container {
public:
  explicit Container(std::size_t capacity);

  InsertResult insert(const NewTx& tx);
  /// Removes an entry (queued or not) and returns where its bytes are.
  TxRef remove(EntryId id);

  [[nodiscard]] TxEntry& entry(EntryId id) { return pool_[id]; }
  [[nodiscard]] const TxEntry& entry(EntryId id) const { return pool_[id]; }
  [[nodiscard]] AccountTable& accounts() { return accounts_; }
  [[nodiscard]] const AccountTable& accounts() const { return accounts_; }

  /// Best ready entry, taken out of the ready order (its state is left to the caller).
  EntryId pop_ready() { return ready_.pop_best(); }
  [[nodiscard]] EntryId peek_ready() const { return ready_.best(); }
  /// Puts an entry back in the ready order with its stored rank and arrival seq.
  void push_ready(EntryId id);
  EntryId pop_unresolved() { return unresolved_.pop_best(); }
  void push_unresolved(EntryId id);
  /// Replaces an entry's accounts (after RESOLVE supplied the loaded keys).
  void set_accounts(EntryId id, std::span<const txn::AccountLock> locks);

  [[nodiscard]] std::size_t size() const { return size_; }
  [[nodiscard]] std::size_t capacity() const { return pool_.size(); }
  [[nodiscard]] std::size_t ready_size() const { return ready_.size(); }
  [[nodiscard]] std::size_t unresolved_size() const { return unresolved_.size(); }
  /// Calls f(id) for every held entry (any state but Free).
  template <typename F> void for_each(F&& f) const {
    for (EntryId id = 0; id < pool_.size(); ++id) {
      if (pool_[id].state != EntryState::Free) f(id);
    }
  }

private:
  /// Seeded hash of 16 of the 64 signature bytes, 8 from R and 8 from S: signatures are
  /// random, but a signer that reuses its nonce can send any number with the same R.
  [[nodiscard]] std::uint64_t sig_hash(const txn::Signature& s) const {
    return hash_two_words(s.data(), 0, 32, seed_);
  }
  /// Start loading the parts of an entry remove() reads, then what they point at.
  static void prefetch_entry(const TxEntry& e);
  void prefetch_victim_accounts(const TxEntry& e) const;
  /// Hashes each lock's key for the account table and prefetches its index slot.
  void hash_keys(std::span<const txn::AccountLock> locks,
                 std::array<std::uint64_t, txn::MAX_TX_ACCOUNT_LOCKS>& out) const;
  /// Interns `locks` into `e`; key_h[i] is the account table's hash of locks[i].key.
  void intern(TxEntry& e, std::span<const txn::AccountLock> locks,
              const std::array<std::uint64_t, txn::MAX_TX_ACCOUNT_LOCKS>& key_h);
  void release_accounts(TxEntry& e);
  /// The worst queued entry in either order, or NO_ENTRY.
  [[nodiscard]] EntryId worst_queued() const;

  std::vector<TxEntry> pool_;
  std::vector<EntryId> free_;
  std::size_t size_ = 0;
  std::uint64_t next_seq_ = 0;
  PriorityIndex ready_;
  PriorityIndex unresolved_;
  AccountTable accounts_;
  std::uint64_t seed_ = hash_seed();
  FlatIdIndex by_signature_; ///< first signature -> id, sized for the capacity once
};

} // namespace extpack::sched
