// Metrics: count known events, scrape /metrics over loopback, parse the exposition and
// check that every value equals what was counted.
#include <gtest/gtest.h>

#include <array>
#include <string_view>
#include <thread>

#include "extpack/abi/messages.hpp"
#include "extpack/ops/metric_sets.hpp"
#include "extpack/ops/metrics.hpp"
#include "extpack/ops/metrics_server.hpp"
#include "prom_text.hpp"

namespace ops = extpack::ops;
namespace test = extpack::test;
namespace reasons = extpack::abi::not_included_reasons;

namespace {

constexpr std::array<std::string_view, 2> kDrops = {"expired", "capacity"};
constexpr std::array<std::string_view, 1> kRejections = {"bad_region"};

test::PromScrape scrape(std::uint16_t port) {
  auto resp = test::http_get_loopback(port, "/metrics");
  EXPECT_TRUE(resp.ok()) << resp.error().message;
  if (!resp) return {};
  EXPECT_EQ(resp->status, 200);
  EXPECT_EQ(resp->headers["content-type"].rfind("text/plain", 0), 0u);
  auto parsed = test::parse_prometheus_text(resp->body);
  EXPECT_TRUE(parsed.ok()) << parsed.error().message;
  return parsed.ok() ? std::move(parsed).value() : test::PromScrape{};
}

} // namespace

TEST(PromTextParser, ParsesFamiliesLabelsEscapesAndSpecialValues) {
  auto r = test::parse_prometheus_text("# HELP a_total Things \\\\ counted\\nhere\n"
                                       "# TYPE a_total counter\n"
                                       "a_total{x=\"q\\\"uote\",y=\"2\"} 3 1700000000000\n"
                                       "# TYPE h histogram\n"
                                       "h_bucket{le=\"0.5\"} 1\n"
                                       "h_bucket{le=\"+Inf\"} 2\n"
                                       "h_sum 7.5\n"
                                       "h_count 2\n"
                                       "# a comment\n"
                                       "loose -Inf\n");
  ASSERT_TRUE(r.ok()) << r.error().message;
  const auto& a = r->families.at("a_total");
  EXPECT_EQ(a.help, "Things \\ counted\nhere");
  EXPECT_EQ(a.type, "counter");
  ASSERT_EQ(a.samples.size(), 1u);
  EXPECT_EQ(a.samples[0].labels.at("x"), "q\"uote");
  EXPECT_EQ(r->value("a_total", {{"x", "q\"uote"}, {"y", "2"}}), 3.0);
  EXPECT_EQ(r->families.at("h").samples.size(), 4u);
  EXPECT_EQ(r->value("h_bucket", {{"le", "+Inf"}}), 2.0);
  EXPECT_EQ(r->value("loose"), -std::numeric_limits<double>::infinity());
  EXPECT_EQ(r->families.at("loose").type, "");
}

TEST(PromTextParser, RejectsMalformedLines) {
  for (const char* bad :
       {"x{a=\"1\" 2\n", "x{a=1} 2\n", "x 1 2 3\n", "x abc\n", "# TYPE x countr\n", "x 1\nx 2\n",
        "# TYPE h histogram\nh_bucket 1\n", "x 1\n# TYPE x counter\n", "9x 1\n"}) {
    EXPECT_FALSE(test::parse_prometheus_text(bad).ok()) << bad;
  }
  auto r = test::parse_prometheus_text("ok 1\nx{a=1} 2\n");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "line 2: expected '\"' to open label a's value: \"x{a=1} 2\"");
}

TEST(Metrics, ScrapedValuesEqualWhatWasCounted) {
  ops::MetricsRegistry registry;
  ops::PackMetrics m(registry, {kDrops, kRejections, 2});
  auto server = ops::MetricsServer::start("127.0.0.1:0", registry);
  ASSERT_TRUE(server.ok()) << server.error().message;
  std::uint16_t port = (*server)->port();
  ASSERT_NE(port, 0);

  m.received.Increment(5);
  m.included.Increment(3);
  m.not_included[64].Increment(2); // ACCOUNT_IN_USE
  m.not_included[reasons::BANK_NOT_AVAILABLE].Increment();
  m.dropped[1].Increment(4);
  m.batches_sent.Increment(7);
  m.fees_captured.Increment(15'000);
  m.backlog.Set(42);
  m.worker_queue_depth[1]->Set(3);
  m.time_to_inclusion.Observe(0.003);
  m.time_to_inclusion.Observe(0.5);
  m.time_to_inclusion.Observe(100);

  auto s = scrape(port);
  const auto& received = s.families.at("extpack_pack_received_total");
  EXPECT_EQ(received.type, "counter");
  EXPECT_EQ(received.help, "Transactions pack read from tpu_to_pack");
  EXPECT_EQ(s.value("extpack_pack_received_total"), 5.0);
  EXPECT_EQ(s.value("extpack_pack_included_total"), 3.0);
  EXPECT_EQ(s.value("extpack_pack_scheduled_total"), 0.0);
  EXPECT_EQ(s.value("extpack_pack_not_included_total", {{"reason", "ACCOUNT_IN_USE"}}), 2.0);
  EXPECT_EQ(s.value("extpack_pack_not_included_total", {{"reason", "BANK_NOT_AVAILABLE"}}), 1.0);
  EXPECT_EQ(s.value("extpack_pack_not_included_total", {{"reason", "SLOT_MISMATCH"}}), 0.0);
  EXPECT_EQ(s.value("extpack_pack_dropped_total", {{"reason", "capacity"}}), 4.0);
  EXPECT_EQ(s.value("extpack_pack_dropped_total", {{"reason", "expired"}}), 0.0);
  EXPECT_EQ(s.value("extpack_pack_rejected_messages_total", {{"reason", "bad_region"}}), 0.0);
  EXPECT_EQ(s.value("extpack_pack_batches_total", {{"kind", "execute"}}), 7.0);
  EXPECT_EQ(s.value("extpack_pack_batches_total", {{"kind", "resolve"}}), 0.0);
  EXPECT_EQ(s.value("extpack_pack_fees_captured_lamports_total"), 15'000.0);
  EXPECT_EQ(s.families.at("extpack_pack_backlog_transactions").type, "gauge");
  EXPECT_EQ(s.value("extpack_pack_backlog_transactions"), 42.0);
  EXPECT_EQ(s.value("extpack_pack_queue_depth", {{"queue", "worker_to_pack"}, {"worker", "1"}}),
            3.0);
  EXPECT_EQ(s.value("extpack_pack_queue_depth", {{"queue", "worker_to_pack"}, {"worker", "0"}}),
            0.0);
  EXPECT_EQ(s.value("extpack_pack_queue_depth", {{"queue", "tpu_to_pack"}}), 0.0);

  const auto& tti = s.families.at("extpack_pack_time_to_inclusion_seconds");
  EXPECT_EQ(tti.type, "histogram");
  EXPECT_EQ(s.value("extpack_pack_time_to_inclusion_seconds_count"), 3.0);
  EXPECT_DOUBLE_EQ(*s.value("extpack_pack_time_to_inclusion_seconds_sum"), 100.503);
  // Buckets are cumulative: 1, 2, 4 ms, ... 0.512 s, ... 16.384 s, +Inf.
  EXPECT_EQ(s.value("extpack_pack_time_to_inclusion_seconds_bucket", {{"le", "0.002"}}), 0.0);
  EXPECT_EQ(s.value("extpack_pack_time_to_inclusion_seconds_bucket", {{"le", "0.004"}}), 1.0);
  EXPECT_EQ(s.value("extpack_pack_time_to_inclusion_seconds_bucket", {{"le", "0.512"}}), 2.0);
  EXPECT_EQ(s.value("extpack_pack_time_to_inclusion_seconds_bucket", {{"le", "16.384"}}), 2.0);
  EXPECT_EQ(s.value("extpack_pack_time_to_inclusion_seconds_bucket", {{"le", "+Inf"}}), 3.0);
  EXPECT_EQ(s.value("extpack_pack_schedule_pass_seconds_count"), 0.0);

  // A later scrape sees later counts.
  m.received.Increment(10);
  m.backlog.Set(7);
  auto s2 = scrape(port);
  EXPECT_EQ(s2.value("extpack_pack_received_total"), 15.0);
  EXPECT_EQ(s2.value("extpack_pack_backlog_transactions"), 7.0);
}

TEST(Metrics, CountsFromSeveralThreadsAddUp) {
  ops::MetricsRegistry registry;
  ops::SimMetrics m(registry, {});
  auto work = [&] {
    for (int i = 0; i < 10'000; ++i) {
      m.fed.Increment();
      m.not_included[reasons::SLOT_MISMATCH].Increment();
    }
  };
  std::thread a(work);
  std::thread b(work);
  a.join();
  b.join();
  auto parsed = test::parse_prometheus_text(registry.text());
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->value("extpack_sim_fed_total"), 20'000.0);
  EXPECT_EQ(parsed->value("extpack_sim_not_included_total", {{"reason", "SLOT_MISMATCH"}}),
            20'000.0);
}

TEST(Metrics, ReservedAndUndefinedReasonsShareOneSeries) {
  ops::MetricsRegistry registry;
  auto counters = registry.reason_counters("r_total", "by reason");
  counters[5].Increment();   // reserved for scheduler-specific reasons
  counters[9].Increment();   // reserved
  counters[250].Increment(); // undefined
  EXPECT_EQ(&counters[5], &counters[9]);
  auto parsed = test::parse_prometheus_text(registry.text());
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->value("r_total", {{"reason", "RESERVED"}}), 2.0);
  EXPECT_EQ(parsed->value("r_total", {{"reason", "UNDEFINED"}}), 1.0);
  EXPECT_EQ(parsed->value("r_total", {{"reason", "ACCOUNT_IN_USE"}}), 0.0);
}

TEST(MetricsServer, BadAddressesAreErrors) {
  ops::MetricsRegistry registry;
  auto off = ops::MetricsServer::start("off", registry);
  ASSERT_FALSE(off.ok());
  EXPECT_EQ(off.error().message, "\"off\" is not an IPv4 listen address (no ':PORT'); write "
                                 "e.g. 127.0.0.1:9464");
  auto first = ops::MetricsServer::start("127.0.0.1:0", registry);
  ASSERT_TRUE(first.ok()) << first.error().message;
  auto taken = fmt::format("127.0.0.1:{}", (*first)->port());
  auto second = ops::MetricsServer::start(taken, registry);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().message.rfind("metrics endpoint cannot listen on " + taken + ": ", 0),
            0u)
      << second.error().message;
}
