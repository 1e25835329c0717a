// The configuration of extpack-pack: one struct per TOML section, defaults equal to today's
// mainnet values, and a loader that checks every key (type, range, unknown names) and
// reports all problems at once. deploy/config/pack.example.toml shows every key;
// docs/OPERATIONS.md explains them.
//
// Loading order: defaults, then the file, then command-line overrides (config_cli.hpp);
// the same checks apply to all three.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "extpack/common/result.hpp"
#include "extpack/ops/config_overrides.hpp"
#include "extpack/ops/config_types.hpp"
#include "extpack/txn/cost_model.hpp"

namespace extpack::ops {

/// [session]: how pack reaches the validator. Exactly one of dir and connect is set.
/// The shape (workers, allocator size, queue capacities) is what pack asks for in its 3.1
/// logon, so it is used with `connect` only; in seed mode the manifest states the shape.
struct PackSessionSection {
  std::string dir;     ///< seed mode: directory the setup process created the regions in
  std::string connect; ///< handshake mode: the validator's scheduler Unix socket
  std::uint32_t allocator_handles = 1;           ///< allocator ids pack uses (1..128)
  std::uint32_t workers = 4;                     ///< worker endpoints to ask for (1..64)
  std::uint64_t allocator_mib = 512;             ///< shared allocator, MiB: even, 8..4094
  std::uint64_t tpu_to_pack_capacity = 1u << 16; ///< messages; every capacity a power of two
  std::uint64_t progress_tracker_capacity = 1u << 10;
  std::uint64_t pack_to_worker_capacity = 1u << 10; ///< per worker
  std::uint64_t worker_to_pack_capacity = 1u << 10; ///< per worker
};

/// [policy]: which scheduling policy and its own parameters (policy.params, free-form; the
/// policy validates them).
struct PolicySection {
  std::string name = "extpack";
  ParamMap params;
};

/// [pack]: the scheduler's container and pacing (mirror sched::SchedConfig's defaults).
struct PackSection {
  std::uint64_t capacity = 100'000;         ///< transactions held (Agave buffers 100,000)
  std::uint32_t max_batch = 64;             ///< transactions per batch (bindings cap: 64)
  std::uint32_t max_batches_per_worker = 2; ///< batches a worker may hold at once
  std::uint64_t max_inflight_cost = 0;      ///< cost units in flight; 0 = slot budget only
  std::uint32_t max_scan_per_pass = 4096;   ///< queue entries one pass may examine
  std::uint32_t max_attempts = 8;           ///< retries before a transaction is dropped
};

/// [timeouts], milliseconds.
struct PackTimeoutsSection {
  /// No progress message for this long means the validator is gone (exit PeerLost). The
  /// validator reports progress every few milliseconds while it runs.
  std::uint32_t validator_silence_ms = 10'000;
  /// After SIGTERM: how long to wait for responses to batches in flight before exiting.
  std::uint32_t shutdown_grace_ms = 2'000;
};

struct PackConfig {
  PackSessionSection session;
  PolicySection policy;
  PackSection pack;
  txn::BlockLimits limits; ///< [limits], cost units / bytes per block (mainnet defaults)
  PackTimeoutsSection timeouts;
  std::string log_level = "info";     ///< [log] level: trace debug info warn error off
  std::string metrics_listen = "off"; ///< [metrics] listen: "IPv4:port" or "off"
  std::string stats_out;              ///< [output] stats_out: JSON written at exit; "" = none
};

/// What the loader cannot know by itself.
struct PackConfigRules {
  /// Policy names the binary has (sched::policy_names()); empty accepts any name.
  std::vector<std::string> policies;
};

/// Reads a TOML document (`source_name` names it in messages) with `overrides` on top.
[[nodiscard]] Checked<PackConfig> check_pack_config(std::string_view toml_text,
                                                    std::string_view source_name,
                                                    const ConfigOverrides& overrides = {},
                                                    const PackConfigRules& rules = {});
/// Same for a file ("" = no file: defaults and overrides only). A file that cannot be read
/// or parsed is one error naming the path (and line and column for syntax errors).
[[nodiscard]] Checked<PackConfig> check_pack_config_file(const std::filesystem::path& file,
                                                         const ConfigOverrides& overrides = {},
                                                         const PackConfigRules& rules = {});
/// check_pack_config_file(...).to_result(): the config, or every problem in one Error.
[[nodiscard]] Result<PackConfig> load_pack_config(const std::filesystem::path& file,
                                                  const ConfigOverrides& overrides = {},
                                                  const PackConfigRules& rules = {});

} // namespace extpack::ops
