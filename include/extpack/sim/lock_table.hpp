// Account locks held by every batch executing at the same time across all workers, as
// Agave's AccountLocks: many readers or one writer per key. A transaction takes all of
// its locks or none; a conflict (with another batch or an earlier transaction of the same
// batch) is ACCOUNT_IN_USE. Not thread-safe by itself: the bank serialises access.
#pragma once

#include <cstdint>
#include <span>
#include <unordered_map>

#include "extpack/sim/keys.hpp"
#include "extpack/txn/account_locks.hpp"

namespace extpack::sim {

class LockTable {
public:
  /// Takes every lock in `locks`, or none and returns false on a conflict.
  [[nodiscard]] bool try_lock(std::span<const txn::AccountLock> locks);
  /// Releases locks previously taken by try_lock().
  void unlock(std::span<const txn::AccountLock> locks);
  /// Keys currently locked (by anyone).
  [[nodiscard]] std::size_t held() const { return held_.size(); }

private:
  struct State {
    std::uint32_t readers = 0;
    bool writer = false;
  };
  std::unordered_map<Pubkey, State, KeyHash> held_;
};

} // namespace extpack::sim
