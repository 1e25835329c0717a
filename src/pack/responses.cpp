// worker_to_pack handling: match a response to its batch, validate it completely, then
// act on each transaction's answer and free what pack no longer needs.
#include <array>
#include <cstring>

#include <spdlog/spdlog.h>

#include "extpack/pack/runtime.hpp"
#include "extpack/txn/account_locks.hpp"

namespace extpack::pack {

namespace {

namespace nir = abi::not_included_reasons;

/// Rejections of one kind logged at warn level before further ones drop to debug.
constexpr std::uint64_t WARN_LOGS_PER_REASON = 10;

/// How a not_included_reason is treated: false = permanent (drop); true = retry, with
/// the hint telling the scheduler what it learned about the slot.
bool retryable(std::uint8_t reason, sched::RetryHint& hint) {
  hint = sched::RetryHint::Plain;
  switch (reason) {
  case nir::ACCOUNT_IN_USE:
  case nir::BANK_NOT_AVAILABLE:
  case nir::SLOT_MISMATCH:
  case nir::ALL_OR_NOTHING_BATCH_FAILURE:
  case nir::ACCOUNT_BORROW_OUTSTANDING:
  case nir::WOULD_EXCEED_ACCOUNT_DATA_BLOCK_LIMIT:
    return true;
  case nir::WOULD_EXCEED_MAX_BLOCK_COST_LIMIT:
    hint = sched::RetryHint::BlockFull;
    return true;
  case nir::WOULD_EXCEED_MAX_ACCOUNT_COST_LIMIT:
    hint = sched::RetryHint::AccountFull;
    return true;
  case nir::WOULD_EXCEED_MAX_VOTE_COST_LIMIT:
    hint = sched::RetryHint::VoteFull;
    return true;
  default:
    return false;
  }
}

} // namespace

std::size_t PackRuntime::drain_responses() {
  std::size_t n = 0;
  for (std::uint32_t w = 0; w < s_.num_workers(); ++w) {
    if (worker_dead_[w]) continue;
    auto& q = s_.worker_to_pack[w];
    q.sync();
    if (q.corrupt()) {
      disable_worker(w, "worker_to_pack");
      ++n;
      continue;
    }
    while (const abi::WorkerToPackMessage* p = q.try_read()) {
      abi::WorkerToPackMessage m;
      std::memcpy(&m, p, sizeof m);
      ++n;
      ++stats_.worker_messages;
      handle_response(w, m);
    }
    q.finalize();
  }
  // poll_once() reads tpu_to_pack next: transactions admitted there arrived no earlier.
  ingest_began_ns_ = steady_ns();
  return n;
}

void PackRuntime::handle_response(std::uint32_t worker, const abi::WorkerToPackMessage& m) {
  const std::uint64_t off = m.batch.transactions_offset;
  auto log_reject = [&](Reject r) {
    stats_.reject(r);
    auto level =
        stats_.reject_count(r) <= WARN_LOGS_PER_REASON ? spdlog::level::warn : spdlog::level::debug;
    spdlog::log(level,
                "worker {}: response rejected: {} (batch offset {} num {} processed {} "
                "tag {} responses {})",
                worker, to_string(r), off, m.batch.num_transactions, m.processed, m.responses.tag,
                m.responses.num_transaction_responses);
  };
  auto it = in_flight_.find(off);
  if (it == in_flight_.end() || it->second.worker != worker) {
    // Not a batch pack has out on this worker: nothing in it is pack's to act on.
    log_reject(recently_answered(worker, off) ? Reject::BatchAnsweredTwice : Reject::UnknownBatch);
    return;
  }
  InFlightBatch& b = it->second;
  peer_frees_.clear();
  Reject r = Reject::None;
  if (m.batch.num_transactions != b.batch.count) {
    r = Reject::BatchCountMismatch;
  } else if (m.processed == abi::NOT_PROCESSED) {
    ++stats_.not_processed_batches;
    spdlog::debug("worker {}: batch of {} not processed; requeued", worker, b.batch.count);
    retire_unanswered(b);
  } else if (m.processed != abi::PROCESSED) {
    r = Reject::BadProcessedValue;
  } else {
    r = b.resolve ? handle_resolved(b, m) : handle_execution(b, m);
  }
  if (r != Reject::None) {
    // The worker answered this batch, badly: take the batch back, trust nothing else.
    log_reject(r);
    retire_unanswered(b);
  }
  flush_drops();
  // Free order: transaction bytes (above), the batch array, then the peer's arrays.
  free_owned(off);
  for (std::uint64_t p : peer_frees_)
    free_peer(p);
  peer_frees_.clear();
  sched_.batch_done(worker);
  if (b.resolve) --resolve_in_flight_;
  remember_answered(worker, off);
  in_flight_.erase(it);
}

void PackRuntime::retire_unanswered(InFlightBatch& b) {
  for (sched::EntryId id : b.batch.entries()) {
    if (b.resolve) {
      sched_.resolve_retry(id);
    } else {
      sched_.retry(id, sched::RetryHint::Plain);
    }
  }
}

Reject PackRuntime::handle_execution(InFlightBatch& b, const abi::WorkerToPackMessage& m) {
  const std::size_t n = b.batch.count;
  const std::uint64_t roff = m.responses.transaction_responses_offset;
  if (m.responses.tag != abi::worker_message_types::EXECUTION_RESPONSE) {
    return Reject::BadResponseTag;
  }
  if (m.responses.num_transaction_responses != n) return Reject::ResponseCountMismatch;
  if (!alloc_.check_region(roff, n * sizeof(abi::ExecutionResponse))) {
    return Reject::ResponseRegionInvalid;
  }
  if (owned_.contains(roff)) return Reject::ResponseRegionOwned;
  if (peer_slot_free(roff)) return Reject::ResponseRegionFree;
  std::array<abi::ExecutionResponse, abi::MAX_TRANSACTIONS_PER_MESSAGE> rs;
  std::memcpy(rs.data(), alloc_.ptr_from_offset(roff), n * sizeof(abi::ExecutionResponse));
  const std::int64_t answered_ns = steady_ns();
  for (std::size_t i = 0; i < n; ++i) {
    const sched::EntryId id = b.batch.ids[i];
    const std::uint8_t reason = rs[i].not_included_reason;
    sched::RetryHint hint;
    if (reason == nir::NONE) {
      record_inclusion(id, answered_ns); // reads the entry, which included() releases
      sched::TxRef ref = sched_.included(id, rs[i].cost_units, rs[i].fee_payer_balance);
      free_owned(ref.offset);
    } else if (retryable(reason, hint)) {
      ++stats_.retried_by_reason[reason];
      sched_.retry(id, hint);
    } else {
      if (!nir::is_defined(reason)) stats_.reject(Reject::UndefinedNotIncludedReason);
      sched_.drop(id, sched::DropReason::NotIncluded, reason);
    }
  }
  peer_frees_.push_back(roff);
  return Reject::None;
}

Reject PackRuntime::handle_resolved(InFlightBatch& b, const abi::WorkerToPackMessage& m) {
  namespace wmt = abi::worker_message_types;
  const std::size_t n = b.batch.count;
  const std::uint64_t roff = m.responses.transaction_responses_offset;
  if (m.responses.tag != wmt::RESOLVED) return Reject::BadResponseTag;
  if (m.responses.num_transaction_responses != n) return Reject::ResponseCountMismatch;
  if (!alloc_.check_region(roff, n * sizeof(abi::Resolved))) {
    return Reject::ResponseRegionInvalid;
  }
  if (owned_.contains(roff)) return Reject::ResponseRegionOwned;
  if (peer_slot_free(roff)) return Reject::ResponseRegionFree;
  std::array<abi::Resolved, abi::MAX_TRANSACTIONS_PER_MESSAGE> rs;
  std::memcpy(rs.data(), alloc_.ptr_from_offset(roff), n * sizeof(abi::Resolved));

  // Validate every answer before acting on any.
  std::array<std::uint64_t, abi::MAX_TRANSACTIONS_PER_MESSAGE> key_offsets{};
  std::size_t num_key_offsets = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const abi::Resolved& r = rs[i];
    const sched::TxEntry& e = sched_.entry(b.batch.ids[i]);
    if (r.success != wmt::RESOLVE_SUCCESS && r.success != wmt::RESOLVE_FAILURE) {
      return Reject::BadResolveSuccess;
    }
    const std::uint32_t k = r.resolved_pubkeys.num_pubkeys;
    if (r.success == wmt::RESOLVE_SUCCESS &&
        k != static_cast<std::uint32_t>(e.loaded_writable) + e.loaded_readonly) {
      return Reject::ResolvedKeyCountMismatch;
    }
    if (k == 0) continue;
    const std::uint64_t koff = r.resolved_pubkeys.offset;
    if (k > shm::ALLOC_MAX_SIZE / sizeof(txn::Pubkey) ||
        !alloc_.check_region(koff, std::uint64_t{k} * sizeof(txn::Pubkey))) {
      return Reject::ResolvedKeysRegionInvalid;
    }
    bool repeated = koff == roff || owned_.contains(koff);
    for (std::size_t j = 0; j < num_key_offsets && !repeated; ++j) {
      repeated = key_offsets[j] == koff;
    }
    if (repeated) return Reject::ResolvedKeysRegionOwned;
    if (peer_slot_free(koff)) return Reject::ResolvedKeysRegionFree;
    key_offsets[num_key_offsets++] = koff;
  }

  peer_frees_.push_back(roff);
  std::array<txn::Pubkey, shm::ALLOC_MAX_SIZE / sizeof(txn::Pubkey)> keys;
  for (std::size_t i = 0; i < n; ++i) {
    const abi::Resolved& r = rs[i];
    const sched::EntryId id = b.batch.ids[i];
    const std::uint32_t k = r.resolved_pubkeys.num_pubkeys;
    if (k != 0) {
      std::memcpy(keys.data(), alloc_.ptr_from_offset(r.resolved_pubkeys.offset),
                  std::size_t{k} * sizeof(txn::Pubkey));
      peer_frees_.push_back(r.resolved_pubkeys.offset);
    }
    if (r.success != wmt::RESOLVE_SUCCESS) {
      sched_.drop(id, sched::DropReason::ResolveFailed);
      continue;
    }
    // Re-read the transaction (pack's bytes, but in memory the peer can write).
    const sched::TxEntry& e = sched_.entry(id);
    std::span<const std::uint8_t> bytes(alloc_.ptr_from_offset(e.ref.offset), e.ref.length);
    txn::TransactionView view;
    txn::ParseError pe = txn::TransactionView::parse(bytes, view);
    if (pe != txn::ParseError::Ok) {
      sched_.drop(id, sched::DropReason::ParseFailed, static_cast<std::uint8_t>(pe));
      continue;
    }
    std::span<const txn::Pubkey> all(keys.data(), k);
    txn::AccountLocks locks;
    txn::LockError le = txn::collect_account_locks(view, all.first(e.loaded_writable),
                                                   all.subspan(e.loaded_writable), locks);
    if (le != txn::LockError::Ok) {
      sched_.drop(id, sched::DropReason::LockError, static_cast<std::uint8_t>(le));
      continue;
    }
    sched_.resolved(id, locks.view(), r.min_alt_deactivation_slot);
  }
  return Reject::None;
}

} // namespace extpack::pack
