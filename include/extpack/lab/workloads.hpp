// Named workloads for lab runs, as changes to a sim::SimConfig.
//
//  "mainnet-like"  the generator's defaults (calibrated to mainnet, generator.hpp): about
//                  75 % votes, demand below block capacity most of the time.
//  "contended"     demand far above block capacity with hot accounts and repeat payers:
//                  few votes (25 %), 85 % of non-votes are swaps, 60 % of swaps are paid by
//                  24 repeat bots, every swap and oracle update writes 1-3 of only 64 pool
//                  accounts with a steep skew (Zipf 1.4), and 6,000 transactions are
//                  offered per slot (their estimated cost is several times the 60M CU
//                  block). This is where the choice of policy shows in the fees.
// Options given explicitly (--tx-per-slot) override the preset's values afterwards.
#pragma once

#include <string_view>
#include <vector>

#include "extpack/common/result.hpp"
#include "extpack/sim/config.hpp"

namespace extpack::lab {

/// Offered transactions per slot of the contended preset (several blocks' worth of cost).
inline constexpr std::uint32_t CONTENDED_TX_PER_SLOT = 6'000;

/// Applies workload `name` to `cfg`; the error lists the known names.
[[nodiscard]] Result<void> apply_workload(std::string_view name, sim::SimConfig& cfg);
[[nodiscard]] std::vector<std::string_view> workload_names();

} // namespace extpack::lab
