// Sending batches: execution batches from the policy while leader, RESOLVE batches for
// transactions that wait for their address-table keys.
#include <algorithm>
#include <cstring>

#include <spdlog/spdlog.h>

#include "extpack/pack/runtime.hpp"

namespace extpack::pack {

std::size_t PackRuntime::dispatch() {
  std::size_t sent = 0;
  // One RESOLVE batch at a time, sent first so that a long leader window (where execution
  // would otherwise take every worker slot) cannot starve v0 transactions.
  if (resolve_in_flight_ == 0 && sched_.container().unresolved_size() != 0) {
    std::uint32_t best = UINT32_MAX;
    for (std::uint32_t w = 0; w < s_.num_workers(); ++w) {
      if (!sched_.has_room(w)) continue;
      if (best == UINT32_MAX || sched_.batches_out(w) < sched_.batches_out(best)) best = w;
    }
    sched::PlannedBatch b;
    if (best != UINT32_MAX && sched_.take_unresolved(best, b) && send_batch(b, true)) ++sent;
  }
  planned_.clear();
  const std::uint64_t passes = sched_.counters().pass.passes;
  const std::int64_t pass_began = sched_.leader() ? steady_ns() : 0;
  sched_.schedule(planned_);
  if (sched_.counters().pass.passes != passes) {
    stats_.schedule_pass.record(
        static_cast<std::uint64_t>(std::max<std::int64_t>(0, steady_ns() - pass_began)));
  }
  for (const sched::PlannedBatch& b : planned_) {
    if (send_batch(b, false)) ++sent;
  }
  flush_drops(); // the pass may have dropped transactions whose tables deactivated
  return sent;
}

bool PackRuntime::send_batch(const sched::PlannedBatch& b, bool resolve) {
  auto& q = s_.pack_to_worker[b.worker];
  auto abort = [&](const char* why) {
    sched_.abort_batch(b, resolve);
    spdlog::debug("worker {}: {} batch of {} not sent: {}", b.worker,
                  resolve ? "resolve" : "execution", b.count, why);
    return false;
  };
  q.sync();
  if (q.corrupt()) {
    disable_worker(b.worker, "pack_to_worker");
    return abort("queue corrupt");
  }
  // Room for the largest batch (one size class, whose slab pack keeps: see the constructor).
  void* mem = alloc_.allocate(batch_array_bytes());
  if (mem == nullptr) {
    ++stats_.batch_alloc_failures;
    return abort("no allocator memory for the batch array");
  }
  abi::PackToWorkerMessage* slot = q.reserve();
  if (slot == nullptr) {
    alloc_.free(mem);
    ++stats_.worker_queue_full;
    return abort("pack_to_worker queue full");
  }
  auto* regions = static_cast<abi::SharableTransactionRegion*>(mem);
  for (std::size_t i = 0; i < b.count; ++i) {
    const sched::TxRef& ref = sched_.entry(b.ids[i]).ref;
    regions[i] = abi::SharableTransactionRegion{ref.offset, ref.length, 0};
  }
  const std::uint64_t off = alloc_.offset(mem);
  abi::PackToWorkerMessage m{};
  m.flags = resolve ? abi::pack_message_flags::RESOLVE : abi::pack_message_flags::NONE;
  m.max_execution_slot = sched_.slot();
  m.batch.num_transactions = b.count;
  m.batch.transactions_offset = off;
  std::memcpy(static_cast<void*>(slot), &m, sizeof m);
  q.commit();
  owned_.insert(off);
  in_flight_.emplace(off, InFlightBatch{b.worker, resolve, sched_.slot(), b});
  if (resolve) ++resolve_in_flight_;
  return true;
}

// ---- time to inclusion ----

std::int64_t PackRuntime::steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void PackRuntime::record_inclusion(sched::EntryId id, std::int64_t now_ns) {
  const std::int64_t arrival = sched_.entry(id).arrival_ns;
  stats_.time_to_inclusion.record(
      static_cast<std::uint64_t>(std::max<std::int64_t>(0, now_ns - arrival)));
}

} // namespace extpack::pack
