// Everything that shapes one simulator run, with defaults that model mainnet today:
// 400 ms slots, 4 leader slots in every 8, ~2,000 transactions offered per slot (about
// 1,500 votes and 500 non-votes), the mainnet block limits from txn::BlockLimits.
#pragma once

#include <cstdint>
#include <filesystem>

#include "extpack/common/result.hpp"
#include "extpack/sim/bank.hpp"
#include "extpack/sim/generator.hpp"
#include "extpack/sim/worker.hpp"

namespace extpack::sim {

struct SimConfig {
  std::uint64_t slots = 32; ///< slots to run before shutting down
  std::uint64_t first_slot = 0;
  std::uint32_t slot_ms = 400;     ///< mainnet target slot time (DEFAULT_MS_PER_SLOT)
  std::uint32_t leader_window = 4; ///< consecutive leader slots (NUM_CONSECUTIVE_LEADER_SLOTS)
  std::uint32_t leader_every = 8;  ///< the window repeats every this many slots
  std::uint32_t progress_interval_ms = 10; ///< progress messages within a slot
  std::filesystem::path input;             ///< base64 transactions, one per line; empty: generator
  std::uint32_t tx_per_slot = 2000;        ///< transactions offered to pack per slot
  std::uint64_t seed = 1;                  ///< drives the generator, blockhashes and balances
  std::uint32_t linger_ms = 2000;          ///< after the last slot: quiet time before exiting
  std::int64_t feed_clean_interval_ns = 5'000'000;
  BankConfig bank{};
  GeneratorConfig generator{};
  WorkerConfig worker{};

  /// Checks ranges; the error names the option and the value.
  [[nodiscard]] Result<void> validate() const;
};

} // namespace extpack::sim
