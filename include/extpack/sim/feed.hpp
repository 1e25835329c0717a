// The TPU feed: the validator's transaction ingress as pack sees it. A source yields wire
// transactions (the built-in generator, or a file of base64 transactions replayed in
// order); the feed paces them at `tx_per_slot` per slot, copies each into memory from
// allocator id 0 and hands it to pack on tpu_to_pack with its flags and source address.
//
// Ownership (protocol-3.1.md §2.13): the bytes are the feed's until the message is
// committed, then pack's. When the queue is full the feed frees the bytes itself and
// counts a drop; it never blocks. Pack frees the bytes remotely, so the feed drains
// allocator id 0's remote-free lists periodically and before giving up on an allocation.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <vector>

#include "extpack/abi/messages.hpp"
#include "extpack/common/result.hpp"
#include "extpack/shm/allocator.hpp"
#include "extpack/shm/queue.hpp"
#include "extpack/sim/bank.hpp"
#include "extpack/sim/clock.hpp"
#include "extpack/sim/generator.hpp"
#include "extpack/sim/stats.hpp"

namespace extpack::sim {

struct FeedItem {
  std::vector<std::uint8_t> bytes;
  std::uint8_t flags = 0; ///< FORWARDED / FROM_STAKED_NODE; the feed adds IS_SIMPLE_VOTE
  std::array<std::uint8_t, 16> src_addr{};
  bool duplicate = false;
};

class TxSource {
public:
  virtual ~TxSource() = default;
  /// The next transaction (built with `blockhash` if the source makes its own); false when
  /// the source is exhausted.
  virtual bool next(const Hash& blockhash, FeedItem& out) = 0;
};

class GeneratorSource final : public TxSource {
public:
  explicit GeneratorSource(const GeneratorConfig& cfg) : gen_(cfg) {}
  bool next(const Hash& blockhash, FeedItem& out) override;

private:
  Generator gen_;
};

/// Replays a file of base64 wire transactions, one per line (blank lines skipped), once.
class FileSource final : public TxSource {
public:
  /// Reads and decodes the whole file; the error names the file and the first bad line.
  static Result<std::unique_ptr<FileSource>> open(const std::filesystem::path& path);
  bool next(const Hash& blockhash, FeedItem& out) override;
  [[nodiscard]] std::size_t size() const { return txs_.size(); }

private:
  std::vector<std::vector<std::uint8_t>> txs_;
  std::size_t pos_ = 0;
};

struct FeedConfig {
  std::uint32_t tx_per_slot = 2000;
  std::int64_t slot_ns = 400'000'000;
  std::int64_t clean_interval_ns = 5'000'000; ///< remote-free cleaning of allocator id 0
  std::uint32_t max_burst = 256;              ///< messages per commit
};

class TpuFeed {
public:
  TpuFeed(const FeedConfig& cfg, TxSource& source, shm::Allocator& allocator,
          shm::Producer<abi::TpuToPackMessage>& queue, const Bank& bank, SimCounters& counters,
          Clock& clock);

  /// Feeds until `stop` is set or the source is exhausted; commits before returning.
  void run(const std::atomic<bool>& stop);
  /// Copies one transaction to shared memory and reserves its message; visible to pack at
  /// the next commit(). False if it was dropped (counted by reason).
  bool push(const FeedItem& item);
  void commit() { queue_.commit(); }

private:
  void* allocate(std::uint32_t size);

  FeedConfig cfg_;
  TxSource& source_;
  shm::Allocator& alloc_;
  shm::Producer<abi::TpuToPackMessage>& queue_;
  const Bank& bank_;
  SimCounters& counters_;
  Clock& clock_;
};

} // namespace extpack::sim
