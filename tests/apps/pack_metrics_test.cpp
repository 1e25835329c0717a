// extpack-pack's metrics feed over a real pack runtime: a scripted validator (the pack
// tests' mock) drives a run, the feed publishes after every round as the pack loop does,
// and the endpoint is scraped over loopback and parsed. The two latency histograms must
// hold one sample per included transaction and per scheduling pass, and every counter
// must equal the runtime's statistics.
#include <gtest/gtest.h>

#include "extpack/ops/metrics_server.hpp"
#include "metrics_feed.hpp"
#include "mock_validator.hpp"
#include "prom_text.hpp"
#include "tx_builder.hpp"

namespace {

namespace test = extpack::test;
namespace ops = extpack::ops;
namespace apps = extpack::apps;
namespace pack = extpack::pack;
namespace nir = extpack::abi::not_included_reasons;

test::PromScrape scrape(std::uint16_t port) {
  auto r = test::http_get_loopback(port, "/metrics");
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  if (!r.ok()) return {};
  EXPECT_EQ(r->status, 200);
  auto parsed = test::parse_prometheus_text(r->body);
  EXPECT_TRUE(parsed.ok()) << (parsed.ok() ? "" : parsed.error().message);
  return parsed.ok() ? *parsed : test::PromScrape{};
}

double value_of(const test::PromScrape& s, std::string_view name,
                const test::PromLabels& labels = {}) {
  auto v = s.value(name, labels);
  EXPECT_TRUE(v.has_value()) << name << " missing";
  return v.value_or(-1);
}

/// Every sample of histogram `family`: buckets cumulative and ending at _count.
void expect_consistent_histogram(const test::PromScrape& s, const std::string& family) {
  const auto& f = s.families.at(family);
  EXPECT_EQ(f.type, "histogram");
  double last = 0;
  double inf = -1;
  for (const auto& sample : f.samples) {
    if (sample.name != family + "_bucket") continue;
    EXPECT_GE(sample.value, last) << family << " le=" << sample.labels.at("le");
    last = sample.value;
    if (sample.labels.at("le") == "+Inf") inf = sample.value;
  }
  EXPECT_EQ(inf, value_of(s, family + "_count")) << family;
}

std::size_t answer_all(test::MockValidator& v, std::uint8_t reason) {
  std::size_t n = 0;
  for (std::uint32_t w = 0; w < v.cfg.num_workers; ++w) {
    for (auto& b : v.take(w)) {
      v.answer(w, b, std::vector<std::uint8_t>(b.batch.num_transactions, reason));
      n += b.batch.num_transactions;
    }
  }
  return n;
}

TEST(PackMetrics, HistogramsCountEveryInclusionAndPassAndCountersMatchTheStats) {
  test::MockValidator v;
  pack::PackRuntime rt(v.pack, test::test_runtime_config(), extpack::sched::make_policy("extpack"));
  ops::MetricsRegistry registry;
  apps::PackMetricsFeed feed(registry, v.cfg.num_workers);
  auto server = ops::MetricsServer::start("127.0.0.1:0", registry);
  ASSERT_TRUE(server.ok()) << server.error().message;
  const std::uint16_t port = (*server)->port();

  // Before anything happened every series exists at 0.
  auto empty = scrape(port);
  EXPECT_EQ(value_of(empty, "extpack_pack_time_to_inclusion_seconds_count"), 0.0);
  EXPECT_EQ(value_of(empty, "extpack_pack_schedule_pass_seconds_count"), 0.0);

  // Four leader slots; the feed publishes after each, as the pack loop does every 100 ms.
  // First answers: all included, all retried (then included), all dropped, all included.
  const std::uint8_t first_answer[] = {nir::NONE, nir::ACCOUNT_IN_USE, nir::ALREADY_PROCESSED,
                                       nir::NONE};
  std::uint32_t salt = 0;
  double previous_count = 0;
  for (std::uint64_t round = 0; round < 4; ++round) {
    for (std::uint32_t i = 0; i < 25; ++i, ++salt)
      v.send_tx(test::build_tx({.payer = 500 + salt, .salt = salt}));
    v.progress(true, 40 + round);
    test::poll(rt);
    EXPECT_EQ(answer_all(v, first_answer[round]), 25u);
    test::poll(rt);
    answer_all(v, nir::NONE);
    test::poll(rt);
    feed.update(rt, v.pack);

    auto mid = scrape(port);
    const double count = value_of(mid, "extpack_pack_time_to_inclusion_seconds_count");
    EXPECT_EQ(count, static_cast<double>(rt.scheduler().counters().included)) << round;
    EXPECT_GE(count, previous_count);
    previous_count = count;
    expect_consistent_histogram(mid, "extpack_pack_time_to_inclusion_seconds");
  }
  rt.shutdown();
  feed.update(rt, v.pack);
  feed.update(rt, v.pack); // a second update adds nothing

  const auto s = scrape(port);
  const nlohmann::json stats = rt.stats_json();
  const auto included = stats["included"].get<double>();
  EXPECT_EQ(included, 75.0); // 25 of the 100 were answered ALREADY_PROCESSED
  EXPECT_EQ(value_of(s, "extpack_pack_included_total"), included);
  EXPECT_EQ(value_of(s, "extpack_pack_time_to_inclusion_seconds_count"), included);
  EXPECT_EQ(value_of(s, "extpack_pack_time_to_inclusion_seconds_bucket", {{"le", "+Inf"}}),
            included);
  EXPECT_NEAR(value_of(s, "extpack_pack_time_to_inclusion_seconds_sum"),
              static_cast<double>(rt.stats().time_to_inclusion.sum_ns) * 1e-9, 1e-9);
  expect_consistent_histogram(s, "extpack_pack_time_to_inclusion_seconds");

  const auto passes = stats["schedule_passes"]["passes"].get<double>();
  EXPECT_GT(passes, 0.0);
  EXPECT_EQ(value_of(s, "extpack_pack_schedule_pass_seconds_count"), passes);
  expect_consistent_histogram(s, "extpack_pack_schedule_pass_seconds");

  EXPECT_EQ(value_of(s, "extpack_pack_received_total"), stats["received"].get<double>());
  EXPECT_EQ(value_of(s, "extpack_pack_scheduled_total"), stats["scheduled"].get<double>());
  EXPECT_EQ(value_of(s, "extpack_pack_not_included_total", {{"reason", "ALREADY_PROCESSED"}}),
            25.0);
  EXPECT_EQ(value_of(s, "extpack_pack_batches_total", {{"kind", "execute"}}),
            stats["batches_sent"].get<double>());
  EXPECT_EQ(v.outstanding(), 0u);
}

TEST(PackMetrics, PackHistogramBoundsAreThePrometheusBuckets) {
  const pack::PackStats s;
  EXPECT_TRUE(apps::same_buckets(s.time_to_inclusion, ops::inclusion_time_buckets()));
  EXPECT_TRUE(apps::same_buckets(s.schedule_pass, ops::schedule_pass_buckets()));
  EXPECT_FALSE(apps::same_buckets(s.schedule_pass, ops::inclusion_time_buckets()));
  EXPECT_FALSE(
      apps::same_buckets(pack::LatencyHistogram{1'000'000, 14}, ops::inclusion_time_buckets()));
}

} // namespace
