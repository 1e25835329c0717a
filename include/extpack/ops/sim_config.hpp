// The configuration of agave-sim: session shape, slot clock, workload (a transaction file
// or the built-in generator and its distribution parameters), bank limits and outputs.
// Defaults are today's mainnet values where one exists (400 ms slots, 60M-CU blocks) and
// otherwise the simulator's own defaults, so a config file only states what differs.
// deploy/config/sim.example.toml shows every key; docs/OPERATIONS.md explains them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "extpack/common/result.hpp"
#include "extpack/ops/config_overrides.hpp"
#include "extpack/ops/config_types.hpp"
#include "extpack/session/session.hpp"
#include "extpack/txn/cost_model.hpp"

namespace extpack::ops {

/// [session]: where the session is created and its shape. Exactly one of dir and listen.
struct SimSessionSection {
  std::string dir;    ///< seed mode: create the regions in this directory
  std::string listen; ///< handshake mode: serve the 3.1 handshake on this Unix socket
  std::uint32_t workers = 4;
  std::uint32_t allocator_handles = 1;           ///< handles offered to pack
  std::uint64_t allocator_mib = 512;             ///< even, 8..4094 (2 MiB slabs, below 4 GiB)
  std::uint64_t tpu_to_pack_capacity = 1u << 16; ///< messages; powers of two
  std::uint64_t progress_tracker_capacity = 1u << 10;
  std::uint64_t pack_to_worker_capacity = 1u << 10;
  std::uint64_t worker_to_pack_capacity = 1u << 10;

  /// The session::SessionConfig these values describe.
  [[nodiscard]] session::SessionConfig session_config() const;
};

/// [clock]
struct SimClockSection {
  std::uint32_t slots = 24;
  std::uint32_t slot_ms = 400;    ///< mainnet target slot time
  std::uint32_t leader_every = 8; ///< leader for 4 consecutive slots out of every N
};

/// [workload.generator]: the built-in workload's mix (mirrors sim::GeneratorConfig).
struct GeneratorSection {
  std::uint64_t seed = 1;
  double vote_share = 0.75; ///< simple votes by count (mainnet 70-80 %)
  std::uint32_t validators = 1500;
  std::uint32_t users = 20'000;
  std::uint32_t bots = 24;
  double swap_share = 0.45;   ///< of non-votes
  double oracle_share = 0.10; ///< of non-votes; the rest are transfers
  double bot_swap_share = 0.30;
  double v0_swap_share = 0.60;
  std::uint32_t hot_accounts = 5000;
  double zipf_s = 1.1;
  std::uint32_t lookup_tables = 512;
  double zero_price_share = 0.35; ///< non-votes without a priority fee
  double price_median = 1e4;      ///< micro-lamports per CU, lognormal median
  double price_sigma = 2.34;      ///< lognormal sigma of the price
  double tight_limit_share = 0.40;
  double round_limit_share = 0.40;
  double duplicate_share = 0.03;
  double forwarded_share = 0.10;
};

/// [workload]: a file of base64 transactions, or the generator when input is "".
struct WorkloadSection {
  std::string input;
  std::uint32_t tx_per_slot = 2000;
  GeneratorSection generator;
};

/// [bank]: the simulated bank (limits mirror txn::BlockLimits, mainnet values).
struct BankSection {
  txn::BlockLimits limits;
  double ns_per_cu = 10.0; ///< execution time per consumed CU (Agave's model: 33 ns)
  bool check_blockhash = true;
  std::uint32_t max_blockhash_age = 150;  ///< slots (Agave MAX_PROCESSING_AGE)
  std::uint32_t status_cache_slots = 300; ///< slots a signature stays "already processed"
  bool verify_signatures = false;
  double poor_payer_share = 0.005;
  double cu_ratio_median = 0.7; ///< consumed / requested CU limit
  double cu_ratio_sigma = 0.5;
};

struct SimConfig {
  SimSessionSection session;
  SimClockSection clock;
  WorkloadSection workload;
  BankSection bank;
  std::string log_level = "info";     ///< [log] level
  std::string metrics_listen = "off"; ///< [metrics] listen
  std::string stats_out;              ///< [output] stats_out
  std::string block_record;           ///< [output] block_record
};

[[nodiscard]] Checked<SimConfig> check_sim_config(std::string_view toml_text,
                                                  std::string_view source_name,
                                                  const ConfigOverrides& overrides = {});
/// "" = no file: defaults and overrides only.
[[nodiscard]] Checked<SimConfig> check_sim_config_file(const std::filesystem::path& file,
                                                       const ConfigOverrides& overrides = {});
[[nodiscard]] Result<SimConfig> load_sim_config(const std::filesystem::path& file,
                                                const ConfigOverrides& overrides = {});

} // namespace extpack::ops
