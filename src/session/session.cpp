// Session setup shared by seed mode and the handshake: create the regions in a set of
// descriptors, and join them from either side with the fixed allocator worker ids.
#include "extpack/session/session.hpp"

namespace extpack::session {

namespace {
template <typename T> std::uint64_t queue_file_size(std::uint64_t capacity) {
  return shm::queue_minimum_file_size<T>(capacity);
}

Result<void> check_capacity(const char* name, std::uint64_t capacity) {
  if (capacity == 0 || (capacity & (capacity - 1)) != 0 || capacity > (1ull << 24)) {
    return make_error("{} must be a power of two in 1..{} messages, got {}", name, 1ull << 24,
                      capacity);
  }
  return {};
}
} // namespace

Result<void> SessionConfig::validate() const {
  if (num_workers < 1 || num_workers > MAX_WORKERS) {
    return make_error("num_workers must be 1..{}, got {}", MAX_WORKERS, num_workers);
  }
  if (allocator_handles < 1 || allocator_handles > MAX_ALLOCATOR_HANDLES) {
    return make_error("allocator_handles must be 1..{}, got {}", MAX_ALLOCATOR_HANDLES,
                      allocator_handles);
  }
  if (allocator_size % shm::AGAVE_SLAB_SIZE != 0 || allocator_size < 4ull * shm::AGAVE_SLAB_SIZE ||
      allocator_size >= (1ull << 32)) {
    return make_error("allocator_size must be a multiple of {} bytes in [{}, 4 GiB), got {}",
                      shm::AGAVE_SLAB_SIZE, 4ull * shm::AGAVE_SLAB_SIZE, allocator_size);
  }
  for (auto [name, cap] : {std::pair{"tpu_to_pack_capacity", tpu_to_pack_capacity},
                           std::pair{"progress_tracker_capacity", progress_tracker_capacity},
                           std::pair{"pack_to_worker_capacity", pack_to_worker_capacity},
                           std::pair{"worker_to_pack_capacity", worker_to_pack_capacity}}) {
    if (auto r = check_capacity(name, cap); !r) return r;
  }
  return {};
}

ClientLogon to_logon(const SessionConfig& cfg) {
  using namespace abi;
  return ClientLogon{
      cfg.num_workers,
      cfg.allocator_size,
      cfg.allocator_handles,
      queue_file_size<TpuToPackMessage>(cfg.tpu_to_pack_capacity),
      queue_file_size<ProgressMessage>(cfg.progress_tracker_capacity),
      queue_file_size<PackToWorkerMessage>(cfg.pack_to_worker_capacity),
      queue_file_size<WorkerToPackMessage>(cfg.worker_to_pack_capacity),
  };
}

Result<void> initialize_regions(const SessionFds& fds, const SessionConfig& cfg) {
  if (auto r = cfg.validate(); !r) return r;
  return initialize_regions(fds, to_logon(cfg));
}

Result<void> initialize_regions(const SessionFds& fds, const ClientLogon& logon) {
  if (logon.worker_count < 1 || logon.worker_count > MAX_WORKERS) {
    return make_error("Worker count; count={}", logon.worker_count);
  }
  if (logon.allocator_handles < 1 || logon.allocator_handles > MAX_ALLOCATOR_HANDLES) {
    return make_error("Allocator handles; count={}", logon.allocator_handles);
  }
  const auto workers = static_cast<std::uint32_t>(logon.worker_count);
  if (fds.pack_to_worker.size() != workers || fds.worker_to_pack.size() != workers) {
    return make_error("Io; err=session has {}/{} worker queue files for {} workers",
                      fds.pack_to_worker.size(), fds.worker_to_pack.size(), workers);
  }
  // The creating handle is dropped at once; everyone joins with their own id later.
  const auto ids = static_cast<std::uint32_t>(1 + logon.worker_count + logon.allocator_handles);
  auto alloc = shm::Allocator::create(fds.allocator.get(), logon.allocator_size, ids,
                                      shm::AGAVE_SLAB_SIZE, tpu_allocator_id());
  if (!alloc) return make_error("Rts alloc; err={}", alloc.error().message);

  using namespace abi;
  auto shaq = [](const char* name, const Error& e) {
    return make_error("Shaq; err={}: {}", name, e.message);
  };
  if (auto q =
          shm::Producer<TpuToPackMessage>::create(fds.tpu_to_pack.get(), logon.tpu_to_pack_size);
      !q) {
    return shaq("tpu_to_pack", q.error());
  }
  if (auto q = shm::Producer<ProgressMessage>::create(fds.progress_tracker.get(),
                                                      logon.progress_tracker_size);
      !q) {
    return shaq("progress_tracker", q.error());
  }
  for (std::uint32_t i = 0; i < workers; ++i) {
    if (auto q = shm::Consumer<PackToWorkerMessage>::create(fds.pack_to_worker[i].get(),
                                                            logon.pack_to_worker_size);
        !q) {
      return shaq("pack_to_worker", q.error());
    }
    if (auto q = shm::Producer<WorkerToPackMessage>::create(fds.worker_to_pack[i].get(),
                                                            logon.worker_to_pack_size);
        !q) {
      return shaq("worker_to_pack", q.error());
    }
  }
  return {};
}

Result<PackSession> PackSession::join(const SessionFds& fds, std::uint32_t allocator_handles) {
  const std::uint32_t w = fds.num_workers();
  if (w < 1 || w > MAX_WORKERS || fds.worker_to_pack.size() != w) {
    return make_error("session has {}/{} worker queues; need 1..{} of each",
                      fds.pack_to_worker.size(), fds.worker_to_pack.size(), MAX_WORKERS);
  }
  if (allocator_handles < 1 || allocator_handles > MAX_ALLOCATOR_HANDLES) {
    return make_error("allocator_handles must be 1..{}, got {}", MAX_ALLOCATOR_HANDLES,
                      allocator_handles);
  }
  PackSession s;
  for (std::uint32_t k = 0; k < allocator_handles; ++k) {
    auto a = shm::Allocator::join(fds.allocator.get(), pack_allocator_id(w, k));
    if (!a)
      return make_error("allocator handle {} (id {}): {}", k, pack_allocator_id(w, k),
                        a.error().message);
    // Pack's batch arrays come and go in bursts; a flooding producer must not be able
    // to take its last slab between two of them.
    a->set_keep_last_slab(true);
    s.allocators.push_back(std::move(*a));
  }
  auto tpu = shm::Consumer<abi::TpuToPackMessage>::join(fds.tpu_to_pack.get());
  if (!tpu) return make_error("tpu_to_pack: {}", tpu.error().message);
  s.tpu_to_pack = std::move(*tpu);
  auto prog = shm::Consumer<abi::ProgressMessage>::join(fds.progress_tracker.get());
  if (!prog) return make_error("progress_tracker: {}", prog.error().message);
  s.progress_tracker = std::move(*prog);
  for (std::uint32_t i = 0; i < w; ++i) {
    auto p = shm::Producer<abi::PackToWorkerMessage>::join(fds.pack_to_worker[i].get());
    if (!p) return make_error("pack_to_worker[{}]: {}", i, p.error().message);
    s.pack_to_worker.push_back(std::move(*p));
    auto c = shm::Consumer<abi::WorkerToPackMessage>::join(fds.worker_to_pack[i].get());
    if (!c) return make_error("worker_to_pack[{}]: {}", i, c.error().message);
    s.worker_to_pack.push_back(std::move(*c));
  }
  return s;
}

Result<AgaveSession> AgaveSession::join(const SessionFds& fds) {
  const std::uint32_t w = fds.num_workers();
  if (w < 1 || w > MAX_WORKERS || fds.worker_to_pack.size() != w) {
    return make_error("session has {}/{} worker queues; need 1..{} of each",
                      fds.pack_to_worker.size(), fds.worker_to_pack.size(), MAX_WORKERS);
  }
  AgaveSession s;
  auto a = shm::Allocator::join(fds.allocator.get(), tpu_allocator_id());
  if (!a) return make_error("allocator (TPU id 0): {}", a.error().message);
  s.tpu_allocator = std::move(*a);
  if (s.tpu_allocator.layout().num_workers < 1 + w) {
    return make_error("allocator has {} worker ids; {} workers need at least {}",
                      s.tpu_allocator.layout().num_workers, w, 1 + w);
  }
  auto tpu = shm::Producer<abi::TpuToPackMessage>::join(fds.tpu_to_pack.get());
  if (!tpu) return make_error("tpu_to_pack: {}", tpu.error().message);
  s.tpu_to_pack = std::move(*tpu);
  auto prog = shm::Producer<abi::ProgressMessage>::join(fds.progress_tracker.get());
  if (!prog) return make_error("progress_tracker: {}", prog.error().message);
  s.progress_tracker = std::move(*prog);
  for (std::uint32_t i = 0; i < w; ++i) {
    AgaveWorkerEndpoint ep;
    auto wa = shm::Allocator::join(fds.allocator.get(), worker_allocator_id(i));
    if (!wa)
      return make_error("allocator (worker {} id {}): {}", i, worker_allocator_id(i),
                        wa.error().message);
    wa->set_keep_last_slab(true); // responses come in bursts, like pack's batch arrays
    ep.allocator = std::move(*wa);
    auto c = shm::Consumer<abi::PackToWorkerMessage>::join(fds.pack_to_worker[i].get());
    if (!c) return make_error("pack_to_worker[{}]: {}", i, c.error().message);
    ep.pack_to_worker = std::move(*c);
    auto p = shm::Producer<abi::WorkerToPackMessage>::join(fds.worker_to_pack[i].get());
    if (!p) return make_error("worker_to_pack[{}]: {}", i, p.error().message);
    ep.worker_to_pack = std::move(*p);
    s.workers.push_back(std::move(ep));
  }
  return s;
}

} // namespace extpack::session
