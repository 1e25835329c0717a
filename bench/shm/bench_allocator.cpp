// rts-alloc allocator costs: allocate+free on the local path per size class, a lone
// allocation that takes and returns a slab every time (the lazy free-stack reset's case),
// the same when the slab alternates between two owners (full reset each time), and remote
// free + clean.
#include <vector>

#include <benchmark/benchmark.h>

#include "extpack/shm/allocator.hpp"

namespace {

using namespace extpack::shm;

constexpr std::uint64_t kFile = 64ull << 20; // 31 slabs of 2 MiB after metadata

struct Fixture {
  UniqueFd fd;
  Allocator a;
  Allocator b;
  Fixture() {
    fd = std::move(memfd("bench-alloc").value());
    a = std::move(Allocator::create(fd.get(), kFile, 4, AGAVE_SLAB_SIZE, 0).value());
    b = std::move(Allocator::join(fd.get(), 1).value());
  }
};

// A slab stays partial (one allocation is held), so every iteration is a pure free-stack
// pop and push.
void BM_AllocFreeLocal(benchmark::State& state) {
  Fixture f;
  const auto size = static_cast<std::uint32_t>(state.range(0));
  void* keep = f.a.allocate(size);
  for (auto _ : state) {
    void* p = f.a.allocate(size);
    benchmark::DoNotOptimize(p);
    f.a.free(p);
  }
  f.a.free(keep);
  state.SetLabel("class " + std::to_string(ALLOC_SIZE_CLASSES[alloc_size_class(size)]));
}
BENCHMARK(BM_AllocFreeLocal)->Arg(256)->Arg(512)->Arg(1024)->Arg(2048)->Arg(4096);

// Nothing else is allocated: each allocate pops a slab from the global list and each free
// pushes it back. The same handle retakes the slab, so the lazy reset skips the rewrite.
void BM_AllocFreeLoneSlab(benchmark::State& state) {
  Fixture f;
  const auto size = static_cast<std::uint32_t>(state.range(0));
  for (auto _ : state) {
    void* p = f.a.allocate(size);
    benchmark::DoNotOptimize(p);
    f.a.free(p);
  }
  state.counters["resets"] = static_cast<double>(f.a.stats().stack_resets);
}
BENCHMARK(BM_AllocFreeLoneSlab)->Arg(256)->Arg(4096);

// Two owners alternate on the same slab: every take is a full free-stack reset (8192
// entries for 256-byte slots). Time is per pair of lone allocate+free.
void BM_AllocFreeLoneSlabAlternatingOwners(benchmark::State& state) {
  Fixture f;
  const auto size = static_cast<std::uint32_t>(state.range(0));
  for (auto _ : state) {
    void* p = f.a.allocate(size);
    benchmark::DoNotOptimize(p);
    f.a.free(p);
    void* q = f.b.allocate(size);
    benchmark::DoNotOptimize(q);
    f.b.free(q);
  }
  state.counters["resets"] =
      static_cast<double>(f.a.stats().stack_resets + f.b.stats().stack_resets);
}
BENCHMARK(BM_AllocFreeLoneSlabAlternatingOwners)->Arg(256)->Arg(4096);

// Worker 0 allocates a batch, worker 1 frees it remotely, worker 0 cleans. Per item.
void BM_RemoteFreeAndClean(benchmark::State& state) {
  Fixture f;
  const auto batch = static_cast<std::size_t>(state.range(0));
  std::vector<void*> ps(batch);
  void* keep = f.a.allocate(256); // keep the slab so it is not returned every round
  for (auto _ : state) {
    for (auto& p : ps)
      p = f.a.allocate(256);
    for (void* p : ps)
      f.b.free(f.b.ptr_from_offset(f.a.offset(p)));
    f.a.clean_remote_free_lists();
  }
  f.a.free(keep);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * batch));
}
BENCHMARK(BM_RemoteFreeAndClean)->Arg(1)->Arg(64);

// Many allocations in flight (a batch of 64 of 1024 bytes), freed locally in order.
void BM_AllocBatchFreeLocal(benchmark::State& state) {
  Fixture f;
  std::vector<void*> ps(64);
  void* keep = f.a.allocate(1024);
  for (auto _ : state) {
    for (auto& p : ps)
      p = f.a.allocate(1024);
    for (void* p : ps)
      f.a.free(p);
  }
  f.a.free(keep);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * ps.size()));
}
BENCHMARK(BM_AllocBatchFreeLocal);

} // namespace

BENCHMARK_MAIN();
