// Configuration loading: good files, every kind of bad value with its exact message, and
// command-line overrides winning over the file.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "extpack/ops/config_cli.hpp"
#include "extpack/ops/exit_codes.hpp"
#include "extpack/ops/pack_config.hpp"
#include "extpack/ops/sim_config.hpp"

namespace ops = extpack::ops;

namespace {

ops::Checked<ops::PackConfig> pack(const std::string& text, const ops::ConfigOverrides& o = {},
                                   const ops::PackConfigRules& rules = {}) {
  return ops::check_pack_config(text, "t.toml", o, rules);
}

// The smallest valid pack file: only the session is mandatory.
const std::string kSession = "[session]\ndir = \"/dev/shm/x\"\n";

std::vector<std::string> pack_errors(const std::string& body) {
  return pack(kSession + body).errors;
}

std::string one_error(const std::string& body) {
  auto errors = pack_errors(body);
  EXPECT_EQ(errors.size(), 1u) << ::testing::PrintToString(errors);
  return errors.empty() ? std::string() : errors.front();
}

} // namespace

TEST(PackConfig, DefaultsAreMainnetValues) {
  auto c = pack(kSession);
  ASSERT_TRUE(c.ok()) << ::testing::PrintToString(c.errors);
  EXPECT_EQ(c.config.session.dir, "/dev/shm/x");
  EXPECT_EQ(c.config.session.allocator_handles, 1u);
  EXPECT_EQ(c.config.policy.name, "extpack");
  EXPECT_TRUE(c.config.policy.params.empty());
  EXPECT_EQ(c.config.pack.capacity, 100'000u);
  EXPECT_EQ(c.config.pack.max_batch, 64u);
  EXPECT_EQ(c.config.limits.max_block_units, 60'000'000u);
  EXPECT_EQ(c.config.limits.max_writable_account_units, 24'000'000u);
  EXPECT_EQ(c.config.limits.max_vote_units, 36'000'000u);
  EXPECT_EQ(c.config.limits.max_block_accounts_data_size_delta, 100'000'000u);
  EXPECT_EQ(c.config.timeouts.validator_silence_ms, 10'000u);
  EXPECT_EQ(c.config.log_level, "info");
  EXPECT_EQ(c.config.metrics_listen, "off");
  EXPECT_EQ(c.config.stats_out, "");
}

TEST(PackConfig, FullFileLoads) {
  auto c = pack(R"(
[session]
connect = "/run/agave/scheduler.sock"
allocator_handles = 3
[policy]
name = "fifo"
[policy.params]
alpha = 0.5
lanes = 4
greedy = true
label = "x"
[pack]
capacity = 50_000
max_batch = 32
max_batches_per_worker = 3
max_inflight_cost = 12000000
max_scan_per_pass = 100
max_attempts = 2
[limits]
max_block_units = 100000000
max_writable_account_units = 40000000
max_vote_units = 36000000
max_block_accounts_data_size_delta = 0
[timeouts]
validator_silence_ms = 2500
shutdown_grace_ms = 0
[log]
level = "debug"
[metrics]
listen = "127.0.0.1:9464"
[output]
stats_out = "/var/lib/extpack/stats.json"
)");
  ASSERT_TRUE(c.ok()) << ::testing::PrintToString(c.errors);
  const auto& k = c.config;
  EXPECT_EQ(k.session.connect, "/run/agave/scheduler.sock");
  EXPECT_EQ(k.session.dir, "");
  EXPECT_EQ(k.session.allocator_handles, 3u);
  EXPECT_EQ(k.policy.name, "fifo");
  ASSERT_EQ(k.policy.params.size(), 4u);
  EXPECT_EQ(std::get<double>(k.policy.params.at("alpha")), 0.5);
  EXPECT_EQ(std::get<std::int64_t>(k.policy.params.at("lanes")), 4);
  EXPECT_EQ(std::get<bool>(k.policy.params.at("greedy")), true);
  EXPECT_EQ(std::get<std::string>(k.policy.params.at("label")), "x");
  EXPECT_EQ(k.pack.capacity, 50'000u);
  EXPECT_EQ(k.pack.max_batch, 32u);
  EXPECT_EQ(k.pack.max_batches_per_worker, 3u);
  EXPECT_EQ(k.pack.max_inflight_cost, 12'000'000u);
  EXPECT_EQ(k.pack.max_scan_per_pass, 100u);
  EXPECT_EQ(k.pack.max_attempts, 2u);
  EXPECT_EQ(k.limits.max_block_units, 100'000'000u);
  EXPECT_EQ(k.limits.max_writable_account_units, 40'000'000u);
  EXPECT_EQ(k.limits.max_block_accounts_data_size_delta, 0u);
  EXPECT_EQ(k.timeouts.validator_silence_ms, 2500u);
  EXPECT_EQ(k.timeouts.shutdown_grace_ms, 0u);
  EXPECT_EQ(k.log_level, "debug");
  EXPECT_EQ(k.metrics_listen, "127.0.0.1:9464");
  EXPECT_EQ(k.stats_out, "/var/lib/extpack/stats.json");
}

TEST(PackConfig, OutOfRangeNamesKeyValueRangeAndLine) {
  EXPECT_EQ(one_error("[pack]\ncapacity = 0\n"),
            "pack.capacity: 0 is out of range 1..10000000 (t.toml:4)");
  EXPECT_EQ(one_error("[pack]\ncapacity = -5\n"),
            "pack.capacity: -5 is out of range 1..10000000 (t.toml:4)");
  EXPECT_EQ(one_error("[pack]\nmax_batch = 65\n"),
            "pack.max_batch: 65 is out of range 1..64 (t.toml:4)");
  EXPECT_EQ(one_error("[timeouts]\nvalidator_silence_ms = 99\n"),
            "timeouts.validator_silence_ms: 99 is out of range 100..3600000 (t.toml:4)");
}

TEST(PackConfig, WrongTypesAreNamed) {
  EXPECT_EQ(one_error("[pack]\ncapacity = \"big\"\n"),
            "pack.capacity: expected an integer, got the string \"big\" (t.toml:4)");
  EXPECT_EQ(one_error("[pack]\ncapacity = 1.5\n"),
            "pack.capacity: expected an integer, got the float 1.5 (t.toml:4)");
  EXPECT_EQ(one_error("[log]\nlevel = 3\n"),
            "log.level: expected a string, got the integer 3 (t.toml:4)");
  EXPECT_EQ(one_error("[pack]\ncapacity = [1, 2]\n"),
            "pack.capacity: expected an integer, got an array (t.toml:4)");
  EXPECT_EQ(one_error("[policy]\nparams = 7\n"),
            "policy.params: expected a table of parameters, got the integer 7 (t.toml:4)");
  EXPECT_EQ(one_error("[policy.params]\nweights = [1, 2]\n"),
            "policy.params.weights: expected an integer, float, boolean or string, got an "
            "array (t.toml:4)");
}

TEST(PackConfig, UnknownKeysListTheKnownOnes) {
  EXPECT_EQ(one_error("[timeouts]\nshutdown_ms = 5\n"),
            "unknown key 'timeouts.shutdown_ms' (t.toml:4); keys of [timeouts] are "
            "shutdown_grace_ms, validator_silence_ms");
  EXPECT_EQ(one_error("[metric]\nlisten = \"off\"\n"),
            "unknown key 'metric.listen' (t.toml:4); sections are limits, log, metrics, "
            "output, pack, policy, session, timeouts");
  auto top = pack("verbose = true\n" + kSession).errors.at(0);
  EXPECT_EQ(top.rfind("unknown key 'verbose' (t.toml:1); sections are limits, log, metrics, "
                      "output, pack, policy, session, timeouts",
                      0),
            0u)
      << top;
}

TEST(PackConfig, ChoicesAddressesAndCrossFieldRules) {
  EXPECT_EQ(one_error("[log]\nlevel = \"verbose\"\n"),
            "log.level: \"verbose\" is not one of trace, debug, info, warn, error, off "
            "(t.toml:4)");
  EXPECT_EQ(one_error("[metrics]\nlisten = \"localhost:9464\"\n"),
            "metrics.listen: \"localhost:9464\" is not an IPv4 listen address (host is not "
            "A.B.C.D); write e.g. 127.0.0.1:9464 or \"off\" (t.toml:4)");
  EXPECT_EQ(one_error("[metrics]\nlisten = \"127.0.0.1:70000\"\n"),
            "metrics.listen: \"127.0.0.1:70000\" is not an IPv4 listen address (port is not "
            "0..65535); write e.g. 127.0.0.1:9464 or \"off\" (t.toml:4)");
  EXPECT_EQ(one_error("[limits]\nmax_block_units = 30000000\n"),
            "limits.max_vote_units: 36000000 exceeds limits.max_block_units = 30000000");
}

TEST(PackConfig, SessionNeedsExactlyOneWay) {
  auto neither = pack("").errors;
  ASSERT_EQ(neither.size(), 1u);
  EXPECT_EQ(neither[0], "session: set session.dir (seed-mode directory) or session.connect "
                        "(the validator's scheduler socket)");
  auto both = pack("[session]\ndir = \"/a\"\nconnect = \"/b\"\n").errors;
  ASSERT_EQ(both.size(), 1u);
  EXPECT_EQ(both[0],
            "session.connect: cannot be combined with session.dir; set one of them (t.toml:3)");
}

TEST(PackConfig, LogonShapeKeysLoad) {
  auto d = pack(kSession);
  ASSERT_TRUE(d.ok()) << ::testing::PrintToString(d.errors);
  EXPECT_EQ(d.config.session.workers, 4u);
  EXPECT_EQ(d.config.session.allocator_mib, 512u);
  EXPECT_EQ(d.config.session.tpu_to_pack_capacity, 65'536u);
  EXPECT_EQ(d.config.session.progress_tracker_capacity, 1024u);
  EXPECT_EQ(d.config.session.pack_to_worker_capacity, 1024u);
  EXPECT_EQ(d.config.session.worker_to_pack_capacity, 1024u);

  auto c = pack(R"([session]
connect = "/run/agave/scheduler.sock"
workers = 8
allocator_mib = 1024
tpu_to_pack_capacity = 131072
progress_tracker_capacity = 256
pack_to_worker_capacity = 64
worker_to_pack_capacity = 2048
)");
  ASSERT_TRUE(c.ok()) << ::testing::PrintToString(c.errors);
  EXPECT_EQ(c.config.session.workers, 8u);
  EXPECT_EQ(c.config.session.allocator_mib, 1024u);
  EXPECT_EQ(c.config.session.tpu_to_pack_capacity, 131'072u);
  EXPECT_EQ(c.config.session.progress_tracker_capacity, 256u);
  EXPECT_EQ(c.config.session.pack_to_worker_capacity, 64u);
  EXPECT_EQ(c.config.session.worker_to_pack_capacity, 2048u);
}

TEST(PackConfig, LogonShapeBadValuesNameKeyAndReason) {
  auto errors = pack(R"([session]
connect = "/s"
workers = 0
allocator_mib = 9
tpu_to_pack_capacity = 1000
progress_tracker_capacity = 0
pack_to_worker_capacity = 33554432
worker_to_pack_capacity = "big"
)")
                    .errors;
  const std::vector<std::string> want = {
      "session.workers: 0 is out of range 1..64 (t.toml:3)",
      "session.allocator_mib: 9 is not a multiple of 2 (the allocator's slabs are 2 MiB) "
      "(t.toml:4)",
      "session.tpu_to_pack_capacity: 1000 is not a power of two (t.toml:5)",
      "session.progress_tracker_capacity: 0 is out of range 1..16777216 (t.toml:6)",
      "session.pack_to_worker_capacity: 33554432 is out of range 1..16777216 (t.toml:7)",
      "session.worker_to_pack_capacity: expected an integer, got the string \"big\" (t.toml:8)"};
  EXPECT_EQ(errors, want);
  EXPECT_EQ(
      pack("[session]\ndir = \"/x\"\nworkers = 65\nallocator_mib = 4096\n").errors,
      (std::vector<std::string>{"session.workers: 65 is out of range 1..64 (t.toml:3)",
                                "session.allocator_mib: 4096 is out of range 8..4094 (t.toml:4)"}));
}

TEST(PackConfig, PolicyNameCheckedAgainstRules) {
  ops::PackConfigRules rules{{"extpack", "fifo"}};
  auto c = pack(kSession + "[policy]\nname = \"greedy\"\n", {}, rules);
  ASSERT_EQ(c.errors.size(), 1u);
  EXPECT_EQ(c.errors[0], "policy.name: \"greedy\" is not one of extpack, fifo (t.toml:4)");
  EXPECT_TRUE(pack(kSession + "[policy]\nname = \"fifo\"\n", {}, rules).ok());
}

TEST(PackConfig, ReportsEveryProblemNotJustTheFirst) {
  auto errors = pack_errors(R"([pack]
capacity = 0
max_batch = "x"
[log]
level = "loud"
[extra]
a = 1
)");
  ASSERT_EQ(errors.size(), 4u) << ::testing::PrintToString(errors);
  EXPECT_EQ(errors[0], "pack.capacity: 0 is out of range 1..10000000 (t.toml:4)");
  EXPECT_EQ(errors[1], "pack.max_batch: expected an integer, got the string \"x\" (t.toml:5)");
  EXPECT_EQ(errors[2],
            "log.level: \"loud\" is not one of trace, debug, info, warn, error, off (t.toml:7)");
  EXPECT_EQ(errors[3].rfind("unknown key 'extra.a' (t.toml:9)", 0), 0u) << errors[3];
  // to_result() carries all of them, one per line.
  auto r = pack(kSession + "[pack]\ncapacity = 0\nmax_batch = 0\n").to_result();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "pack.capacity: 0 is out of range 1..10000000 (t.toml:4)\n"
                               "pack.max_batch: 0 is out of range 1..64 (t.toml:5)");
}

TEST(PackConfig, SyntaxErrorsAndMissingFiles) {
  auto bad = pack("[pack\ncapacity = 1\n").errors;
  ASSERT_EQ(bad.size(), 1u);
  EXPECT_EQ(bad[0].rfind("t.toml:1:", 0), 0u) << bad[0];
  auto missing = ops::check_pack_config_file("/nonexistent-dir/pack.toml").errors;
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_EQ(missing[0],
            "cannot read config file /nonexistent-dir/pack.toml: No such file or directory");
  // A directory opens as a stream but its read fails: an error, not an exception.
  const auto dir = std::filesystem::temp_directory_path();
  auto directory = ops::check_pack_config_file(dir).errors;
  ASSERT_EQ(directory.size(), 1u);
  EXPECT_EQ(directory[0].rfind("cannot read config file " + dir.string() + ": ", 0), 0u)
      << directory[0];
}

TEST(PackConfigOverrides, OverridesWinOverTheFile) {
  ops::ConfigOverrides o;
  o.set("pack.capacity", "7000", "--capacity");
  o.set("session.dir", "/dev/shm/flag", "--session-dir");
  ASSERT_TRUE(o.set_assignment("limits.max_vote_units=1_000").ok());
  o.set("output.stats_out", "123", "--stats-out");
  o.set("policy.params.alpha", "0.25", "--set");
  o.set("policy.params.mode", "fast", "--set");
  auto c = pack(kSession + "[pack]\ncapacity = 5000\nmax_batch = 8\n", o);
  ASSERT_TRUE(c.ok()) << ::testing::PrintToString(c.errors);
  EXPECT_EQ(c.config.pack.capacity, 7000u); // flag beats file
  EXPECT_EQ(c.config.pack.max_batch, 8u);   // file beats default
  EXPECT_EQ(c.config.session.dir, "/dev/shm/flag");
  EXPECT_EQ(c.config.limits.max_vote_units, 1000u);
  EXPECT_EQ(c.config.stats_out, "123"); // a path stays text even if it looks numeric
  EXPECT_EQ(std::get<double>(c.config.policy.params.at("alpha")), 0.25);
  EXPECT_EQ(std::get<std::string>(c.config.policy.params.at("mode")), "fast");
}

TEST(PackConfigOverrides, BadOverridesNameTheFlag) {
  ops::ConfigOverrides o;
  o.set("pack.capacity", "0", "--capacity");
  o.set("pack.max_batch", "12abc", "--set pack.max_batch=12abc");
  o.set("pack.capactiy", "5", "--set pack.capactiy=5");
  auto errors = pack(kSession, o).errors;
  ASSERT_EQ(errors.size(), 3u) << ::testing::PrintToString(errors);
  EXPECT_EQ(errors[0], "pack.capacity: 0 is out of range 1..10000000 (from --capacity)");
  EXPECT_EQ(errors[1], "pack.max_batch: expected an integer, got \"12abc\" (from --set "
                       "pack.max_batch=12abc)");
  EXPECT_EQ(errors[2].rfind("unknown key 'pack.capactiy' (from --set pack.capactiy=5); keys "
                            "of [pack] are capacity, max_attempts",
                            0),
            0u)
      << errors[2];
  EXPECT_FALSE(o.set_assignment("novalue").ok());
  EXPECT_EQ(o.set_assignment("novalue").error().message,
            "--set \"novalue\": expected KEY=VALUE, e.g. pack.capacity=50000");
}

namespace {

class TempDir {
public:
  TempDir() {
    // mkdtemp replaces the six trailing template characters.
    std::string tmpl = "/tmp/extpack-ops-test-" + std::string(6, 'X');
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  [[nodiscard]] std::filesystem::path write(const std::string& name,
                                            const std::string& text) const {
    auto p = path_ / name;
    std::ofstream(p) << text;
    return p;
  }
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

private:
  std::filesystem::path path_;
};

std::string read_all(std::FILE* f) {
  std::rewind(f);
  std::string out;
  char buf[512];
  while (auto n = std::fread(buf, 1, sizeof buf, f))
    out.append(buf, n);
  return out;
}

} // namespace

TEST(ConfigCli, FlagsOverrideTheConfigFile) {
  TempDir dir;
  auto file = dir.write("pack.toml", kSession + "[pack]\ncapacity = 5000\n[log]\nlevel = "
                                                "\"warn\"\n");
  CLI::App app;
  ops::ConfigCli cli;
  ops::add_pack_config_options(app, cli);
  std::vector<std::string> args = {
      "--capacity",          "9000",     "--config", file.string(),      "--set",
      "pack.max_attempts=3", "--policy", "fifo",     "--metrics-listen", "127.0.0.1:0"};
  std::reverse(args.begin(), args.end()); // CLI11 parses a reversed vector
  app.parse(args);
  auto c = ops::load_pack_config(cli);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->pack.capacity, 9000u);
  EXPECT_EQ(c->pack.max_attempts, 3u);
  EXPECT_EQ(c->policy.name, "fifo");
  EXPECT_EQ(c->log_level, "warn"); // from the file, no flag given
  EXPECT_EQ(c->metrics_listen, "127.0.0.1:0");
  EXPECT_EQ(c->session.dir, "/dev/shm/x");
}

TEST(ConfigCli, SetWithoutEqualsIsAUsageError) {
  CLI::App app;
  ops::ConfigCli cli;
  ops::add_pack_config_options(app, cli);
  std::vector<std::string> args = {"pack.capacity", "--set"};
  EXPECT_THROW(app.parse(args), CLI::ValidationError);
}

TEST(ConfigCli, CheckConfigReportsAllProblems) {
  TempDir dir;
  auto bad = dir.write("bad.toml", "[session]\ndir = \"/x\"\n[pack]\ncapacity = 0\n[log]\n"
                                   "level = \"loud\"\n");
  auto good = dir.write("good.toml", kSession);
  CLI::App app;
  ops::ConfigCli cli;
  ops::add_pack_config_options(app, cli);
  ops::add_check_config_command(app, cli);
  app.parse(std::vector<std::string>{bad.string(), "check-config"});
  ASSERT_TRUE(cli.check_requested());
  std::FILE* out = std::tmpfile();
  EXPECT_EQ(ops::run_check_pack_config(cli, out), ops::status(ops::ExitCode::Usage));
  EXPECT_EQ(read_all(out), "pack.capacity: 0 is out of range 1..10000000 (" + bad.string() +
                               ":4)\n"
                               "log.level: \"loud\" is not one of trace, debug, info, warn, "
                               "error, off (" +
                               bad.string() + ":6)\n" + bad.string() + ": 2 problems\n");
  std::fclose(out);

  ops::ConfigCli ok_cli;
  ok_cli.check_file = good.string();
  out = std::tmpfile();
  EXPECT_EQ(ops::run_check_pack_config(ok_cli, out), ops::status(ops::ExitCode::Clean));
  EXPECT_EQ(read_all(out), good.string() + ": ok\n");
  std::fclose(out);
}

TEST(ConfigCli, LogonShapeFlagsAreKeyOverrides) {
  TempDir dir;
  auto file = dir.write("pack.toml", "[session]\nconnect = \"/s\"\nworkers = 2\n"
                                     "allocator_mib = 64\n");
  {
    CLI::App app;
    ops::ConfigCli cli;
    ops::add_pack_config_options(app, cli);
    std::vector<std::string> args = {"--config",
                                     file.string(),
                                     "--workers",
                                     "6",
                                     "--progress-capacity",
                                     "512",
                                     "--worker-to-pack-capacity",
                                     "4096"};
    std::reverse(args.begin(), args.end());
    app.parse(args);
    auto c = ops::load_pack_config(cli);
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->session.workers, 6u);        // flag beats file
    EXPECT_EQ(c->session.allocator_mib, 64u); // file beats default
    EXPECT_EQ(c->session.progress_tracker_capacity, 512u);
    EXPECT_EQ(c->session.worker_to_pack_capacity, 4096u);
    EXPECT_EQ(c->session.tpu_to_pack_capacity, 65'536u);
  }
  {
    CLI::App app;
    ops::ConfigCli cli;
    ops::add_pack_config_options(app, cli);
    ops::add_check_config_command(app, cli);
    std::vector<std::string> args = {
        "--allocator-mib",           "7", "--tpu-to-pack-capacity", "3",
        "--pack-to-worker-capacity", "x", "check-config",           file.string()};
    std::reverse(args.begin(), args.end());
    app.parse(args);
    ASSERT_TRUE(cli.check_requested());
    auto errors = ops::check_pack_config_file(cli.check_file, cli.overrides).errors;
    const std::vector<std::string> want = {
        "session.allocator_mib: 7 is out of range 8..4094 (from --allocator-mib)",
        "session.tpu_to_pack_capacity: 3 is not a power of two (from --tpu-to-pack-capacity)",
        "session.pack_to_worker_capacity: expected an integer, got \"x\" (from "
        "--pack-to-worker-capacity)"};
    EXPECT_EQ(errors, want);
  }
}

// ---- agave-sim ------------------------------------------------------------------------

namespace {
ops::Checked<ops::SimConfig> sim(const std::string& text, const ops::ConfigOverrides& o = {}) {
  return ops::check_sim_config("[session]\ndir = \"/dev/shm/s\"\n" + text, "s.toml", o);
}
} // namespace

TEST(SimConfig, DefaultsAndSessionShape) {
  auto c = sim("");
  ASSERT_TRUE(c.ok()) << ::testing::PrintToString(c.errors);
  EXPECT_EQ(c.config.clock.slot_ms, 400u);
  EXPECT_EQ(c.config.bank.limits.max_block_units, 60'000'000u);
  EXPECT_EQ(c.config.workload.generator.vote_share, 0.75);
  auto s = c.config.session.session_config();
  EXPECT_EQ(s.num_workers, 4u);
  EXPECT_EQ(s.allocator_size, 512ull * 1024 * 1024);
  EXPECT_EQ(s.tpu_to_pack_capacity, 65536u);
  EXPECT_TRUE(s.validate().ok());
}

TEST(SimConfig, GoodValuesLoad) {
  auto c = sim(R"(workers = 8
allocator_mib = 64
tpu_to_pack_capacity = 4096
[clock]
slots = 100
slot_ms = 50
leader_every = 4
[workload]
tx_per_slot = 3000
[workload.generator]
seed = 42
vote_share = 0.5
price_median = 2e4
[bank]
ns_per_cu = 33.3
check_blockhash = false
max_block_units = 100000000
[output]
stats_out = "sim.json"
block_record = "blocks.jsonl"
)");
  ASSERT_TRUE(c.ok()) << ::testing::PrintToString(c.errors);
  EXPECT_EQ(c.config.session.workers, 8u);
  EXPECT_EQ(c.config.session.allocator_mib, 64u);
  EXPECT_EQ(c.config.session.tpu_to_pack_capacity, 4096u);
  EXPECT_EQ(c.config.clock.slots, 100u);
  EXPECT_EQ(c.config.clock.slot_ms, 50u);
  EXPECT_EQ(c.config.workload.tx_per_slot, 3000u);
  EXPECT_EQ(c.config.workload.generator.seed, 42u);
  EXPECT_EQ(c.config.workload.generator.vote_share, 0.5);
  EXPECT_EQ(c.config.workload.generator.price_median, 2e4);
  EXPECT_EQ(c.config.bank.ns_per_cu, 33.3);
  EXPECT_FALSE(c.config.bank.check_blockhash);
  EXPECT_EQ(c.config.bank.limits.max_block_units, 100'000'000u);
  EXPECT_EQ(c.config.stats_out, "sim.json");
  EXPECT_EQ(c.config.block_record, "blocks.jsonl");
}

TEST(SimConfig, BadValuesAreRejected) {
  auto errors = sim(R"(workers = 65
allocator_mib = 9
pack_to_worker_capacity = 1000
[workload.generator]
vote_share = 1.5
swap_share = 0.7
oracle_share = 0.4
zipf_s = nan
[bank]
check_blockhash = "yes"
)")
                    .errors;
  std::vector<std::string> want = {
      "session.workers: 65 is out of range 1..64 (s.toml:3)",
      "session.allocator_mib: 9 is not a multiple of 2 (the allocator's slabs are 2 MiB) "
      "(s.toml:4)",
      "session.pack_to_worker_capacity: 1000 is not a power of two (s.toml:5)",
      "workload.generator.vote_share: 1.5 is out of range 0..1 (s.toml:7)",
      "workload.generator.zipf_s: nan is out of range 0..10 (s.toml:10)",
      "workload.generator.oracle_share: 0.4 plus workload.generator.swap_share = 0.7 is 1.1, "
      "above 1 (s.toml:9)",
      "bank.check_blockhash: expected true or false, got the string \"yes\" (s.toml:12)"};
  EXPECT_EQ(errors, want);
}

TEST(SimConfig, ListenAndDirAreExclusiveAndFlagsOverride) {
  ops::ConfigOverrides o;
  o.set("session.listen", "/run/sim.sock", "--listen");
  auto both = sim("", o).errors;
  ASSERT_EQ(both.size(), 1u);
  EXPECT_EQ(both[0], "session.listen: cannot be combined with session.dir; set one of them "
                     "(from --listen)");
  ops::ConfigOverrides slots;
  slots.set("clock.slots", "7", "--slots");
  slots.set("workload.generator.seed", "9", "--seed");
  auto c = sim("[clock]\nslots = 3\n", slots);
  ASSERT_TRUE(c.ok()) << ::testing::PrintToString(c.errors);
  EXPECT_EQ(c.config.clock.slots, 7u);
  EXPECT_EQ(c.config.workload.generator.seed, 9u);
}

TEST(ExitCodes, NamesAndValues) {
  EXPECT_EQ(ops::status(ops::ExitCode::Clean), 0);
  EXPECT_EQ(ops::status(ops::ExitCode::Usage), 2);
  EXPECT_EQ(ops::status(ops::ExitCode::SessionSetup), 3);
  EXPECT_STREQ(ops::exit_code_name(4), "peer lost");
  EXPECT_STREQ(ops::exit_code_name(42), "unknown");
}
