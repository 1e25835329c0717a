// Interned account keys, locks and per-slot write cost; see account_table.hpp.
#include "extpack/sched/account_table.hpp"

#include <algorithm>
#include <cassert>
#include <chrono>
#include <random>

namespace extpack::sched {

std::uint64_t hash_seed() {
  static const std::uint64_t seed = [] {
    std::uint64_t s = 0;
    try {
      std::random_device rd;
      s = (std::uint64_t{rd()} << 32) ^ rd();
    } catch (...) {
      s = static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
    }
    return hash_mum(s ^ 0x9E37'79B9'7F4A'7C15ULL, 0xBF58'476D'1CE4'E5B9ULL) | 1u;
  }();
  return seed;
}

void AccountTable::reserve(std::size_t accounts) {
  index_.reserve(accounts);
  accounts_.reserve(accounts);
  free_ids_.reserve(accounts);
}

AccountId AccountTable::acquire(const txn::Pubkey& key, std::uint64_t h) {
  assert(h == hash(key));
  AccountId id = index_.find(h, [&](AccountId i) { return accounts_[i].key == key; });
  if (id == FlatIdIndex::NONE) {
    if (!free_ids_.empty()) {
      id = free_ids_.back();
      free_ids_.pop_back();
    } else {
      id = static_cast<AccountId>(accounts_.size());
      accounts_.emplace_back();
    }
    AccountState& a = accounts_[id];
    a = AccountState{};
    a.key = key;
    a.in_use = true;
    index_.insert(h, id);
  }
  ++accounts_[id].refs;
  return id;
}

void AccountTable::release(AccountId id) {
  AccountState& a = accounts_[id];
  assert(a.in_use && a.refs > 0);
  --a.refs;
  maybe_free(id);
}

void AccountTable::maybe_free(AccountId id) {
  AccountState& a = accounts_[id];
  if (a.refs != 0 || a.readers != 0 || a.writer || a.dirty) return;
  [[maybe_unused]] const bool found = index_.erase(hash(a.key), id);
  assert(found);
  a.in_use = false;
  free_ids_.push_back(id);
}

bool AccountTable::can_lock(const TxEntry& e) const {
  for (std::size_t i = 0; i < e.num_accounts; ++i) {
    const AccountState& a = accounts_[e.accounts[i]];
    if (a.writer) return false;
    if (e.writable(i) && a.readers != 0) return false;
  }
  return true;
}

void AccountTable::lock(const TxEntry& e) {
  for (std::size_t i = 0; i < e.num_accounts; ++i) {
    AccountState& a = accounts_[e.accounts[i]];
    if (e.writable(i)) {
      assert(!a.writer && a.readers == 0);
      a.writer = true;
      ++num_writers_;
    } else {
      assert(!a.writer);
      ++a.readers;
    }
  }
}

void AccountTable::unlock(const TxEntry& e) {
  for (std::size_t i = 0; i < e.num_accounts; ++i) {
    AccountState& a = accounts_[e.accounts[i]];
    if (e.writable(i)) {
      assert(a.writer);
      a.writer = false;
      --num_writers_;
    } else {
      assert(a.readers > 0);
      --a.readers;
    }
  }
}

bool AccountTable::write_cost_fits(const TxEntry& e, std::uint64_t cost,
                                   std::uint64_t limit) const {
  for (std::size_t i = 0; i < e.num_accounts; ++i) {
    if (!e.writable(i)) continue;
    const AccountState& a = accounts_[e.accounts[i]];
    if (a.write_cost > limit || cost > limit - a.write_cost) return false;
  }
  return true;
}

void AccountTable::mark_dirty(AccountId id) {
  AccountState& a = accounts_[id];
  if (!a.dirty) {
    a.dirty = true;
    dirty_.push_back(id);
  }
}

void AccountTable::add_write_cost(const TxEntry& e, std::uint64_t cost) {
  for (std::size_t i = 0; i < e.num_accounts; ++i) {
    if (!e.writable(i)) continue;
    accounts_[e.accounts[i]].write_cost += cost;
    mark_dirty(e.accounts[i]);
  }
}

void AccountTable::sub_write_cost(const TxEntry& e, std::uint64_t cost) {
  for (std::size_t i = 0; i < e.num_accounts; ++i) {
    if (!e.writable(i)) continue;
    AccountState& a = accounts_[e.accounts[i]];
    a.write_cost -= std::min(a.write_cost, cost);
  }
}

void AccountTable::saturate_write_cost(const TxEntry& e, std::uint64_t limit) {
  for (std::size_t i = 0; i < e.num_accounts; ++i) {
    if (!e.writable(i)) continue;
    AccountState& a = accounts_[e.accounts[i]];
    a.write_cost = std::max(a.write_cost, limit);
    mark_dirty(e.accounts[i]);
  }
}

void AccountTable::reset_slot() {
  std::vector<AccountId> dirty;
  dirty.swap(dirty_);
  for (AccountId id : dirty) {
    AccountState& a = accounts_[id];
    a.write_cost = 0;
    a.dirty = false;
    maybe_free(id);
  }
  dirty.clear();
  dirty_.swap(dirty); // keep the capacity
}

} // namespace extpack::sched
