// shaq queue costs: one-way throughput between two threads and two processes (commit per
// message and per 64), round-trip latency through a pair of queues (p50/p99 as counters),
// and a bare cache-line ping-pong as the floor any cross-core round trip pays.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include <benchmark/benchmark.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "extpack/abi/messages.hpp"
#include "extpack/shm/queue.hpp"

namespace {

using namespace extpack;
using namespace extpack::shm;
using Msg = abi::TpuToPackMessage; // 40 bytes, the busiest queue
using Clock = std::chrono::steady_clock;

constexpr std::size_t kCapacity = 4096;

/// Spin-waits politely: spins first (the latency case when the peer has its own core), then
/// yields so that a machine with fewer free cores than spinning threads still makes progress.
struct Backoff {
  unsigned spins = 0;
  void pause() {
    if (++spins < 2000) {
      __builtin_ia32_pause();
    } else {
      std::this_thread::yield();
    }
  }
};

struct Queue {
  UniqueFd fd;
  Producer<Msg> p;
  Consumer<Msg> c;
  Queue() {
    fd = std::move(memfd("bench-queue").value());
    p = std::move(Producer<Msg>::create(fd.get(), queue_minimum_file_size<Msg>(kCapacity)).value());
    c = std::move(Consumer<Msg>::join(fd.get()).value());
  }
};

/// Produces until `stop`, committing every `every` messages (and whenever the ring is full).
void produce_until(Producer<Msg>& p, const std::atomic<bool>& stop, std::int64_t every) {
  Msg m{};
  std::uint64_t i = 0;
  std::int64_t pending = 0;
  while (!stop.load(std::memory_order_relaxed)) {
    m.transaction.offset = i;
    if (p.try_write(m)) {
      ++i;
      if (++pending == every) {
        p.commit();
        pending = 0;
      }
    } else {
      p.commit();
      pending = 0;
      p.sync();
    }
  }
  p.commit();
}

/// One iteration = one message read; returns slots every 64 reads or when empty.
void consume_loop(benchmark::State& state, Consumer<Msg>& c) {
  std::uint64_t expect = 0;
  std::uint64_t errors = 0;
  std::uint64_t n = 0;
  for (auto _ : state) {
    const Msg* m;
    while ((m = c.try_read()) == nullptr) {
      c.finalize();
      c.sync();
    }
    errors += m->transaction.offset != expect++;
    if ((++n & 63) == 0) c.finalize();
  }
  c.finalize();
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(sizeof(Msg)));
  if (errors != 0) state.SkipWithError("messages out of order");
}

void BM_QueueOneWayThreads(benchmark::State& state) {
  Queue q;
  std::atomic<bool> stop{false};
  std::thread producer(produce_until, std::ref(q.p), std::cref(stop), state.range(0));
  consume_loop(state, q.c);
  stop.store(true);
  producer.join();
}
BENCHMARK(BM_QueueOneWayThreads)->ArgName("commit_every")->Arg(1)->Arg(64)->UseRealTime();

void BM_QueueOneWayProcesses(benchmark::State& state) {
  Queue q;
  // The stop flag lives in shared memory so the forked producer sees it.
  void* shared = ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  auto* stop = new (shared) std::atomic<bool>(false);
  const std::int64_t every = state.range(0);
  pid_t pid = ::fork();
  if (pid == 0) {
    auto p = Producer<Msg>::join(q.fd.get());
    if (!p.ok()) ::_exit(2);
    produce_until(*p, *stop, every);
    ::_exit(0);
  }
  consume_loop(state, q.c);
  stop->store(true);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ::munmap(shared, 4096);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) state.SkipWithError("producer failed");
}
BENCHMARK(BM_QueueOneWayProcesses)->ArgName("commit_every")->Arg(1)->Arg(64)->UseRealTime();

void report_latency(benchmark::State& state, std::vector<std::uint32_t>& ns) {
  if (ns.empty()) return;
  std::sort(ns.begin(), ns.end());
  state.counters["p50_ns"] = ns[ns.size() / 2];
  state.counters["p99_ns"] = ns[ns.size() * 99 / 100];
  state.counters["p999_ns"] = ns[ns.size() * 999 / 1000];
}

/// Echoes every message from `in` to `out` until `stop`.
void echo_until(Consumer<Msg>& in, Producer<Msg>& out, const std::atomic<bool>& stop) {
  Backoff wait;
  while (!stop.load(std::memory_order_relaxed)) {
    in.sync();
    bool any = false;
    while (const Msg* m = in.try_read()) {
      while (!out.try_write(*m))
        out.sync();
      out.commit();
      any = true;
    }
    in.finalize();
    if (any) {
      wait = Backoff{};
    } else {
      wait.pause();
    }
  }
}

/// One iteration = one message there and back, timed on this side.
void ping_loop(benchmark::State& state, Producer<Msg>& out, Consumer<Msg>& in) {
  std::vector<std::uint32_t> ns;
  ns.reserve(1 << 20);
  Msg m{};
  std::uint64_t seq = 0;
  for (auto _ : state) {
    const auto t0 = Clock::now();
    m.transaction.offset = ++seq;
    while (!out.try_write(m))
      out.sync();
    out.commit();
    const Msg* r;
    Backoff wait;
    for (;;) {
      in.sync();
      if ((r = in.try_read()) != nullptr) break;
      wait.pause();
    }
    if (r->transaction.offset != seq) state.SkipWithError("echo out of order");
    in.finalize();
    const auto dt = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0);
    if (ns.size() < (1u << 22)) ns.push_back(static_cast<std::uint32_t>(dt.count()));
  }
  report_latency(state, ns);
}

void BM_QueueRoundTripThreads(benchmark::State& state) {
  Queue there;
  Queue back;
  std::atomic<bool> stop{false};
  std::thread echo(echo_until, std::ref(there.c), std::ref(back.p), std::cref(stop));
  ping_loop(state, there.p, back.c);
  stop.store(true);
  echo.join();
}
BENCHMARK(BM_QueueRoundTripThreads)->UseRealTime();

void BM_QueueRoundTripProcesses(benchmark::State& state) {
  Queue there;
  Queue back;
  void* shared = ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  auto* stop = new (shared) std::atomic<bool>(false);
  pid_t pid = ::fork();
  if (pid == 0) {
    auto in = Consumer<Msg>::join(there.fd.get());
    auto out = Producer<Msg>::join(back.fd.get());
    if (!in.ok() || !out.ok()) ::_exit(2);
    echo_until(*in, *out, *stop);
    ::_exit(0);
  }
  ping_loop(state, there.p, back.c);
  stop->store(true);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ::munmap(shared, 4096);
}
BENCHMARK(BM_QueueRoundTripProcesses)->UseRealTime();

/// The floor: one counter bounced between two cores through two cache lines.
void BM_CacheLinePingPong(benchmark::State& state) {
  struct alignas(64) Line {
    std::atomic<std::uint64_t> v{0};
  };
  Line ping;
  Line pong;
  std::atomic<bool> stop{false};
  std::thread peer([&] {
    std::uint64_t seen = 0;
    Backoff wait;
    while (!stop.load(std::memory_order_relaxed)) {
      const std::uint64_t v = ping.v.load(std::memory_order_acquire);
      if (v != seen) {
        seen = v;
        pong.v.store(v, std::memory_order_release);
        wait = Backoff{};
      } else {
        wait.pause();
      }
    }
  });
  std::vector<std::uint32_t> ns;
  ns.reserve(1 << 20);
  std::uint64_t seq = 0;
  for (auto _ : state) {
    const auto t0 = Clock::now();
    ping.v.store(++seq, std::memory_order_release);
    Backoff wait;
    while (pong.v.load(std::memory_order_acquire) != seq)
      wait.pause();
    const auto dt = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0);
    if (ns.size() < (1u << 22)) ns.push_back(static_cast<std::uint32_t>(dt.count()));
  }
  stop.store(true);
  peer.join();
  report_latency(state, ns);
}
BENCHMARK(BM_CacheLinePingPong)->UseRealTime();

} // namespace

BENCHMARK_MAIN();
