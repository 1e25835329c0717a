// The built-in workload: a deterministic stream of realistic, correctly signed mainnet-like
// transactions, so the simulator needs no data files.
//
// The mix follows the mainnet statistics in solana-cost-and-fees.md §2 ("Suggested
// generator parameters"); every number below is an assumption calibrated to them:
//  * simple votes (~75 % by count): legacy, 1 signature, 3 static keys {authority = fee
//    payer, vote account, Vote program}, one TowerSync instruction (tag 14), 352 bytes.
//    Each validator has its own vote account, so votes never conflict with each other.
//  * non-votes: transfers (3-4 keys), oracle updates from a few repeat publishers, and
//    DEX swaps writing 1-3 Zipf-hot pool accounts, v0 with 1-3 lookup tables or legacy.
//    Compute-budget mix: ~35 % at price 0, otherwise lognormal with median 10^4
//    micro-lamports/CU and sigma 2.34 (p90 ~ 2*10^5, p99 ~ 2*10^6); CU limit 40 % tight,
//    40 % round numbers, 20 % default (no SetComputeUnitLimit).
//  * repeat fee payers (bots) send a large share of non-votes; a few percent of non-votes
//    are re-sent duplicates, as clients rebroadcast.
// Known simplifications: no bundles, no failed-on-chain transactions, no precompiles.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <optional>
#include <unordered_map>
#include <vector>

#include "extpack/sim/keys.hpp"
#include "extpack/sim/rng.hpp"
#include "extpack/sim/tx_builder.hpp"

namespace extpack::sim {

struct GeneratorConfig {
  std::uint64_t seed = 1;
  double vote_share = 0.75;          ///< simple votes by count (mainnet 70-80 %)
  std::uint32_t validators = 1500;   ///< distinct voting validators
  std::uint32_t users = 20'000;      ///< occasional fee payers
  std::uint32_t bots = 24;           ///< repeat fee payers (oracles, market makers)
  double swap_share = 0.45;          ///< of non-votes
  double oracle_share = 0.10;        ///< of non-votes; the rest are transfers
  double bot_swap_share = 0.30;      ///< swaps paid by a bot
  double v0_swap_share = 0.60;       ///< swaps using lookup tables
  std::uint32_t hot_accounts = 5000; ///< pools and oracles written by non-votes
  double zipf_s = 1.1;               ///< contention skew over hot_accounts
  std::uint32_t lookup_tables = 512; ///< distinct tables swaps reference
  double zero_price_share = 0.35;
  double price_median = 1e4; ///< micro-lamports per CU
  double price_sigma = 2.34;
  double tight_limit_share = 0.40;
  double round_limit_share = 0.40; ///< the rest use the default limit
  double duplicate_share = 0.03;   ///< of non-votes, re-sent copies
  double forwarded_share = 0.10;   ///< of non-votes, arriving FORWARDED by a staked node
};

struct GeneratedTx {
  std::vector<std::uint8_t> bytes;
  std::uint8_t flags = 0; ///< FORWARDED / FROM_STAKED_NODE (IS_SIMPLE_VOTE is the feed's)
  std::array<std::uint8_t, 16> src_addr{}; ///< IPv4-mapped IPv6, network byte order
  bool vote = false;
  bool duplicate = false;
};

/// IPv4-mapped IPv6 address ::ffff:a.b.c.d in network byte order.
[[nodiscard]] std::array<std::uint8_t, 16> ipv4_mapped(std::uint8_t a, std::uint8_t b,
                                                       std::uint8_t c, std::uint8_t d);

class Generator {
public:
  explicit Generator(const GeneratorConfig& cfg);

  /// The next transaction, using `blockhash` as its recent blockhash.
  [[nodiscard]] GeneratedTx next(const Hash& blockhash);

  [[nodiscard]] const GeneratorConfig& config() const { return cfg_; }

private:
  GeneratedTx make_vote(const Hash& blockhash);
  GeneratedTx make_transfer(const Hash& blockhash);
  GeneratedTx make_oracle(const Hash& blockhash);
  GeneratedTx make_swap(const Hash& blockhash);
  const Keypair& validator_key(std::uint32_t v);
  const Keypair& user_key(std::uint32_t u);
  const Keypair& bot_key(std::uint32_t b);
  struct Budget {
    std::optional<std::uint32_t> limit;
    std::optional<std::uint64_t> price;
    [[nodiscard]] bool any() const { return limit || price; }
  };
  /// Draws the compute-budget request of a transaction expected to consume about `cus`.
  Budget draw_budget(double cus);
  static void add_budget(MessageSpec& m, const Budget& b, std::uint8_t cb_index);
  std::array<std::uint8_t, 16> user_addr(std::uint64_t who);
  void remember(const GeneratedTx& tx);

  GeneratorConfig cfg_;
  Rng rng_;
  ZipfTable hot_;
  ZipfTable bot_pick_;
  std::vector<std::optional<Keypair>> validators_;
  std::vector<std::optional<Keypair>> bots_;
  std::unordered_map<std::uint32_t, Keypair> users_;
  std::uint64_t vote_counter_ = 0;
  std::uint32_t next_validator_ = 0;
  std::deque<GeneratedTx> recent_; ///< candidates for duplicates
};

} // namespace extpack::sim
