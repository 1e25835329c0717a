// The remote-free ledger on the receive path (Allocator::check_reuse), per transaction.
//
// Steady state of a TPU feed, in one thread: the owner (id 0) allocates a 300-byte
// transaction slot per message (512-byte class, 4096 slots per 2 MiB slab); the receiver
// (id 1) reads them in bursts of `batch` (one poll), validates each as pack's ingest does
// (check_region, then check_reuse when `check` is on) and holds it; once it holds
// `in_flight` messages it frees the oldest remotely; the owner drains its remote-free
// stacks after each burst, so the receiver keeps being handed slots it freed before. Time per
// iteration covers the owner's allocation and drain, the receiver's free and the checks; the
// difference between check on and off is what the ledger costs per transaction. Counters: audits
// per message and links + stack entries read per message.
//
// BM_ReuseAuditWorstCase: a slot freed and sent again while the owner's 256-byte slab holds
// a full free stack (8192 entries) and a long remote-free chain — the cost of one refusal.
#include <cstdint>
#include <vector>

#include <benchmark/benchmark.h>

#include "extpack/shm/allocator.hpp"

namespace {

using namespace extpack::shm;

constexpr std::uint64_t kFile = 256ull << 20;
constexpr std::uint32_t kTxBytes = 300;

struct Pair {
  UniqueFd fd;
  Allocator owner;
  Allocator recv;
  Pair() {
    fd = std::move(memfd("bench-reuse").value());
    owner = std::move(Allocator::create(fd.get(), kFile, 4, AGAVE_SLAB_SIZE, 0).value());
    recv = std::move(Allocator::join(fd.get(), 1).value());
  }
};

void BM_IngestCheck(benchmark::State& state, bool check) {
  Pair p;
  const auto in_flight = static_cast<std::size_t>(state.range(0));
  const auto batch = static_cast<std::size_t>(state.range(1));
  std::vector<std::uint64_t> held(in_flight, 0); // a ring of what the receiver holds
  std::vector<std::uint64_t> queue(batch);
  std::size_t next = 0;
  std::uint64_t refused = 0;
  for (auto _ : state) {
    // The owner writes a burst of `batch` messages (tpu_to_pack)...
    for (auto& off : queue) {
      void* mem = p.owner.allocate(kTxBytes);
      if (mem == nullptr) {
        p.owner.clean_remote_free_lists();
        mem = p.owner.allocate(kTxBytes);
      }
      off = p.owner.offset(mem);
    }
    // ...the receiver reads them all in one poll, as ingest_one does before it takes
    // ownership, holds each and frees the oldest it holds...
    for (const std::uint64_t off : queue) {
      bool ok = p.recv.check_region(off, kTxBytes).ok();
      if (check && ok) ok = p.recv.check_reuse(off) != ReuseCheck::StillFree;
      if (!ok) ++refused;
      benchmark::DoNotOptimize(ok);
      if (held[next] != 0) p.recv.free(p.recv.ptr_from_offset(held[next]));
      held[next] = off;
      next = (next + 1) % in_flight;
    }
    // ...and the owner drains its remote-free stacks before the next burst.
    p.owner.clean_remote_free_lists();
  }
  const auto n = static_cast<double>(state.iterations()) * static_cast<double>(batch);
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(batch));
  state.counters["ns/tx"] =
      benchmark::Counter(n, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["audits/tx"] = static_cast<double>(p.recv.stats().reuse_audits) / n;
  state.counters["reads/tx"] = static_cast<double>(p.recv.stats().reuse_audit_reads) / n;
  state.counters["refused"] = static_cast<double>(refused); // must stay 0: all legitimate
}
void BM_IngestNoCheck(benchmark::State& state) {
  BM_IngestCheck(state, false);
}
void BM_IngestWithCheck(benchmark::State& state) {
  BM_IngestCheck(state, true);
}
// {in_flight, messages per burst}: one message per poll (the worst case: every recycled slot
// is audited alone) up to 4096-message bursts (a flood: one audit per slab per poll).
#define REUSE_ARGS                                                                                 \
  Args({64, 1})->Args({4096, 1})->Args({4096, 64})->Args({4096, 512})->Args({32768, 4096})
BENCHMARK(BM_IngestNoCheck)->REUSE_ARGS;
BENCHMARK(BM_IngestWithCheck)->REUSE_ARGS;

void BM_ReuseAuditWorstCase(benchmark::State& state) {
  Pair p;
  const auto chain = static_cast<std::uint32_t>(state.range(0));
  // One 256-byte slab: slot 0 stays allocated; `chain` slots are freed by the receiver and
  // stay on the remote-free chain; the rest are on the owner's free stack.
  std::vector<std::uint64_t> offs;
  for (std::uint32_t i = 0; i < 8192; ++i)
    offs.push_back(p.owner.offset(p.owner.allocate(200)));
  for (std::uint32_t i = 1; i < 8192 - chain; ++i)
    p.owner.free(p.owner.ptr_from_offset(offs[i]));
  for (std::uint32_t i = 8192 - chain; i < 8192; ++i)
    p.recv.free(p.recv.ptr_from_offset(offs[i]));
  const std::uint64_t x = offs[8192 - chain]; // deepest on the chain
  for (auto _ : state) {
    benchmark::DoNotOptimize(p.recv.check_reuse(x));
  }
  state.counters["reads/audit"] =
      static_cast<double>(p.recv.stats().reuse_audit_reads) /
      static_cast<double>(std::max<std::uint64_t>(p.recv.stats().reuse_audits, 1));
}
BENCHMARK(BM_ReuseAuditWorstCase)->Arg(1)->Arg(1024)->Arg(8191);

} // namespace

BENCHMARK_MAIN();
