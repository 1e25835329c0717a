// The built-in workload generator (see generator.hpp for the mix and its sources).
#include "extpack/sim/generator.hpp"

#include <algorithm>
#include <cmath>

#include "extpack/abi/messages.hpp"
#include "extpack/txn/compute_budget.hpp"

namespace extpack::sim {

namespace {
constexpr std::size_t RECENT_FOR_DUPLICATES = 256;
/// TowerSync is VoteInstruction variant 14 (bincode u32 LE tag).
constexpr std::uint32_t VOTE_TOWER_SYNC_TAG = 14;
/// Lockouts in a full tower (MAX_LOCKOUT_HISTORY).
constexpr std::uint8_t TOWER_LOCKOUTS = 31;
/// Round CU limits wallets and bots commonly request.
constexpr std::uint32_t ROUND_LIMITS[] = {200'000, 300'000, 400'000, 600'000, 1'400'000};

void put_le(std::vector<std::uint8_t>& d, std::uint64_t v, int n) {
  for (int i = 0; i < n; ++i)
    d.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

const Pubkey& oracle_program_id() {
  static const Pubkey k = derive_address("extpack-sim/program/oracle", 0, 0);
  return k;
}
const Pubkey& dex_program_id() {
  static const Pubkey k = derive_address("extpack-sim/program/dex", 0, 0);
  return k;
}
Pubkey hot_account(std::uint64_t seed, std::size_t rank) {
  return derive_address("extpack-sim/hot", seed, rank);
}
Pubkey lookup_table_key(std::uint64_t index) {
  // Independent of the seed: the ALT registry resolves every table key anyway.
  return derive_address("extpack-sim/alt-table", 0, index);
}
} // namespace

std::array<std::uint8_t, 16> ipv4_mapped(std::uint8_t a, std::uint8_t b, std::uint8_t c,
                                         std::uint8_t d) {
  return {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, a, b, c, d};
}

Generator::Generator(const GeneratorConfig& cfg)
    : cfg_(cfg), rng_(mix64(cfg.seed ^ 0x67656e657261746fULL)),
      hot_(std::max<std::uint32_t>(cfg.hot_accounts, 1), cfg.zipf_s),
      bot_pick_(std::max<std::uint32_t>(cfg.bots, 1), 1.0),
      validators_(std::max<std::uint32_t>(cfg.validators, 1)),
      bots_(std::max<std::uint32_t>(cfg.bots, 1)) {}

const Keypair& Generator::validator_key(std::uint32_t v) {
  auto& k = validators_[v];
  if (!k) k = derive_keypair("extpack-sim/validator", cfg_.seed, v);
  return *k;
}

const Keypair& Generator::bot_key(std::uint32_t b) {
  auto& k = bots_[b];
  if (!k) k = derive_keypair("extpack-sim/bot", cfg_.seed, b);
  return *k;
}

const Keypair& Generator::user_key(std::uint32_t u) {
  auto it = users_.find(u);
  if (it == users_.end()) {
    it = users_.emplace(u, derive_keypair("extpack-sim/user", cfg_.seed, u)).first;
  }
  return it->second;
}

std::array<std::uint8_t, 16> Generator::user_addr(std::uint64_t who) {
  return ipv4_mapped(100, static_cast<std::uint8_t>(64 + ((who >> 16) & 63)),
                     static_cast<std::uint8_t>(who >> 8), static_cast<std::uint8_t>(who));
}

GeneratedTx Generator::next(const Hash& blockhash) {
  if (rng_.chance(cfg_.vote_share)) return make_vote(blockhash);
  if (!recent_.empty() && rng_.chance(cfg_.duplicate_share)) {
    GeneratedTx dup = recent_[rng_.below(recent_.size())];
    dup.duplicate = true;
    return dup;
  }
  GeneratedTx tx;
  const double kind = rng_.uniform();
  if (kind < cfg_.swap_share) {
    tx = make_swap(blockhash);
  } else if (kind < cfg_.swap_share + cfg_.oracle_share) {
    tx = make_oracle(blockhash);
  } else {
    tx = make_transfer(blockhash);
  }
  if (rng_.chance(cfg_.forwarded_share)) {
    const auto v = static_cast<std::uint32_t>(rng_.below(validators_.size()));
    tx.flags |= abi::tpu_message_flags::FORWARDED | abi::tpu_message_flags::FROM_STAKED_NODE;
    tx.src_addr =
        ipv4_mapped(10, static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v), 1);
  }
  remember(tx);
  return tx;
}

void Generator::remember(const GeneratedTx& tx) {
  recent_.push_back(tx);
  if (recent_.size() > RECENT_FOR_DUPLICATES) recent_.pop_front();
}

GeneratedTx Generator::make_vote(const Hash& blockhash) {
  const std::uint32_t v = next_validator_;
  next_validator_ = (next_validator_ + 1) % static_cast<std::uint32_t>(validators_.size());
  const Keypair& authority = validator_key(v);
  const std::uint64_t n = vote_counter_++;

  MessageSpec m;
  m.num_required_signatures = 1;
  m.num_readonly_unsigned = 1;
  m.static_keys = {authority.pubkey, derive_address("extpack-sim/vote-account", cfg_.seed, v),
                   vote_program_id()};
  m.recent_blockhash = blockhash;
  // A TowerSync-shaped payload (148 bytes, so the transaction is 352 bytes like mainnet's):
  // tag, root, 31 lockouts (offset, confirmations), bank hash, timestamp, block id.
  std::vector<std::uint8_t> d;
  put_le(d, VOTE_TOWER_SYNC_TAG, 4);
  put_le(d, 300'000'000 + n / validators_.size(), 8);
  d.push_back(TOWER_LOCKOUTS);
  for (std::uint8_t i = 0; i < TOWER_LOCKOUTS; ++i) {
    d.push_back(1);
    d.push_back(static_cast<std::uint8_t>(TOWER_LOCKOUTS - i));
  }
  const auto bank_hash = derive_bytes("extpack-sim/vote-hash", cfg_.seed, n);
  d.insert(d.end(), bank_hash.begin(), bank_hash.end());
  d.push_back(1);
  put_le(d, 1'700'000'000 + n, 8);
  d.insert(d.end(), blockhash.begin(), blockhash.end());
  m.instructions.push_back({2, {1, 0}, std::move(d)});

  const Keypair* signers[] = {&authority};
  GeneratedTx tx;
  tx.bytes = build_transaction(m, signers);
  tx.vote = true;
  tx.flags = abi::tpu_message_flags::FROM_STAKED_NODE;
  tx.src_addr = ipv4_mapped(10, static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v), 1);
  return tx;
}

Generator::Budget Generator::draw_budget(double cus) {
  Budget b;
  if (!rng_.chance(cfg_.zero_price_share)) {
    const double p = rng_.lognormal(cfg_.price_median, cfg_.price_sigma);
    b.price = static_cast<std::uint64_t>(std::clamp(p, 1.0, 5e7));
  }
  const double r = rng_.uniform();
  if (r < cfg_.tight_limit_share) {
    const double tight = std::ceil(cus * (1.0 + 0.15 * rng_.uniform()));
    b.limit = static_cast<std::uint32_t>(std::min(tight, double{txn::MAX_COMPUTE_UNIT_LIMIT}));
  } else if (r < cfg_.tight_limit_share + cfg_.round_limit_share) {
    b.limit = ROUND_LIMITS[rng_.below(std::size(ROUND_LIMITS))];
  }
  return b;
}

void Generator::add_budget(MessageSpec& m, const Budget& b, std::uint8_t cb_index) {
  if (b.limit) m.instructions.push_back({cb_index, {}, set_compute_unit_limit_data(*b.limit)});
  if (b.price) m.instructions.push_back({cb_index, {}, set_compute_unit_price_data(*b.price)});
}

GeneratedTx Generator::make_transfer(const Hash& blockhash) {
  const auto u = static_cast<std::uint32_t>(rng_.below(std::max<std::uint32_t>(cfg_.users, 1)));
  const Keypair& payer = user_key(u);
  const Budget b = draw_budget(std::clamp(rng_.lognormal(1500, 0.6), 300.0, 5000.0));

  MessageSpec m;
  m.static_keys = {payer.pubkey, derive_address("extpack-sim/recipient", cfg_.seed, rng_.next()),
                   system_program_id()};
  if (b.any()) m.static_keys.push_back(txn::COMPUTE_BUDGET_PROGRAM_ID);
  m.num_readonly_unsigned = b.any() ? 2 : 1;
  m.recent_blockhash = blockhash;
  add_budget(m, b, 3);
  m.instructions.push_back({2, {0, 1}, system_transfer_data(rng_.between(1'000, 5'000'000'000))});

  const Keypair* signers[] = {&payer};
  GeneratedTx tx;
  tx.bytes = build_transaction(m, signers);
  tx.src_addr = user_addr(u);
  return tx;
}

GeneratedTx Generator::make_oracle(const Hash& blockhash) {
  // Publishers are the first bots; each update writes one Zipf-hot price account.
  const auto publisher = static_cast<std::uint32_t>(bot_pick_.sample(rng_) % bots_.size());
  const Keypair& payer = bot_key(publisher);
  Budget b = draw_budget(std::clamp(rng_.lognormal(25'000, 0.4), 5'000.0, 200'000.0));

  MessageSpec m;
  m.static_keys = {payer.pubkey, hot_account(cfg_.seed, hot_.sample(rng_)), oracle_program_id(),
                   clock_sysvar_id()};
  if (b.any()) m.static_keys.push_back(txn::COMPUTE_BUDGET_PROGRAM_ID);
  m.num_readonly_unsigned = static_cast<std::uint8_t>(m.static_keys.size() - 2);
  m.recent_blockhash = blockhash;
  add_budget(m, b, 4);
  std::vector<std::uint8_t> d;
  for (int i = 0; i < 5; ++i)
    put_le(d, rng_.next(), 8);
  m.instructions.push_back({2, {0, 1, 3}, std::move(d)});

  const Keypair* signers[] = {&payer};
  GeneratedTx tx;
  tx.bytes = build_transaction(m, signers);
  tx.src_addr = ipv4_mapped(198, 18, 0, static_cast<std::uint8_t>(publisher));
  return tx;
}

GeneratedTx Generator::make_swap(const Hash& blockhash) {
  const bool bot = rng_.chance(cfg_.bot_swap_share);
  const auto who = bot ? static_cast<std::uint32_t>(bot_pick_.sample(rng_) % bots_.size())
                       : static_cast<std::uint32_t>(rng_.below(std::max(cfg_.users, 1u)));
  const Keypair& payer = bot ? bot_key(who) : user_key(who);
  const bool v0 = rng_.chance(cfg_.v0_swap_share);
  const Budget b = draw_budget(std::clamp(rng_.lognormal(75'000, 0.7), 20'000.0, 1'400'000.0));

  // Writable: payer, two token accounts of the payer, 1-3 distinct hot pool accounts.
  std::vector<Pubkey> writable = {payer.pubkey};
  const std::uint64_t payer_id = (bot ? 1ULL << 32 : 0) | who;
  writable.push_back(derive_address("extpack-sim/token-account", cfg_.seed, payer_id * 2));
  writable.push_back(derive_address("extpack-sim/token-account", cfg_.seed, payer_id * 2 + 1));
  const std::size_t num_hot = 1 + rng_.below(3);
  std::vector<std::size_t> ranks;
  while (ranks.size() < num_hot) {
    const std::size_t r = hot_.sample(rng_);
    if (std::find(ranks.begin(), ranks.end(), r) == ranks.end()) ranks.push_back(r);
  }
  for (auto r : ranks)
    writable.push_back(hot_account(cfg_.seed, r));
  std::vector<Pubkey> readonly;
  if (b.any()) readonly.push_back(txn::COMPUTE_BUDGET_PROGRAM_ID);
  readonly.push_back(token_program_id());
  readonly.push_back(dex_program_id());
  if (!v0) {
    // Legacy swaps carry the pool's vaults and config accounts statically.
    const std::size_t extra_w = 2 + rng_.below(3), extra_r = 2 + rng_.below(3);
    for (std::size_t i = 0; i < extra_w; ++i) {
      writable.push_back(derive_address("extpack-sim/vault", cfg_.seed, ranks[0] * 8 + i));
    }
    for (std::size_t i = 0; i < extra_r; ++i) {
      readonly.push_back(derive_address("extpack-sim/pool-config", cfg_.seed, ranks[0] * 8 + i));
    }
  }

  MessageSpec m;
  m.v0 = v0;
  m.static_keys = writable;
  m.static_keys.insert(m.static_keys.end(), readonly.begin(), readonly.end());
  m.num_readonly_unsigned = static_cast<std::uint8_t>(readonly.size());
  m.recent_blockhash = blockhash;
  const auto cb_index = static_cast<std::uint8_t>(writable.size());
  const auto dex_index = static_cast<std::uint8_t>(writable.size() + (b.any() ? 2 : 1));
  add_budget(m, b, cb_index);

  std::size_t loaded = 0;
  if (v0) {
    // The first table belongs to the hottest pool of the swap, so swaps on the same pool
    // also share their loaded vault accounts; further tables are random.
    const std::size_t tables = 1 + rng_.below(3);
    for (std::size_t t = 0; t < tables; ++t) {
      const std::uint64_t tk =
          t == 0 ? ranks[0] % cfg_.lookup_tables : rng_.below(std::max(cfg_.lookup_tables, 1u));
      if (t > 0 && std::any_of(m.lookups.begin(), m.lookups.end(), [&](const LookupSpec& l) {
            return l.table == lookup_table_key(tk);
          })) {
        continue;
      }
      LookupSpec l;
      l.table = lookup_table_key(tk);
      const std::size_t w = 1 + rng_.below(4), r = 2 + rng_.below(5);
      const std::uint64_t base = t == 0 ? ranks[0] * 4 : rng_.below(128);
      for (std::size_t i = 0; i < w; ++i)
        l.writable.push_back((base + i) % 128);
      for (std::size_t i = 0; i < r; ++i)
        l.readonly.push_back(128 + (base * 3 + i) % 128);
      loaded += w + r;
      m.lookups.push_back(std::move(l));
    }
  }
  InstructionSpec swap{dex_index, {}, {}};
  for (std::size_t i = 0; i < m.static_keys.size() + loaded; ++i) {
    if (i != cb_index || !b.any()) swap.accounts.push_back(static_cast<std::uint8_t>(i));
  }
  for (std::size_t i = 0, n = 24 + rng_.below(17); i < n; ++i) {
    swap.data.push_back(static_cast<std::uint8_t>(rng_.next()));
  }
  m.instructions.push_back(std::move(swap));

  const Keypair* signers[] = {&payer};
  GeneratedTx tx;
  tx.bytes = build_transaction(m, signers);
  tx.src_addr = bot ? ipv4_mapped(198, 18, 1, static_cast<std::uint8_t>(who)) : user_addr(who);
  return tx;
}

} // namespace extpack::sim
