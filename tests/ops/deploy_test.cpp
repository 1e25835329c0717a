// The files in deploy/ stay consistent with the code: example configs load, the Grafana
// dashboard only queries metrics extpack-pack exports, and the systemd unit's restart
// policy matches the exit codes.
#include <gtest/gtest.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "extpack/ops/exit_codes.hpp"
#include "extpack/ops/metric_sets.hpp"
#include "extpack/ops/pack_config.hpp"
#include "extpack/ops/sim_config.hpp"
#include "prom_text.hpp"

namespace ops = extpack::ops;
namespace fs = std::filesystem;

namespace {

const fs::path kDeploy = EXTPACK_DEPLOY_DIR;

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  EXPECT_TRUE(in.good()) << p;
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

} // namespace

TEST(Deploy, ExampleConfigsLoad) {
  auto pack = ops::check_pack_config_file(kDeploy / "config/pack.example.toml");
  ASSERT_TRUE(pack.ok()) << ::testing::PrintToString(pack.errors);
  EXPECT_EQ(pack.config.session.dir, "/dev/shm/extpack");
  EXPECT_EQ(pack.config.pack.capacity, ops::PackSection{}.capacity);
  EXPECT_EQ(pack.config.session.workers, ops::PackSessionSection{}.workers);
  EXPECT_EQ(pack.config.session.allocator_mib, 512u);
  EXPECT_EQ(pack.config.session.tpu_to_pack_capacity, 65'536u);
  EXPECT_EQ(pack.config.limits.max_block_units, 60'000'000u);
  EXPECT_EQ(pack.config.metrics_listen, "127.0.0.1:9464");
  auto sim = ops::check_sim_config_file(kDeploy / "config/sim.example.toml");
  ASSERT_TRUE(sim.ok()) << ::testing::PrintToString(sim.errors);
  EXPECT_EQ(sim.config.clock.slot_ms, 400u);
  EXPECT_EQ(sim.config.workload.generator.price_sigma, ops::GeneratorSection{}.price_sigma);
  EXPECT_EQ(sim.config.block_record, "blocks.jsonl");
}

TEST(Deploy, DashboardQueriesOnlyExportedMetrics) {
  ops::MetricsRegistry registry;
  // A family appears in the exposition once it has a series, so give each label set one.
  constexpr std::array<std::string_view, 1> drop = {"expired"};
  constexpr std::array<std::string_view, 1> rejection = {"bad_region"};
  ops::PackMetrics metrics(registry, {drop, rejection, 1});
  auto exported = extpack::test::parse_prometheus_text(registry.text());
  ASSERT_TRUE(exported.ok()) << exported.error().message;

  auto dash = nlohmann::json::parse(slurp(kDeploy / "grafana/extpack-dashboard.json"));
  ASSERT_TRUE(dash.contains("panels"));
  EXPECT_EQ(dash.at("uid"), "extpack-pack");
  std::set<int> ids;
  std::set<std::string> used;
  const std::regex name_re("extpack_[a-z_]+");
  for (const auto& panel : dash.at("panels")) {
    EXPECT_TRUE(ids.insert(panel.at("id").get<int>()).second) << "duplicate panel id";
    ASSERT_TRUE(panel.at("gridPos").contains("w"));
    ASSERT_FALSE(panel.at("targets").empty()) << panel.at("title");
    for (const auto& t : panel.at("targets")) {
      const auto expr = t.at("expr").get<std::string>();
      for (std::sregex_iterator it(expr.begin(), expr.end(), name_re), end; it != end; ++it) {
        used.insert(it->str());
      }
    }
  }
  ASSERT_GE(used.size(), 10u);
  for (auto name : used) {
    std::string family = name;
    for (const std::string suffix : {"_bucket", "_sum", "_count"}) {
      if (family.size() > suffix.size() &&
          family.compare(family.size() - suffix.size(), suffix.size(), suffix) == 0 &&
          exported->families.count(family.substr(0, family.size() - suffix.size())) != 0) {
        family.resize(family.size() - suffix.size());
        EXPECT_EQ(exported->families.at(family).type, "histogram") << name;
      }
    }
    EXPECT_EQ(exported->families.count(family), 1u) << name << " is not exported";
  }
}

TEST(Deploy, SystemdUnitMatchesExitCodesAndGrace) {
  std::map<std::string, std::string> keys;
  std::string section;
  std::istringstream in(slurp(kDeploy / "systemd/extpack-pack.service"));
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    if (line[0] == '[') {
      section = line;
      continue;
    }
    auto eq = line.find('=');
    ASSERT_NE(eq, std::string::npos) << line;
    keys[section + line.substr(0, eq)] = line.substr(eq + 1);
  }
  EXPECT_EQ(keys["[Service]Restart"], "on-failure");
  EXPECT_EQ(keys["[Service]KillSignal"], "SIGTERM");
  EXPECT_EQ(keys["[Service]RestartPreventExitStatus"],
            std::to_string(ops::status(ops::ExitCode::Usage)));
  EXPECT_EQ(keys["[Service]ExecStart"], "/usr/bin/extpack-pack --config /etc/extpack/pack.toml");
  // systemd must wait longer than pack's own drain before SIGKILL.
  auto stop = keys["[Service]TimeoutStopSec"];
  ASSERT_EQ(stop.back(), 's');
  auto pack = ops::check_pack_config_file(kDeploy / "config/pack.example.toml");
  EXPECT_GT(std::stoul(stop) * 1000, pack.config.timeouts.shutdown_grace_ms);
  EXPECT_EQ(keys["[Install]WantedBy"], "multi-user.target");
}
