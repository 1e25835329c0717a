// The bounded transaction store; see container.hpp.
#include "extpack/sched/container.hpp"

#include <cassert>

namespace extpack::sched {

Container::Container(std::size_t capacity)
    : pool_(capacity), ready_(capacity), unresolved_(capacity) {
  free_.reserve(capacity);
  for (std::size_t i = capacity; i > 0; --i)
    free_.push_back(static_cast<EntryId>(i - 1));
  by_signature_.reserve(capacity);
  // Two accounts per transaction before the account index first grows (it keeps its
  // high-water size afterwards).
  accounts_.reserve(2 * capacity);
}

EntryId Container::worst_queued() const {
  EntryId a = ready_.worst();
  EntryId b = unresolved_.worst();
  if (a == NO_ENTRY) return b;
  if (b == NO_ENTRY) return a;
  return better(ready_.key(a), unresolved_.key(b)) ? b : a;
}

InsertResult Container::insert(const NewTx& tx) {
  InsertResult r;
  const std::uint64_t sig_h = sig_hash(tx.signature);
  const auto is_duplicate = [&] {
    return by_signature_.find(sig_h, [&](EntryId i) {
      return pool_[i].signature == tx.signature;
    }) != FlatIdIndex::NONE;
  };
  // The index slots and entries an insert reads are likely cache misses once the container
  // is large. Start loading them all before using any, so the misses overlap with each other
  // and with the eviction instead of stalling one after another, but only once the insert
  // is known to get room: a refused one (the spam path) touches no more than it must.
  by_signature_.prefetch(sig_h);
  EntryId victim = NO_ENTRY;
  if (free_.empty()) {
    victim = worst_queued();
    // The newcomer would get the next seq, so it loses every tie. A duplicate is reported as
    // such even when it would also be refused for room.
    const PriorityKey incoming{tx.rank, next_seq_};
    if (victim == NO_ENTRY ||
        !better(incoming, PriorityKey{pool_[victim].rank, pool_[victim].seq})) {
      r.status = is_duplicate() ? InsertStatus::Duplicate : InsertStatus::Full;
      return r;
    }
    // Its entry was prefetched at the end of the previous insert: now its accounts' states.
    prefetch_victim_accounts(pool_[victim]);
  }
  assert(tx.locks.size() <= txn::MAX_TX_ACCOUNT_LOCKS);
  std::array<std::uint64_t, txn::MAX_TX_ACCOUNT_LOCKS> key_h;
  hash_keys(tx.locks, key_h);
  if (is_duplicate()) {
    r.status = InsertStatus::Duplicate;
    return r;
  }
  if (victim != NO_ENTRY) r.evicted = remove(victim);
  EntryId id = free_.back();
  free_.pop_back();
  ++size_;
  TxEntry& e = pool_[id];
  e = TxEntry{};
  e.ref = tx.ref;
  e.priority = tx.priority;
  e.reward = tx.reward;
  e.cost = tx.cost;
  e.rank = tx.rank;
  e.seq = next_seq_++;
  e.signature = tx.signature;
  e.vote = tx.vote;
  e.loaded_writable = tx.loaded_writable;
  e.loaded_readonly = tx.loaded_readonly;
  intern(e, tx.locks, key_h);
  by_signature_.insert(sig_h, id);
  if (tx.needs_resolve) {
    e.state = EntryState::Unresolved;
    unresolved_.push(id, {e.rank, e.seq});
  } else {
    e.state = EntryState::Ready;
    ready_.push(id, {e.rank, e.seq});
  }
  r.id = id;
  if (free_.empty()) {
    // The pool stays full: the next insert will most likely evict the worst entry now.
    if (const EntryId v = worst_queued(); v != NO_ENTRY) prefetch_entry(pool_[v]);
  }
  return r;
}

void Container::prefetch_entry(const TxEntry& e) {
  __builtin_prefetch(&e.rank);
  __builtin_prefetch(&e.signature);
  __builtin_prefetch(&e.accounts[0]);
  __builtin_prefetch(&e.num_accounts);
}

void Container::prefetch_victim_accounts(const TxEntry& e) const {
  for (std::size_t i = 0; i < e.num_accounts; ++i)
    accounts_.prefetch_id(e.accounts[i]);
  by_signature_.prefetch(sig_hash(e.signature));
}

TxRef Container::remove(EntryId id) {
  TxEntry& e = pool_[id];
  assert(e.state != EntryState::Free);
  // As in insert: start the loads of the accounts' states and the signature's slot, do the
  // order's work while they arrive, then start the loads of the index slots the released
  // accounts will be erased from before erasing anything.
  for (std::size_t i = 0; i < e.num_accounts; ++i)
    accounts_.prefetch_id(e.accounts[i]);
  const std::uint64_t sig_h = sig_hash(e.signature);
  by_signature_.prefetch(sig_h);
  if (ready_.contains(id)) ready_.erase(id);
  if (unresolved_.contains(id)) unresolved_.erase(id);
  for (std::size_t i = 0; i < e.num_accounts; ++i)
    accounts_.prefetch_release(e.accounts[i]);
  [[maybe_unused]] const bool found = by_signature_.erase(sig_h, id);
  assert(found);
  release_accounts(e);
  TxRef ref = e.ref;
  e.state = EntryState::Free;
  free_.push_back(id);
  --size_;
  return ref;
}

void Container::push_ready(EntryId id) {
  TxEntry& e = pool_[id];
  e.state = EntryState::Ready;
  ready_.push(id, {e.rank, e.seq});
}

void Container::push_unresolved(EntryId id) {
  TxEntry& e = pool_[id];
  e.state = EntryState::Unresolved;
  unresolved_.push(id, {e.rank, e.seq});
}

void Container::set_accounts(EntryId id, std::span<const txn::AccountLock> locks) {
  assert(locks.size() <= txn::MAX_TX_ACCOUNT_LOCKS);
  std::array<std::uint64_t, txn::MAX_TX_ACCOUNT_LOCKS> key_h;
  hash_keys(locks, key_h);
  TxEntry& e = pool_[id];
  release_accounts(e);
  intern(e, locks, key_h);
}

void Container::hash_keys(std::span<const txn::AccountLock> locks,
                          std::array<std::uint64_t, txn::MAX_TX_ACCOUNT_LOCKS>& out) const {
  for (std::size_t i = 0; i < locks.size(); ++i) {
    out[i] = accounts_.hash(locks[i].key);
    accounts_.prefetch_key(out[i]);
  }
}

void Container::intern(TxEntry& e, std::span<const txn::AccountLock> locks,
                       const std::array<std::uint64_t, txn::MAX_TX_ACCOUNT_LOCKS>& key_h) {
  assert(locks.size() <= e.accounts.size());
  e.num_accounts = static_cast<std::uint8_t>(locks.size());
  e.writable_mask = 0;
  for (std::size_t i = 0; i < locks.size(); ++i) {
    e.accounts[i] = accounts_.acquire(locks[i].key, key_h[i]);
    if (locks[i].writable) e.writable_mask |= std::uint64_t{1} << i;
  }
}

void Container::release_accounts(TxEntry& e) {
  for (std::size_t i = 0; i < e.num_accounts; ++i)
    accounts_.release(e.accounts[i]);
  e.num_accounts = 0;
  e.writable_mask = 0;
}

} // namespace extpack::sched
