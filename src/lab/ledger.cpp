// The lab's transaction ledger (see ledger.hpp).
#include "extpack/lab/ledger.hpp"

#include <algorithm>
#include <cstring>

#include "extpack/abi/messages.hpp"

namespace extpack::lab {

std::size_t TxLedger::SigHash::operator()(const sim::Signature& s) const {
  std::uint64_t v = 0;
  std::memcpy(&v, s.data(), sizeof v);
  return static_cast<std::size_t>(v);
}

std::uint32_t TxLedger::account_id(const sim::Pubkey& k) {
  const auto next = static_cast<std::uint32_t>(account_ids_.size());
  return account_ids_.try_emplace(k, next).first->second;
}

void TxLedger::offered(std::span<const std::uint8_t> bytes, std::int64_t now_ns) {
  sim::prepare_transaction(bytes, alts_, false, scratch_);
  const sim::PreparedTx& p = scratch_;
  if (p.analysis.status != txn::AnalyzeStatus::Ok) return; // no signature to know it by
  const sim::Signature& sig = p.analysis.view.signature(0);
  if (index_.contains(sig)) return;
  LedgerEntry e;
  e.signature = sig;
  e.arrival_ns = now_ns;
  e.fee = p.analysis.fees.leader_reward();
  e.vote = p.analysis.cost.simple_vote;
  e.feasible = p.reason == abi::not_included_reasons::NONE &&
               bank_.initial_balance(p.analysis.view.fee_payer()) >= p.analysis.fees.total();
  if (e.feasible) {
    e.cost = std::min(p.analysis.cost.sum(), bank_.executed_charge(p).cost_units);
    for (const sim::Pubkey& k : p.writable_keys())
      e.accounts.push_back(account_id(k));
  }
  index_.emplace(sig, static_cast<std::uint32_t>(entries_.size()));
  entries_.push_back(std::move(e));
}

void TxLedger::included(const sim::Signature& sig, std::uint64_t slot, std::int64_t now_ns) {
  auto it = index_.find(sig);
  if (it == index_.end()) return;
  LedgerEntry& e = entries_[it->second];
  if (e.included_slot != NOT_INCLUDED) return;
  e.included_slot = slot;
  e.included_ns = now_ns;
}

BoundResult TxLedger::slot_bound(std::uint64_t slot, std::int64_t end_ns,
                                 const txn::BlockLimits& limits, bool exact_lp) const {
  std::vector<BoundItem> items;
  for (const LedgerEntry& e : entries_) {
    if (!e.feasible || e.arrival_ns >= end_ns) continue;
    if (e.included_slot != NOT_INCLUDED && e.included_slot < slot) continue;
    items.push_back(BoundItem{e.fee, e.cost, e.vote, e.accounts});
  }
  BoundResult r = fee_upper_bound(items, limits, DEFAULT_BOUND_ROUNDS, exact_lp);
  // A slot's own bound is reported as a number; only the joint bound's solution is read
  // (gap()), so this one is not kept.
  r.lp_solution = {};
  return r;
}

std::uint32_t TxLedger::first_slot(const LedgerEntry& e,
                                   std::span<const std::int64_t> slot_ends_ns) {
  return static_cast<std::uint32_t>(
      std::upper_bound(slot_ends_ns.begin(), slot_ends_ns.end(), e.arrival_ns) -
      slot_ends_ns.begin());
}

std::vector<WindowItem> TxLedger::window_items(std::span<const std::int64_t> slot_ends_ns) const {
  std::vector<WindowItem> items;
  for (const LedgerEntry& e : entries_) {
    if (!e.feasible) continue;
    const std::uint32_t first = first_slot(e, slot_ends_ns);
    if (first >= slot_ends_ns.size()) continue;
    items.push_back(WindowItem{e.fee, e.cost, e.vote, e.accounts, first});
  }
  return items;
}

void GapBreakdown::add_missed(double value, std::int64_t arrival_ns, std::int64_t end_ns,
                              std::int64_t slot_ns) {
  const auto late_ns = static_cast<std::int64_t>(LATE_SHARE * static_cast<double>(slot_ns));
  if (arrival_ns < end_ns - slot_ns) {
    missed_backlog += value;
  } else if (arrival_ns >= end_ns - late_ns) {
    missed_late += value;
  } else {
    missed_in_slot += value;
  }
}

GapBreakdown TxLedger::gap(std::span<const std::int64_t> slot_ends_ns, std::int64_t slot_ns,
                           const BoundResult& bound) const {
  GapBreakdown g;
  if (!bound.lp_optimal) return g;
  g.known = true;
  // Window item k is the k-th entry window_items() keeps.
  std::vector<const LedgerEntry*> item_entry;
  for (const LedgerEntry& e : entries_) {
    if (e.feasible && first_slot(e, slot_ends_ns) < slot_ends_ns.size()) item_entry.push_back(&e);
  }
  std::vector<double> share(item_entry.size(), 0.0);
  for (const LpPlacement& p : bound.lp_solution) {
    if (p.item >= item_entry.size() || p.slot >= slot_ends_ns.size()) continue;
    const LedgerEntry& e = *item_entry[p.item];
    const double value = static_cast<double>(e.fee) * p.share;
    g.lp_value += value;
    share[p.item] += p.share;
    if (e.included_slot == NOT_INCLUDED)
      g.add_missed(value, e.arrival_ns, slot_ends_ns[p.slot], slot_ns);
  }
  for (std::size_t k = 0; k < item_entry.size(); ++k) {
    const LedgerEntry& e = *item_entry[k];
    if (e.included_slot != NOT_INCLUDED)
      g.outside += static_cast<double>(e.fee) * std::max(0.0, 1.0 - share[k]);
  }
  return g;
}

std::vector<std::int64_t> TxLedger::latencies() const {
  std::vector<std::int64_t> v;
  for (const LedgerEntry& e : entries_) {
    if (e.included_slot != NOT_INCLUDED) v.push_back(e.included_ns - e.arrival_ns);
  }
  return v;
}

std::vector<std::int64_t> TxLedger::vote_delays(std::int64_t t0_ns, std::int64_t slot_ns,
                                                std::uint64_t first_slot) const {
  std::vector<std::int64_t> v;
  for (const LedgerEntry& e : entries_) {
    if (!e.vote || e.included_slot == NOT_INCLUDED || e.included_slot < first_slot) continue;
    const std::int64_t start =
        t0_ns + static_cast<std::int64_t>(e.included_slot - first_slot) * slot_ns;
    v.push_back(e.included_ns - std::max(e.arrival_ns, start));
  }
  return v;
}

} // namespace extpack::lab
