// The simulated bank: slots, batch execution, status cache, balances (see bank.hpp).
#include "extpack/sim/bank.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "extpack/sim/rng.hpp"

namespace extpack::sim {

namespace nir = abi::not_included_reasons;

namespace {
constexpr auto relaxed = std::memory_order_relaxed;
/// Balances of ordinary payers: 1 to 101 SOL, in lamports.
constexpr std::uint64_t MIN_BALANCE = 1'000'000'000;
constexpr std::uint64_t BALANCE_SPREAD = 100'000'000'000;
/// A poor payer has less than one signature fee (5,000 lamports).
constexpr std::uint64_t POOR_BALANCE_SPREAD = 4'000;
} // namespace

std::size_t Bank::SigHash::operator()(const Signature& s) const {
  std::uint64_t v = 0;
  std::memcpy(&v, s.data(), sizeof v);
  return static_cast<std::size_t>(v);
}

Bank::Bank(const BankConfig& cfg, SimCounters& counters)
    : cfg_(cfg), counters_(counters), cost_(cfg.limits) {}

Hash Bank::blockhash_for(std::uint64_t seed, std::uint64_t slot) {
  return derive_bytes("extpack-sim/blockhash", seed, slot);
}

// ---- slots ----

void Bank::close_locked(SlotRecord* closed, BlockRecord* block) {
  cur_.record.cu_used = cur_.ready ? cost_.block_cost() : 0;
  if (closed) *closed = cur_.record;
  if (block) *block = std::move(cur_.block);
  cur_ = OpenSlot{};
  cost_.reset();
}

void Bank::open_locked(std::uint64_t slot, bool leader) {
  cur_.slot = slot;
  cur_.open = true;
  cur_.ready = leader;
  cur_.record = SlotRecord{};
  cur_.record.slot = slot;
  cur_.record.leader = leader;
  cur_.record.block_limit = leader ? cfg_.limits.max_block_units : 0;
  cur_.block = BlockRecord{};
  cur_.block.slot = slot;
  blockhashes_.emplace_back(slot, blockhash_for(cfg_.seed, slot));
  while (blockhashes_.size() > cfg_.max_blockhash_age)
    blockhashes_.pop_front();
  while (!status_by_slot_.empty() &&
         status_by_slot_.front().first + cfg_.status_cache_slots <= slot) {
    for (const auto& s : status_by_slot_.front().second)
      status_cache_.erase(s);
    status_by_slot_.pop_front();
  }
}

bool Bank::advance(std::uint64_t slot, bool leader, SlotRecord* closed, BlockRecord* block) {
  std::lock_guard lock(mu_);
  const bool had = cur_.open;
  if (had) close_locked(closed, block);
  open_locked(slot, leader);
  return had;
}

bool Bank::finish(SlotRecord* closed, BlockRecord* block) {
  std::lock_guard lock(mu_);
  const bool had = cur_.open;
  if (had) close_locked(closed, block);
  return had;
}

Bank::Status Bank::status() const {
  std::lock_guard lock(mu_);
  Status s;
  s.slot = cur_.slot;
  s.ready = cur_.ready;
  s.block_cost = cost_.block_cost();
  s.remaining_cost_units = cur_.ready ? cost_.remaining() : 0;
  return s;
}

Hash Bank::latest_blockhash() const {
  std::lock_guard lock(mu_);
  return blockhashes_.empty() ? blockhash_for(cfg_.seed, 0) : blockhashes_.back().second;
}

bool Bank::blockhash_recent(const Hash& h) const {
  return std::any_of(blockhashes_.begin(), blockhashes_.end(),
                     [&](const auto& e) { return e.second == h; });
}

// ---- balances ----

std::uint64_t Bank::initial_balance(const Pubkey& payer) const {
  const std::uint64_t h = mix64(hash_prefix64(payer) ^ cfg_.seed);
  const double u = static_cast<double>(h >> 11) * 0x1.0p-53;
  if (u < cfg_.poor_payer_share) return h % POOR_BALANCE_SPREAD;
  return MIN_BALANCE + mix64(h) % BALANCE_SPREAD;
}

std::uint64_t& Bank::balance_locked(const Pubkey& payer) {
  auto it = balances_.find(payer);
  if (it == balances_.end()) it = balances_.emplace(payer, initial_balance(payer)).first;
  return it->second;
}

std::uint64_t Bank::balance(const Pubkey& payer) {
  std::lock_guard lock(mu_);
  return balance_locked(payer);
}

void Bank::set_balance(const Pubkey& payer, std::uint64_t lamports) {
  std::lock_guard lock(mu_);
  balance_locked(payer) = lamports;
}

std::size_t Bank::locks_held() const {
  std::lock_guard lock(mu_);
  return locks_.held();
}

std::uint64_t Bank::draw_consumed(const Signature& sig, std::uint64_t limit) const {
  const double z = normal_from_bits(hash_prefix64(sig));
  const double ratio =
      std::clamp(std::exp(std::log(cfg_.cu_ratio_median) + cfg_.cu_ratio_sigma * z), 0.02, 1.0);
  return static_cast<std::uint64_t>(std::llround(static_cast<double>(limit) * ratio));
}

// ---- execution ----

Bank::Executed Bank::executed_charge(const PreparedTx& p) const {
  const txn::Analysis& a = p.analysis;
  if (a.cost.simple_vote) return {txn::SIMPLE_VOTE_USAGE_COST, SIMPLE_VOTE_EXECUTION_CUS};
  const std::uint64_t used = draw_consumed(a.view.signature(0), a.budget.compute_unit_limit);
  const std::uint64_t loaded = std::min<std::uint64_t>(
      a.budget.loaded_accounts_bytes,
      static_cast<std::uint64_t>(a.view.num_total_keys()) * cfg_.loaded_bytes_per_account);
  return {txn::executed_cost(a.cost, used, loaded), used};
}

std::uint8_t Bank::execute_one(const PreparedTx& p, std::uint32_t worker, abi::ExecutionResponse& r,
                               bool& locked, std::uint64_t& consumed) {
  if (p.reason != nir::NONE) return p.reason;
  const txn::Analysis& a = p.analysis;
  const CostCharge charge{a.cost.sum(), a.cost.simple_vote, a.cost.allocated_accounts_data_size,
                          p.writable_keys()};
  switch (cost_.would_fit(charge)) {
  case CostFit::Fits:
    break;
  case CostFit::VoteLimit:
    return nir::WOULD_EXCEED_MAX_VOTE_COST_LIMIT;
  case CostFit::BlockLimit:
    return nir::WOULD_EXCEED_MAX_BLOCK_COST_LIMIT;
  case CostFit::AccountLimit:
    return nir::WOULD_EXCEED_MAX_ACCOUNT_COST_LIMIT;
  case CostFit::AccountDataLimit:
    return nir::WOULD_EXCEED_ACCOUNT_DATA_BLOCK_LIMIT;
  }
  cost_.add(charge);
  const auto give_back = [&](std::uint8_t reason) {
    cost_.remove(charge);
    return reason;
  };
  if (!locks_.try_lock(p.locks.view())) return give_back(nir::ACCOUNT_IN_USE);
  locked = true;
  const txn::TransactionView& v = a.view;
  if (cfg_.check_blockhash && !blockhash_recent(v.recent_blockhash())) {
    return give_back(nir::BLOCKHASH_NOT_FOUND);
  }
  const Signature& sig = v.signature(0);
  if (status_cache_.contains(sig)) return give_back(nir::ALREADY_PROCESSED);
  std::uint64_t& bal = balance_locked(v.fee_payer());
  const std::uint64_t fee = a.fees.total();
  if (bal < fee) return give_back(nir::INSUFFICIENT_FUNDS_FOR_FEE);

  const auto [executed, used_cus] = executed_charge(p);
  cost_.adjust(charge, executed);
  bal -= fee;
  status_cache_.insert(sig);
  if (status_by_slot_.empty() || status_by_slot_.back().first != cur_.slot) {
    status_by_slot_.emplace_back(cur_.slot, std::vector<Signature>{});
  }
  status_by_slot_.back().second.push_back(sig);

  const std::uint64_t reward = a.fees.leader_reward();
  cur_.record.included += 1;
  cur_.record.votes_included += a.cost.simple_vote ? 1 : 0;
  cur_.record.fees_lamports += reward;
  cur_.block.entries.push_back(BlockEntry{sig, executed, used_cus, fee, worker});
  counters_.fees_lamports.fetch_add(reward, relaxed);
  counters_.cu_used.fetch_add(executed, relaxed);
  r.cost_units = executed;
  r.fee_payer_balance = bal;
  consumed = used_cus;
  return nir::NONE;
}

Bank::Ticket Bank::execute(std::span<const PreparedTx> txs, std::uint64_t max_execution_slot,
                           std::uint32_t worker, std::span<abi::ExecutionResponse> out) {
  Ticket t;
  t.txs = txs;
  std::lock_guard lock(mu_);
  cur_.record.scheduled += txs.size();
  counters_.transactions_scheduled.fetch_add(txs.size(), relaxed);
  const bool available = cur_.ready && max_execution_slot >= cur_.slot;
  for (std::size_t i = 0; i < txs.size(); ++i) {
    abi::ExecutionResponse& r = out[i];
    std::memset(&r, 0, sizeof r);
    bool locked = false;
    std::uint64_t consumed = 0;
    const std::uint8_t reason =
        available ? execute_one(txs[i], worker, r, locked, consumed) : nir::BANK_NOT_AVAILABLE;
    r.not_included_reason = reason;
    if (locked) t.locked_mask |= 1ULL << i;
    if (reason == nir::NONE) {
      t.consumed_cus += consumed;
      ++t.included;
      counters_.included.fetch_add(1, relaxed);
    } else {
      counters_.not_included[reason].fetch_add(1, relaxed);
    }
  }
  return t;
}

void Bank::release(const Ticket& t) {
  std::lock_guard lock(mu_);
  for (std::size_t i = 0; i < t.txs.size(); ++i) {
    if (t.locked_mask & (1ULL << i)) locks_.unlock(t.txs[i].locks.view());
  }
}

} // namespace extpack::sim
