// Counters snapshots, per-slot lines, the run summary and the JSON documents.
#include "extpack/sim/stats.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "extpack/abi/messages.hpp"
#include "extpack/common/encoding.hpp"

namespace extpack::sim {

namespace {
constexpr double LAMPORTS_PER_SOL = 1e9;
constexpr auto relaxed = std::memory_order_relaxed;

std::string mega(std::uint64_t cu) {
  return fmt::format("{:.1f}M", static_cast<double>(cu) / 1e6);
}
} // namespace

const char* to_string(FeedDrop d) {
  switch (d) {
  case FeedDrop::QueueFull:
    return "queue_full";
  case FeedDrop::AllocFailed:
    return "alloc_failed";
  case FeedDrop::Unparsable:
    return "unparsable";
  case FeedDrop::Count:
    break;
  }
  return "unknown";
}

const char* to_string(Rejection r) {
  switch (r) {
  case Rejection::BadFlags:
    return "bad_flags";
  case Rejection::BadCount:
    return "bad_count";
  case Rejection::BadBatchRegion:
    return "bad_batch_region";
  case Rejection::BadTransactionRegion:
    return "bad_transaction_region";
  case Rejection::BadTransactionLength:
    return "bad_transaction_length";
  case Rejection::ResponseAllocFailed:
    return "response_alloc_failed";
  case Rejection::Count:
    break;
  }
  return "unknown";
}

std::uint64_t Totals::not_processed_total() const {
  std::uint64_t n = 0;
  for (auto v : not_processed)
    n += v;
  return n;
}

std::uint64_t Totals::not_included_total() const {
  std::uint64_t n = 0;
  for (std::size_t i = 1; i < not_included.size(); ++i)
    n += not_included[i];
  return n;
}

Totals snapshot(const SimCounters& c) {
  Totals t;
  t.fed = c.fed.load(relaxed);
  t.fed_votes = c.fed_votes.load(relaxed);
  t.fed_duplicates = c.fed_duplicates.load(relaxed);
  for (std::size_t i = 0; i < FEED_DROP_COUNT; ++i)
    t.feed_dropped[i] = c.feed_dropped[i].load(relaxed);
  t.batches = c.batches.load(relaxed);
  t.resolve_batches = c.resolve_batches.load(relaxed);
  t.transactions_scheduled = c.transactions_scheduled.load(relaxed);
  t.included = c.included.load(relaxed);
  for (std::size_t i = 0; i < 256; ++i)
    t.not_included[i] = c.not_included[i].load(relaxed);
  for (std::size_t i = 0; i < REJECTION_COUNT; ++i) {
    t.not_processed[i] = c.not_processed[i].load(relaxed);
  }
  t.resolved_ok = c.resolved_ok.load(relaxed);
  t.resolved_failed = c.resolved_failed.load(relaxed);
  t.responses_unsent = c.responses_unsent.load(relaxed);
  t.progress_sent = c.progress_sent.load(relaxed);
  t.progress_dropped = c.progress_dropped.load(relaxed);
  t.fees_lamports = c.fees_lamports.load(relaxed);
  t.cu_used = c.cu_used.load(relaxed);
  return t;
}

std::string format_slot_line(const SlotRecord& r) {
  const double pct =
      r.block_limit == 0 ? 0.0 : 100.0 * static_cast<double>(r.cu_used) / r.block_limit;
  return fmt::format("slot {:>6} {:<6} recv {:>6} sched {:>6} incl {:>6} cu {:>6}/{} ({:5.1f}%) "
                     "fees {:.4f} SOL",
                     r.slot, r.leader ? "LEADER" : "-", r.fed, r.scheduled, r.included,
                     mega(r.cu_used), mega(r.block_limit), pct,
                     static_cast<double>(r.fees_lamports) / LAMPORTS_PER_SOL);
}

std::string format_summary(const RunReport& r) {
  const Totals& t = r.totals;
  std::uint64_t leader_slots = 0, leader_cu = 0, leader_limit = 0;
  for (const auto& s : r.slots) {
    if (!s.leader) continue;
    ++leader_slots;
    leader_cu += s.cu_used;
    leader_limit += s.block_limit;
  }
  std::string out = fmt::format(
      "summary: {} slots ({} leader), fed {} ({} votes, {} duplicates), scheduled {} in {} "
      "batches (+{} resolve batches), included {}, fees {:.6f} SOL\n",
      r.slots.size(), leader_slots, t.fed, t.fed_votes, t.fed_duplicates, t.transactions_scheduled,
      t.batches, t.resolve_batches, t.included,
      static_cast<double>(t.fees_lamports) / LAMPORTS_PER_SOL);
  out += fmt::format(
      "  leader block fill: {} of {} CU ({:.1f}%)\n", mega(leader_cu), mega(leader_limit),
      leader_limit == 0 ? 0.0 : 100.0 * static_cast<double>(leader_cu) / leader_limit);
  for (std::size_t i = 1; i < t.not_included.size(); ++i) {
    if (t.not_included[i] == 0) continue;
    out += fmt::format("  not included {:<40} {}\n",
                       abi::not_included_reasons::name(static_cast<std::uint8_t>(i)),
                       t.not_included[i]);
  }
  for (std::size_t i = 0; i < REJECTION_COUNT; ++i) {
    if (t.not_processed[i] == 0) continue;
    out += fmt::format("  NOT_PROCESSED {:<39} {}\n", to_string(static_cast<Rejection>(i)),
                       t.not_processed[i]);
  }
  for (std::size_t i = 0; i < FEED_DROP_COUNT; ++i) {
    if (t.feed_dropped[i] == 0) continue;
    out += fmt::format("  feed dropped {:<40} {}\n", to_string(static_cast<FeedDrop>(i)),
                       t.feed_dropped[i]);
  }
  if (t.progress_dropped != 0) out += fmt::format("  progress dropped {}\n", t.progress_dropped);
  if (t.responses_unsent != 0) out += fmt::format("  responses unsent {}\n", t.responses_unsent);
  return out;
}

namespace {
nlohmann::json blocks_array(const RunReport& r) {
  auto arr = nlohmann::json::array();
  for (const auto& b : r.blocks) {
    auto txs = nlohmann::json::array();
    for (const auto& e : b.entries) {
      txs.push_back({{"signature", base58_encode(e.signature)},
                     {"cost_units", e.cost_units},
                     {"consumed_cus", e.consumed_cus},
                     {"fee", e.fee},
                     {"worker", e.worker}});
    }
    arr.push_back({{"slot", b.slot}, {"transactions", std::move(txs)}});
  }
  return arr;
}
} // namespace

std::string stats_json(const RunReport& r, bool with_blocks) {
  const Totals& t = r.totals;
  nlohmann::json j;
  j["workers"] = r.workers;
  j["fed"] = t.fed;
  j["fed_votes"] = t.fed_votes;
  j["fed_duplicates"] = t.fed_duplicates;
  auto drops = nlohmann::json::object();
  for (std::size_t i = 0; i < FEED_DROP_COUNT; ++i) {
    drops[to_string(static_cast<FeedDrop>(i))] = t.feed_dropped[i];
  }
  j["feed_dropped"] = std::move(drops);
  auto slots = nlohmann::json::array();
  for (const auto& s : r.slots) {
    slots.push_back({{"slot", s.slot},
                     {"leader", s.leader},
                     {"fed", s.fed},
                     {"scheduled", s.scheduled},
                     {"included", s.included},
                     {"votes_included", s.votes_included},
                     {"cu_used", s.cu_used},
                     {"block_limit", s.block_limit},
                     {"fees_lamports", s.fees_lamports}});
  }
  j["slots"] = std::move(slots);
  j["batches"] = t.batches;
  j["resolve_batches"] = t.resolve_batches;
  j["scheduled"] = t.transactions_scheduled;
  j["included"] = t.included;
  auto ni = nlohmann::json::object();
  for (std::size_t i = 1; i < t.not_included.size(); ++i) {
    if (t.not_included[i] == 0) continue;
    ni[abi::not_included_reasons::name(static_cast<std::uint8_t>(i))] = t.not_included[i];
  }
  j["not_included"] = std::move(ni);
  auto np = nlohmann::json::object();
  for (std::size_t i = 0; i < REJECTION_COUNT; ++i) {
    np[to_string(static_cast<Rejection>(i))] = t.not_processed[i];
  }
  j["not_processed"] = std::move(np);
  j["resolved_ok"] = t.resolved_ok;
  j["resolved_failed"] = t.resolved_failed;
  j["responses_unsent"] = t.responses_unsent;
  j["progress_sent"] = t.progress_sent;
  j["progress_dropped"] = t.progress_dropped;
  j["fees_lamports"] = t.fees_lamports;
  j["cu_used"] = t.cu_used;
  j["outstanding_allocations"] = r.outstanding_allocations;
  if (with_blocks) j["blocks"] = blocks_array(r);
  return j.dump(2) + "\n";
}

std::string blocks_json(const RunReport& r) {
  nlohmann::json j;
  j["blocks"] = blocks_array(r);
  return j.dump(2) + "\n";
}

Result<void> write_text_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f) return make_error("cannot open {} for writing: {}", path.string(), std::strerror(errno));
  f.write(text.data(), static_cast<std::streamsize>(text.size()));
  f.flush();
  if (!f) return make_error("writing {} bytes to {} failed", text.size(), path.string());
  return {};
}

} // namespace extpack::sim
