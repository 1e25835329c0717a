// Reader/writer account locks shared by all workers (see lock_table.hpp).
#include "extpack/sim/lock_table.hpp"

namespace extpack::sim {

bool LockTable::try_lock(std::span<const txn::AccountLock> locks) {
  for (const auto& l : locks) {
    auto it = held_.find(l.key);
    if (it == held_.end()) continue;
    if (it->second.writer || l.writable) return false;
  }
  for (const auto& l : locks) {
    State& s = held_[l.key];
    if (l.writable) {
      s.writer = true;
    } else {
      ++s.readers;
    }
  }
  return true;
}

void LockTable::unlock(std::span<const txn::AccountLock> locks) {
  for (const auto& l : locks) {
    auto it = held_.find(l.key);
    if (it == held_.end()) continue;
    if (l.writable) {
      it->second.writer = false;
    } else if (it->second.readers > 0) {
      --it->second.readers;
    }
    if (!it->second.writer && it->second.readers == 0) held_.erase(it);
  }
}

} // namespace extpack::sim
