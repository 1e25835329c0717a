// TPU feed: sources, pacing, and the hand-off of transaction bytes to pack.
#include "extpack/sim/feed.hpp"

#include <algorithm>
#include <cstring>
#include <fstream>

#include <spdlog/spdlog.h>

#include "extpack/common/encoding.hpp"
#include "extpack/txn/cost_model.hpp"

namespace extpack::sim {

namespace {
constexpr auto relaxed = std::memory_order_relaxed;
/// Idle wait between bursts: long enough to leave the CPU to pack, short enough to keep
/// the arrival pattern smooth at a few thousand transactions per slot.
constexpr std::int64_t FEED_IDLE_NS = 1'000'000;

void count_drop(SimCounters& c, FeedDrop d) {
  c.feed_dropped[static_cast<std::size_t>(d)].fetch_add(1, relaxed);
}
} // namespace

bool GeneratorSource::next(const Hash& blockhash, FeedItem& out) {
  GeneratedTx tx = gen_.next(blockhash);
  out.bytes = std::move(tx.bytes);
  out.flags = tx.flags;
  out.src_addr = tx.src_addr;
  out.duplicate = tx.duplicate;
  return true;
}

Result<std::unique_ptr<FileSource>> FileSource::open(const std::filesystem::path& path) {
  std::ifstream f(path);
  if (!f) return make_error("cannot open transaction file {}", path.string());
  auto src = std::unique_ptr<FileSource>(new FileSource());
  std::string line;
  std::size_t lineno = 0;
  while (std::getline(f, line)) {
    ++lineno;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' '))
      line.pop_back();
    if (line.empty()) continue;
    auto bytes = base64_decode(line);
    if (!bytes) {
      return make_error("{} line {}: not valid base64 ({} characters)", path.string(), lineno,
                        line.size());
    }
    src->txs_.push_back(std::move(*bytes));
  }
  if (src->txs_.empty()) return make_error("{} holds no transactions", path.string());
  return src;
}

bool FileSource::next(const Hash& /*blockhash*/, FeedItem& out) {
  if (pos_ >= txs_.size()) return false;
  out.bytes = txs_[pos_++];
  out.flags = abi::tpu_message_flags::NONE;
  out.duplicate = false;
  // A stable per-payer address in 100.64.0.0/10 (no real source is known for file lines).
  const std::uint64_t h = out.bytes.size() >= 65 + 32 ? hash_prefix64(out.bytes) : pos_;
  out.src_addr = ipv4_mapped(100, static_cast<std::uint8_t>(64 + (h & 63)),
                             static_cast<std::uint8_t>(h >> 8), static_cast<std::uint8_t>(h >> 16));
  return true;
}

TpuFeed::TpuFeed(const FeedConfig& cfg, TxSource& source, shm::Allocator& allocator,
                 shm::Producer<abi::TpuToPackMessage>& queue, const Bank& bank,
                 SimCounters& counters, Clock& clock)
    : cfg_(cfg), source_(source), alloc_(allocator), queue_(queue), bank_(bank),
      counters_(counters), clock_(clock) {}

void* TpuFeed::allocate(std::uint32_t size) {
  void* p = alloc_.allocate(size);
  if (p == nullptr) {
    alloc_.clean_remote_free_lists();
    p = alloc_.allocate(size);
  }
  return p;
}

bool TpuFeed::push(const FeedItem& item) {
  txn::TransactionView view;
  if (item.bytes.empty() || item.bytes.size() > txn::PACKET_DATA_SIZE ||
      txn::TransactionView::parse(item.bytes, view) != txn::ParseError::Ok) {
    count_drop(counters_, FeedDrop::Unparsable);
    return false;
  }
  const bool vote = txn::is_simple_vote(view);
  const auto len = static_cast<std::uint32_t>(item.bytes.size());
  void* mem = allocate(len);
  if (mem == nullptr) {
    count_drop(counters_, FeedDrop::AllocFailed);
    return false;
  }
  std::memcpy(mem, item.bytes.data(), len);
  abi::TpuToPackMessage* slot = queue_.reserve();
  if (slot == nullptr) {
    queue_.sync();
    slot = queue_.reserve();
  }
  if (slot == nullptr) {
    alloc_.free(mem); // still ours: the message was never committed
    count_drop(counters_, FeedDrop::QueueFull);
    return false;
  }
  abi::TpuToPackMessage m;
  std::memset(&m, 0, sizeof m);
  m.transaction.offset = alloc_.offset(mem);
  m.transaction.length = len;
  m.flags = static_cast<std::uint8_t>((item.flags & (abi::tpu_message_flags::FORWARDED |
                                                     abi::tpu_message_flags::FROM_STAKED_NODE)) |
                                      (vote ? abi::tpu_message_flags::IS_SIMPLE_VOTE : 0));
  std::memcpy(m.src_addr, item.src_addr.data(), sizeof m.src_addr);
  std::memcpy(static_cast<void*>(slot), &m, sizeof m);
  counters_.fed.fetch_add(1, relaxed);
  counters_.fed_this_slot.fetch_add(1, relaxed);
  if (vote) counters_.fed_votes.fetch_add(1, relaxed);
  if (item.duplicate) counters_.fed_duplicates.fetch_add(1, relaxed);
  return true;
}

void TpuFeed::run(const std::atomic<bool>& stop) {
  const std::int64_t start = clock_.now_ns();
  std::int64_t last_clean = start;
  std::uint64_t offered = 0;
  FeedItem item;
  while (!stop.load(std::memory_order_acquire)) {
    const std::int64_t now = clock_.now_ns();
    // Whole slots, then the fraction (both products stay far below 2^63).
    const auto elapsed = static_cast<std::uint64_t>(now - start);
    const auto slot_ns = static_cast<std::uint64_t>(cfg_.slot_ns);
    const std::uint64_t due =
        elapsed / slot_ns * cfg_.tx_per_slot + elapsed % slot_ns * cfg_.tx_per_slot / slot_ns;
    if (offered >= due) {
      clock_.sleep_for_ns(FEED_IDLE_NS);
      continue;
    }
    const std::uint64_t n = std::min<std::uint64_t>(due - offered, cfg_.max_burst);
    const Hash blockhash = bank_.latest_blockhash();
    for (std::uint64_t i = 0; i < n; ++i) {
      if (!source_.next(blockhash, item)) {
        queue_.commit();
        spdlog::info("tpu feed: source exhausted after {} transactions offered", offered);
        return;
      }
      (void)push(item);
      ++offered;
    }
    queue_.commit();
    if (now - last_clean >= cfg_.clean_interval_ns) {
      alloc_.clean_remote_free_lists();
      last_clean = now;
    }
  }
  queue_.commit();
}

} // namespace extpack::sim
