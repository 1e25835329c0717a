// RESOLVE batches: each transaction's lookup-table keys, writable then readonly, in memory
// from the worker's allocator (see worker.hpp and alt_registry.hpp).
#include <cstring>

#include "extpack/sim/worker.hpp"
#include "extpack/txn/sanitize.hpp"

namespace extpack::sim {

namespace {
constexpr auto relaxed = std::memory_order_relaxed;
/// Most pubkeys one allocation holds (rts-alloc's 4096-byte maximum / 32).
constexpr std::size_t MAX_RESOLVED_PUBKEYS = 4096 / 32;
} // namespace

abi::WorkerToPackMessage Worker::resolve(const abi::PackToWorkerMessage& m) {
  const std::size_t n = num_txs_;
  const auto bytes = static_cast<std::uint32_t>(n * sizeof(abi::Resolved));
  void* mem = allocate(bytes);
  if (mem == nullptr) {
    return reject(m, Rejection::ResponseAllocFailed,
                  fmt::format("no room for {} resolve bytes for {} transactions", bytes, n));
  }
  const std::uint64_t slot = bank_.status().slot;
  std::array<abi::Resolved, abi::MAX_TRANSACTIONS_PER_MESSAGE> out;
  std::array<Pubkey, MAX_RESOLVED_PUBKEYS> w, r;
  for (std::size_t i = 0; i < n; ++i) {
    abi::Resolved& res = out[i];
    std::memset(&res, 0, sizeof res);
    res.success = abi::worker_message_types::RESOLVE_FAILURE;
    res.slot = slot;
    res.min_alt_deactivation_slot = ALT_NOT_DEACTIVATED;
    txn::TransactionView v;
    const std::span<const std::uint8_t> tx{tx_buf_[i].data(), tx_len_[i]};
    if (txn::TransactionView::parse(tx, v) != txn::ParseError::Ok ||
        txn::sanitize(v) != txn::SanitizeError::Ok ||
        v.num_loaded_writable() + v.num_loaded_readonly() > MAX_RESOLVED_PUBKEYS) {
      counters_.resolved_failed.fetch_add(1, relaxed);
      continue;
    }
    const AltResolution ar = alts_.resolve(v, w, r);
    if (!ar.ok) {
      counters_.resolved_failed.fetch_add(1, relaxed);
      continue;
    }
    const std::size_t keys = ar.num_writable + ar.num_readonly;
    if (keys > 0) {
      auto* dst = static_cast<std::uint8_t*>(allocate(static_cast<std::uint32_t>(keys * 32)));
      if (dst == nullptr) {
        // Give back everything this answer allocated, then refuse the message.
        for (std::size_t j = 0; j < i; ++j) {
          if (out[j].resolved_pubkeys.num_pubkeys > 0) {
            ep_.allocator.free(ep_.allocator.ptr_from_offset(out[j].resolved_pubkeys.offset));
          }
        }
        ep_.allocator.free(mem);
        return reject(m, Rejection::ResponseAllocFailed,
                      fmt::format("no room for {} resolved pubkeys of transaction {}", keys, i));
      }
      std::memcpy(dst, w.data(), ar.num_writable * 32);
      std::memcpy(dst + ar.num_writable * 32, r.data(), ar.num_readonly * 32);
      res.resolved_pubkeys.offset = ep_.allocator.offset(dst);
      res.resolved_pubkeys.num_pubkeys = static_cast<std::uint32_t>(keys);
    }
    res.success = abi::worker_message_types::RESOLVE_SUCCESS;
    res.min_alt_deactivation_slot = ar.min_deactivation_slot;
    counters_.resolved_ok.fetch_add(1, relaxed);
  }
  std::memcpy(mem, out.data(), bytes);
  counters_.resolve_batches.fetch_add(1, relaxed);

  abi::WorkerToPackMessage msg;
  std::memset(&msg, 0, sizeof msg);
  msg.batch = m.batch;
  msg.processed = abi::PROCESSED;
  msg.responses.tag = abi::worker_message_types::RESOLVED;
  msg.responses.num_transaction_responses = static_cast<std::uint8_t>(n);
  msg.responses.transaction_responses_offset = ep_.allocator.offset(mem);
  return msg;
}

} // namespace extpack::sim
