// extpack-pack and agave-sim run by hand over the 3.1 handshake, as an operator would:
// agave-sim listens, pack connects with its metrics endpoint on a loopback port. Once the
// slots are over the endpoint serves parseable Prometheus text whose counters (and latency
// histogram counts) equal what pack writes to its stats JSON; SIGTERM then stops pack
// cleanly (exit 0) and agave-sim, seeing pack gone, counts zero outstanding allocations and
// exits 0.
#include <chrono>
#include <csignal>
#include <regex>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "process.hpp"
#include "prom_text.hpp"

namespace {

namespace test = extpack::test;
using json = nlohmann::json;
using namespace std::chrono_literals;

/// The port pack logged for its metrics endpoint, once it did; 0 until then.
std::uint16_t logged_metrics_port(const std::filesystem::path& log) {
  static const std::regex re(R"(metrics at http://127\.0\.0\.1:(\d+)/metrics)");
  std::smatch m;
  const std::string text = test::read_file(log);
  if (!std::regex_search(text, m, re)) return 0;
  return static_cast<std::uint16_t>(std::stoul(m[1].str()));
}

test::PromScrape scrape(std::uint16_t port) {
  auto r = test::http_get_loopback(port, "/metrics");
  EXPECT_TRUE(r) << (r ? "" : r.error().message);
  if (!r) return {};
  EXPECT_EQ(r->status, 200);
  auto parsed = test::parse_prometheus_text(r->body);
  EXPECT_TRUE(parsed) << (parsed ? "" : parsed.error().message) << "\n" << r->body;
  return parsed ? *parsed : test::PromScrape{};
}

double value_of(const test::PromScrape& s, const std::string& name,
                const test::PromLabels& labels = {}) {
  auto v = s.value(name, labels);
  EXPECT_TRUE(v.has_value()) << name << " missing from the scrape";
  return v.value_or(-1);
}

TEST(LiveSession, MetricsMatchStatsAndNothingLeaksOverTheHandshake) {
  test::TempDir dir("live");
  const auto sock = dir.path() / "scheduler.sock";
  const auto done = dir.path() / "run-done";
  const auto sim_log = dir.path() / "sim.log";
  const auto pack_log = dir.path() / "pack.log";
  const auto sim_stats = dir.path() / "sim-stats.json";
  const auto pack_stats = dir.path() / "pack-stats.json";

  // clang-format off
  const pid_t sim = test::start_process(
      {test::app_path("agave-sim"), "--listen", sock.string(), "--slots", "8",
       "--slot-ms", "150", "--leader-every", "4", "--tx-per-slot", "600", "--linger-ms", "500",
       "--quiet", "--run-done-file", done.string(), "--stats-out", sim_stats.string(),
       "--accept-wait-ms", "30000", "--metrics-listen", "127.0.0.1:0"},
      sim_log);
  // clang-format on
  ASSERT_GT(sim, 0);
  const pid_t pack = test::start_process(
      {test::app_path("extpack-pack"), "--connect", sock.string(), "--workers", "2",
       "--allocator-mib", "64", "--metrics-listen", "127.0.0.1:0", "--stats-out",
       pack_stats.string(), "--wait-ms", "20000", "--log-level", "info"},
      pack_log);
  ASSERT_GT(pack, 0);

  const auto deadline = std::chrono::steady_clock::now() + 120s;
  while (!std::filesystem::exists(done) && std::chrono::steady_clock::now() < deadline &&
         !test::wait_process(sim, 0ms)) {
    std::this_thread::sleep_for(50ms);
  }
  if (!std::filesystem::exists(done)) {
    test::kill_process(pack);
    test::kill_process(sim);
    FAIL() << "agave-sim did not finish its slots\n"
           << test::read_file(sim_log) << test::read_file(pack_log);
  }
  const std::uint16_t port = logged_metrics_port(pack_log);
  ASSERT_NE(port, 0) << test::read_file(pack_log);

  // The slots are over; pack's counters settle (its metrics refresh every 100 ms).
  test::PromScrape last = scrape(port);
  for (int i = 0; i < 100; ++i) {
    std::this_thread::sleep_for(300ms);
    test::PromScrape next = scrape(port);
    const bool settled =
        next.value("extpack_pack_received_total") == last.value("extpack_pack_received_total") &&
        next.value("extpack_pack_included_total") == last.value("extpack_pack_included_total") &&
        next.value("extpack_pack_scheduled_total") == last.value("extpack_pack_scheduled_total");
    last = std::move(next);
    if (settled) break;
  }
  EXPECT_EQ(last.families.at("extpack_pack_received_total").type, "counter");

  // agave-sim's counters are final once the slots are over; it is still up (pack is).
  const std::uint16_t sim_port = logged_metrics_port(sim_log);
  ASSERT_NE(sim_port, 0) << test::read_file(sim_log);
  const test::PromScrape sim_scrape = scrape(sim_port);

  ::kill(pack, SIGTERM);
  const auto pack_exit = test::wait_process(pack, 60s);
  ASSERT_TRUE(pack_exit.has_value()) << test::read_file(pack_log);
  EXPECT_EQ(*pack_exit, 0) << test::read_file(pack_log);
  const auto sim_exit = test::wait_process(sim, 30s);
  if (!sim_exit) test::kill_process(sim);
  ASSERT_TRUE(sim_exit.has_value()) << "agave-sim did not notice pack exit\n"
                                    << test::read_file(sim_log);
  EXPECT_EQ(*sim_exit, 0) << test::read_file(sim_log);

  const json ps = json::parse(test::read_file(pack_stats), nullptr, false);
  const json ss = json::parse(test::read_file(sim_stats), nullptr, false);
  ASSERT_TRUE(ps.is_object()) << test::read_file(pack_log);
  ASSERT_TRUE(ss.is_object()) << test::read_file(sim_log);

  const auto received = ps["received"].get<double>();
  EXPECT_GT(received, 1000.0);
  EXPECT_EQ(value_of(last, "extpack_pack_received_total"), received);
  EXPECT_EQ(value_of(last, "extpack_pack_included_total"), ps["included"].get<double>());
  EXPECT_EQ(value_of(last, "extpack_pack_scheduled_total"), ps["scheduled"].get<double>());
  EXPECT_EQ(value_of(last, "extpack_pack_batches_total", {{"kind", "execute"}}),
            ps["batches_sent"].get<double>());
  EXPECT_EQ(value_of(last, "extpack_pack_batches_total", {{"kind", "resolve"}}),
            ps["resolve_batches"].get<double>());
  EXPECT_EQ(value_of(last, "extpack_pack_fees_captured_lamports_total"),
            ps["fees_captured"].get<double>());
  EXPECT_GT(ps["included"].get<double>(), 0.0);
  // The latency histograms: one sample per included transaction and per scheduling pass.
  EXPECT_EQ(last.families.at("extpack_pack_time_to_inclusion_seconds").type, "histogram");
  EXPECT_EQ(value_of(last, "extpack_pack_time_to_inclusion_seconds_count"),
            ps["included"].get<double>());
  EXPECT_EQ(value_of(last, "extpack_pack_time_to_inclusion_seconds_bucket", {{"le", "+Inf"}}),
            ps["included"].get<double>());
  EXPECT_EQ(ps["time_to_inclusion_ms"]["count"].get<double>(), ps["included"].get<double>());
  const auto passes = ps["schedule_passes"]["passes"].get<double>();
  EXPECT_GT(passes, 0.0);
  EXPECT_EQ(value_of(last, "extpack_pack_schedule_pass_seconds_count"), passes);

  EXPECT_EQ(value_of(sim_scrape, "extpack_sim_fed_total"), ss["fed"].get<double>());
  EXPECT_EQ(value_of(sim_scrape, "extpack_sim_included_total"), ss["included"].get<double>());

  // The simulator's own leak check, made after pack exited, and full accounting.
  EXPECT_EQ(ss.value("leak_check", std::string()), "after pack exited");
  EXPECT_EQ(ss.value("outstanding_allocations", 1ull), 0u) << ss.dump(2);
  ASSERT_TRUE(ss["outstanding_by_worker_id"].is_array());
  EXPECT_EQ(ss["outstanding_by_worker_id"].size(), 1u + 2u + 1u); // tpu, 2 workers, 1 handle
  EXPECT_EQ(ss["fed"].get<double>(), received);
  EXPECT_EQ(received, ps["included"].get<double>() + ps["dropped_total"].get<double>());
  EXPECT_EQ(ss["included"].get<double>(), ps["included"].get<double>());
}

TEST(LiveSession, SilentValidatorEndsTheSessionAndPackExitsPeerLost) {
  test::TempDir dir("silent");
  const auto sock = dir.path() / "scheduler.sock";
  const auto sim_log = dir.path() / "sim.log";
  const auto pack_log = dir.path() / "pack.log";
  const auto sim_stats = dir.path() / "sim-stats.json";
  const auto pack_stats = dir.path() / "pack-stats.json";

  // After its last slot the simulator stops publishing progress but stays up until pack
  // exits, so pack finds it silent, frees everything, fails to log on again (the
  // simulator serves one session) and gives up after --wait-ms.
  const pid_t sim = test::start_process(
      {test::app_path("agave-sim"), "--listen", sock.string(), "--slots", "6", "--slot-ms", "100",
       "--leader-every", "4", "--tx-per-slot", "400", "--linger-ms", "200", "--quiet",
       "--stats-out", sim_stats.string(), "--accept-wait-ms", "30000"},
      sim_log);
  ASSERT_GT(sim, 0);
  // pack's --wait-ms also bounds its first log-on: start it once the simulator listens.
  for (int i = 0; i < 1000 && !std::filesystem::exists(sock); ++i)
    std::this_thread::sleep_for(10ms);
  ASSERT_TRUE(std::filesystem::exists(sock)) << test::read_file(sim_log);
  const pid_t pack =
      test::start_process({test::app_path("extpack-pack"), "--connect", sock.string(), "--workers",
                           "2", "--allocator-mib", "64", "--validator-silence-ms", "1000",
                           "--wait-ms", "1500", "--stats-out", pack_stats.string()},
                          pack_log);
  ASSERT_GT(pack, 0);

  const auto pack_exit = test::wait_process(pack, 120s);
  if (!pack_exit) test::kill_process(pack);
  ASSERT_TRUE(pack_exit.has_value()) << test::read_file(pack_log);
  EXPECT_EQ(*pack_exit, 4) << test::read_file(pack_log); // ExitCode::PeerLost
  EXPECT_NE(test::read_file(pack_log).find("validator lost"), std::string::npos);
  const auto sim_exit = test::wait_process(sim, 30s);
  if (!sim_exit) test::kill_process(sim);
  ASSERT_TRUE(sim_exit.has_value()) << test::read_file(sim_log);
  EXPECT_EQ(*sim_exit, 0) << test::read_file(sim_log);

  const json ps = json::parse(test::read_file(pack_stats), nullptr, false);
  const json ss = json::parse(test::read_file(sim_stats), nullptr, false);
  ASSERT_TRUE(ps.is_object()) << test::read_file(pack_log);
  ASSERT_TRUE(ss.is_object()) << test::read_file(sim_log);
  EXPECT_EQ(ps.value("session_number", 0u), 1u);
  EXPECT_EQ(ps["received"].get<std::uint64_t>(),
            ps["included"].get<std::uint64_t>() + ps["dropped_total"].get<std::uint64_t>());
  EXPECT_EQ(ss.value("outstanding_allocations", 1ull), 0u) << ss.dump(2);
}

} // namespace
