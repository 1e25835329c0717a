// agave-sim's live metrics: an in-process simulator run (no pack: the TPU feed fills
// tpu_to_pack, which is large enough for the run) whose slot clock publishes as each slot
// ends, exactly as agave-sim wires it. The hook scrapes the endpoint over loopback during
// the run and parses it: the counters equal the run's totals at that slot and never go
// down; the final publish adds only the rest, and a second run adds to the first.
#include <vector>

#include <gtest/gtest.h>

#include "extpack/ops/metrics_server.hpp"
#include "extpack/sim/sim.hpp"
#include "prom_text.hpp"
#include "report_metrics.hpp"
#include "sim_test_util.hpp"

namespace {

namespace test = extpack::test;
namespace ops = extpack::ops;
namespace sim = extpack::sim;

test::PromScrape scrape(std::uint16_t port) {
  auto r = test::http_get_loopback(port, "/metrics");
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  if (!r.ok()) return {};
  auto parsed = test::parse_prometheus_text(r->body);
  EXPECT_TRUE(parsed.ok()) << (parsed.ok() ? "" : parsed.error().message);
  return parsed.ok() ? *parsed : test::PromScrape{};
}

double value_of(const test::PromScrape& s, std::string_view name) {
  auto v = s.value(name);
  EXPECT_TRUE(v.has_value()) << name << " missing";
  return v.value_or(-1);
}

struct Seen {
  std::uint64_t slot = 0;
  std::uint64_t totals_fed = 0;
  double scraped_fed = 0;
  double scraped_slot = 0;
  double scraped_limit = 0;
};

sim::SimConfig small_run() {
  sim::SimConfig cfg;
  cfg.slots = 6;
  cfg.slot_ms = 50;
  cfg.tx_per_slot = 40;
  cfg.linger_ms = 0;
  cfg.seed = 3;
  return cfg;
}

/// One run with live publishing; returns what each slot's scrape saw.
std::vector<Seen> run_live(const sim::SimConfig& cfg, extpack::apps::SimReportMetrics& metrics,
                           std::uint16_t port, sim::RunReport& report) {
  auto s = sim::test::make_session(2);
  EXPECT_NE(s, nullptr);
  if (s == nullptr) return {};
  std::vector<Seen> seen;
  sim::RunHooks hooks;
  metrics.begin_run();
  hooks.on_totals = [&](const sim::SlotRecord& slot, const sim::Totals& so_far) {
    metrics.publish_slot(slot, so_far);
    const auto p = scrape(port);
    seen.push_back({slot.slot, so_far.fed, value_of(p, "extpack_sim_fed_total"),
                    value_of(p, "extpack_sim_slot"), value_of(p, "extpack_sim_block_limit_units")});
  };
  auto r = sim::run(cfg, s->agave, hooks);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  if (r.ok()) report = std::move(*r);
  metrics.publish(report);
  return seen;
}

TEST(SimMetrics, CountersRiseSlotBySlotDuringTheRunAndEndAtTheTotals) {
  ops::MetricsRegistry registry;
  extpack::apps::SimReportMetrics metrics(registry);
  auto server = ops::MetricsServer::start("127.0.0.1:0", registry);
  ASSERT_TRUE(server.ok()) << server.error().message;
  const std::uint16_t port = (*server)->port();

  const sim::SimConfig cfg = small_run();
  sim::RunReport first;
  const auto seen = run_live(cfg, metrics, port, first);
  ASSERT_EQ(seen.size(), first.slots.size());
  ASSERT_EQ(seen.size(), cfg.slots);
  double previous = 0;
  for (std::size_t i = 0; i < seen.size(); ++i) {
    EXPECT_EQ(seen[i].slot, cfg.first_slot + i);
    EXPECT_EQ(seen[i].scraped_slot, static_cast<double>(seen[i].slot));
    EXPECT_EQ(seen[i].scraped_fed, static_cast<double>(seen[i].totals_fed)) << "slot " << i;
    EXPECT_GE(seen[i].scraped_fed, previous);
    // Leader slots (4 and 5 here) carry the block limit; it is kept after them.
    EXPECT_EQ(seen[i].scraped_limit > 0.0, seen[i].slot >= 4) << "slot " << i;
    previous = seen[i].scraped_fed;
  }
  // The feed ran during the slots: a mid-run scrape already saw transactions.
  EXPECT_GT(seen.back().scraped_fed, 0.0);
  EXPECT_LE(seen.back().scraped_fed, static_cast<double>(first.totals.fed));

  auto end = scrape(port);
  EXPECT_EQ(value_of(end, "extpack_sim_fed_total"), static_cast<double>(first.totals.fed));
  EXPECT_EQ(value_of(end, "extpack_sim_included_total"),
            static_cast<double>(first.totals.included));
  EXPECT_EQ(value_of(end, "extpack_sim_leader"), 0.0);

  // A second session: its counters start from zero, the exported ones keep adding up.
  sim::RunReport second;
  const auto seen2 = run_live(cfg, metrics, port, second);
  ASSERT_FALSE(seen2.empty());
  EXPECT_EQ(seen2.front().scraped_fed,
            static_cast<double>(first.totals.fed + seen2.front().totals_fed));
  end = scrape(port);
  EXPECT_EQ(value_of(end, "extpack_sim_fed_total"),
            static_cast<double>(first.totals.fed + second.totals.fed));
}

} // namespace
