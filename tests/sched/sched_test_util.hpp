// Helpers for scheduler tests: transactions described by account numbers, without bytes.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "extpack/sched/policies.hpp"
#include "extpack/sched/scheduler.hpp"
#include "tx_builder.hpp"

namespace extpack::test {

/// A transaction as the scheduler sees it; keeps its lock array alive.
struct FakeTx {
  std::vector<txn::AccountLock> locks;
  sched::NewTx tx;

  FakeTx(std::uint64_t n, std::vector<std::uint32_t> writable, std::vector<std::uint32_t> readonly,
         std::uint64_t priority, std::uint64_t cost = 10'000) {
    for (auto w : writable)
      locks.push_back({key(w), true});
    for (auto r : readonly)
      locks.push_back({key(r), false});
    tx.ref = sched::TxRef{n * 4096, 200};
    tx.priority = priority;
    tx.reward = priority;
    tx.cost = cost;
    std::memcpy(tx.signature.data(), &n, sizeof n);
    tx.signature[63] = 0x77;
    tx.locks = locks;
  }
};

inline std::unique_ptr<sched::Scheduler> make_scheduler(const sched::SchedConfig& cfg,
                                                        std::uint32_t workers,
                                                        const char* policy = "extpack") {
  return std::make_unique<sched::Scheduler>(cfg, sched::make_policy(policy), workers);
}

} // namespace extpack::test
