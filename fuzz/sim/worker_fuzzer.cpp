// libFuzzer target: a worker's handling of untrusted PackToWorkerMessages. The input is a
// message (32 bytes) followed by the contents of pack-owned memory: a batch array slot and
// eight 2 KiB transaction slots. Small region offsets (< 8) are redirected to the slots so
// that valid-looking batches reach execution and RESOLVE, not only the validation checks.
// Whatever the input, handle() must answer without crashing, and the answer's memory is
// given back so a leak shows up as allocator exhaustion.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "extpack/session/session.hpp"
#include "extpack/shm/mapping.hpp"
#include "extpack/sim/worker.hpp"

namespace {

using namespace extpack;

constexpr std::size_t SLOTS = 8;
constexpr std::uint32_t SLOT_BYTES = 2048;

struct Harness {
  session::SessionFds fds;
  session::AgaveSession agave;
  session::PackSession pack;
  sim::SimCounters counters;
  sim::AltRegistry alts{64};
  sim::SteadyClock clock;
  std::unique_ptr<sim::Bank> bank;
  std::unique_ptr<sim::Worker> worker;
  void* array = nullptr;
  void* slots[SLOTS] = {};
};

Harness* setup() {
  auto* h = new Harness();
  auto fd = [] {
    auto f = shm::memfd("sim-fuzz");
    if (!f) std::abort();
    return std::move(*f);
  };
  h->fds.allocator = fd();
  h->fds.tpu_to_pack = fd();
  h->fds.progress_tracker = fd();
  h->fds.pack_to_worker.push_back(fd());
  h->fds.worker_to_pack.push_back(fd());
  session::SessionConfig cfg;
  cfg.num_workers = 1;
  cfg.allocator_size = 16ull * 1024 * 1024;
  cfg.tpu_to_pack_capacity = 16;
  cfg.progress_tracker_capacity = 16;
  cfg.pack_to_worker_capacity = 16;
  cfg.worker_to_pack_capacity = 16;
  if (!session::initialize_regions(h->fds, cfg)) std::abort();
  auto a = session::AgaveSession::join(h->fds);
  auto p = session::PackSession::join(h->fds, 1);
  if (!a || !p) std::abort();
  h->agave = std::move(*a);
  h->pack = std::move(*p);
  h->bank = std::make_unique<sim::Bank>(sim::BankConfig{}, h->counters);
  h->bank->advance(1, true, nullptr, nullptr);
  sim::WorkerConfig wc;
  wc.ns_per_cu = 0;
  h->worker = std::make_unique<sim::Worker>(0, h->agave.workers[0], *h->bank, h->alts, h->counters,
                                            h->clock, wc);
  auto& pa = h->pack.allocators[0];
  h->array = pa.allocate(64 * sizeof(abi::SharableTransactionRegion));
  for (auto& s : h->slots)
    s = pa.allocate(SLOT_BYTES);
  if (h->array == nullptr) std::abort();
  return h;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Harness* h = setup();
  if (size < sizeof(abi::PackToWorkerMessage)) return 0;
  auto& pa = h->pack.allocators[0];
  abi::PackToWorkerMessage m;
  std::memcpy(&m, data, sizeof m);
  data += sizeof m;
  size -= sizeof m;
  if (m.batch.transactions_offset < SLOTS) m.batch.transactions_offset = pa.offset(h->array);

  const std::size_t array_bytes = 64 * sizeof(abi::SharableTransactionRegion);
  auto* arr = static_cast<abi::SharableTransactionRegion*>(h->array);
  std::memset(arr, 0, array_bytes);
  std::memcpy(arr, data, std::min(size, array_bytes));
  for (std::size_t i = 0; i < 64; ++i) {
    if (arr[i].offset < SLOTS) arr[i].offset = pa.offset(h->slots[arr[i].offset]);
  }
  const std::size_t used = std::min(size, array_bytes);
  data += used;
  size -= used;
  for (auto* s : h->slots) {
    const std::size_t n = std::min<std::size_t>(size, SLOT_BYTES);
    std::memset(s, 0, SLOT_BYTES);
    std::memcpy(s, data, n);
    data += n;
    size -= n;
  }
  const abi::WorkerToPackMessage w = h->worker->handle(m);
  if (w.processed == abi::PROCESSED) {
    if (w.responses.num_transaction_responses != m.batch.num_transactions) std::abort();
    h->worker->free_answer(w);
  } else if (w.processed != abi::NOT_PROCESSED) {
    std::abort();
  }
  return 0;
}
