// A session: the allocator and every queue of one pack <-> Agave connection, as file
// descriptors (SessionFds) and as joined endpoints for each side (PackSession,
// AgaveSession). Seed mode (regions.hpp) and the 3.1 handshake both produce SessionFds.
//
// Allocator worker ids are fixed by convention (protocol-3.1.md §5.6):
//   0            Agave's TPU thread (transaction bytes on tpu_to_pack)
//   1 + i        Agave worker i, i < W (response arrays, resolved pubkeys)
//   1 + W + k    pack handle k, k < H
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "extpack/abi/messages.hpp"
#include "extpack/common/result.hpp"
#include "extpack/shm/allocator.hpp"
#include "extpack/shm/mapping.hpp"
#include "extpack/shm/queue.hpp"

namespace extpack::session {

/// Handshake limits of agave-scheduling-utils 3.1 (also applied in seed mode).
inline constexpr std::uint32_t MAX_WORKERS = 64;
inline constexpr std::uint32_t MAX_ALLOCATOR_HANDLES = 128;

inline constexpr std::uint32_t tpu_allocator_id() {
  return 0;
}
inline constexpr std::uint32_t worker_allocator_id(std::uint32_t worker) {
  return 1 + worker;
}
inline constexpr std::uint32_t pack_allocator_id(std::uint32_t workers, std::uint32_t handle) {
  return 1 + workers + handle;
}

/// Sizes of everything a session creates. Queue sizes are capacities in messages; the
/// files are made exactly queue_minimum_file_size<T>(capacity) bytes.
struct SessionConfig {
  std::uint32_t num_workers = 4;
  std::uint32_t allocator_handles = 1;
  std::uint64_t allocator_size = 512ull * 1024 * 1024; ///< < 4 GiB, multiple of 2 MiB
  std::uint64_t tpu_to_pack_capacity = 1u << 16;
  std::uint64_t progress_tracker_capacity = 1u << 10;
  std::uint64_t pack_to_worker_capacity = 1u << 10;
  std::uint64_t worker_to_pack_capacity = 1u << 10;

  /// Checks the ranges above; the error names the field and the value.
  [[nodiscard]] Result<void> validate() const;
  [[nodiscard]] std::uint32_t allocator_num_workers() const {
    return 1 + num_workers + allocator_handles;
  }
};

/// The shape of a session as the 3.1 handshake's ClientLogon states it (repr(C), 7 x u64,
/// 56 bytes): queue sizes are file sizes in bytes, used verbatim; each queue's capacity is
/// what shaq derives from its size (rounded down to a power of two).
struct ClientLogon {
  std::uint64_t worker_count;
  std::uint64_t allocator_size;
  std::uint64_t allocator_handles;
  std::uint64_t tpu_to_pack_size;
  std::uint64_t progress_tracker_size;
  std::uint64_t pack_to_worker_size;
  std::uint64_t worker_to_pack_size;
};
static_assert(sizeof(ClientLogon) == 56);
static_assert(offsetof(ClientLogon, worker_to_pack_size) == 48);

/// The logon that describes `cfg` (queue files of exactly the minimum size).
ClientLogon to_logon(const SessionConfig& cfg);

/// The descriptors of one session, in handshake order.
struct SessionFds {
  shm::UniqueFd allocator;
  shm::UniqueFd tpu_to_pack;
  shm::UniqueFd progress_tracker;
  std::vector<shm::UniqueFd> pack_to_worker; ///< one per worker
  std::vector<shm::UniqueFd> worker_to_pack; ///< one per worker
  [[nodiscard]] std::uint32_t num_workers() const {
    return static_cast<std::uint32_t>(pack_to_worker.size());
  }
};

/// Creates the allocator (1 + W + H worker ids, 2 MiB slabs) and every queue in the given
/// empty descriptors, as the 3.1 handshake server does. Errors read like the Rust server's
/// failure reasons ("Worker count; count=0", "Rts alloc; err=...", "Shaq; err=...").
Result<void> initialize_regions(const SessionFds& fds, const ClientLogon& logon);
/// Same, for a validated SessionConfig.
Result<void> initialize_regions(const SessionFds& fds, const SessionConfig& cfg);

/// Pack's side: consumer of tpu_to_pack, progress_tracker and worker_to_pack[i],
/// producer of pack_to_worker[i], and H allocator handles (ids 1+W+k).
struct PackSession {
  std::vector<shm::Allocator> allocators; ///< handle k has id 1 + W + k
  shm::Consumer<abi::TpuToPackMessage> tpu_to_pack;
  shm::Consumer<abi::ProgressMessage> progress_tracker;
  std::vector<shm::Producer<abi::PackToWorkerMessage>> pack_to_worker;
  std::vector<shm::Consumer<abi::WorkerToPackMessage>> worker_to_pack;

  static Result<PackSession> join(const SessionFds& fds, std::uint32_t allocator_handles);
  [[nodiscard]] std::uint32_t num_workers() const {
    return static_cast<std::uint32_t>(pack_to_worker.size());
  }
};

/// Agave's side: producer of tpu_to_pack and progress_tracker with allocator id 0, and
/// per worker i a consumer of pack_to_worker[i], a producer of worker_to_pack[i] and
/// allocator id 1+i. Worker endpoints are separate objects so each can move to its thread.
struct AgaveWorkerEndpoint {
  shm::Allocator allocator; ///< id 1 + i
  shm::Consumer<abi::PackToWorkerMessage> pack_to_worker;
  shm::Producer<abi::WorkerToPackMessage> worker_to_pack;
};

struct AgaveSession {
  shm::Allocator tpu_allocator; ///< id 0
  shm::Producer<abi::TpuToPackMessage> tpu_to_pack;
  shm::Producer<abi::ProgressMessage> progress_tracker;
  std::vector<AgaveWorkerEndpoint> workers;

  static Result<AgaveSession> join(const SessionFds& fds);
};

} // namespace extpack::session
