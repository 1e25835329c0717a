// The command lines of extpack-pack, agave-sim and extpack-demo as an operator meets them:
// --help explains the options, a bad option or configuration value exits 2 (usage) naming
// what is wrong, check-config reports every problem of a file, and an unreachable session
// exits 3 (session setup).
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "process.hpp"

namespace {

using extpack::test::app_path;
using extpack::test::run_process;
using extpack::test::TempDir;

constexpr int USAGE = 2;
constexpr int SESSION_SETUP = 3;

void write(const std::filesystem::path& p, const std::string& text) {
  std::ofstream(p) << text;
}

TEST(AppsCli, HelpExplainsTheSessionModesOfEachApp) {
  std::string out;
  ASSERT_EQ(run_process({app_path("extpack-pack"), "--help"}, &out), 0) << out;
  for (const char* s : {"--session-dir", "--connect", "--config", "--set", "--metrics-listen",
                        "check-config", "--workers", "Exit codes"}) {
    EXPECT_NE(out.find(s), std::string::npos) << "extpack-pack --help lacks " << s;
  }
  ASSERT_EQ(run_process({app_path("agave-sim"), "--help"}, &out), 0) << out;
  for (const char* s : {"--session-dir", "--listen", "--config", "--slots", "--run-done-file",
                        "check-config", "Exit codes"}) {
    EXPECT_NE(out.find(s), std::string::npos) << "agave-sim --help lacks " << s;
  }
  ASSERT_EQ(run_process({app_path("extpack-demo"), "--help"}, &out), 0) << out;
  EXPECT_NE(out.find("--mode"), std::string::npos) << out;
  EXPECT_NE(out.find("socket"), std::string::npos) << out;
}

TEST(AppsCli, UnknownOptionIsAUsageError) {
  for (const char* app : {"extpack-pack", "agave-sim", "extpack-demo"}) {
    std::string out;
    EXPECT_EQ(run_process({app_path(app), "--no-such-option"}, &out), USAGE) << app << "\n" << out;
    EXPECT_NE(out.find("no-such-option"), std::string::npos) << out;
  }
  std::string out;
  EXPECT_EQ(run_process({app_path("extpack-demo"), "--mode", "carrier-pigeon"}, &out), USAGE);
}

TEST(AppsCli, CheckConfigNamesTheBadKeyAndExitsWithUsage) {
  TempDir dir("check");
  const auto pack_toml = dir.path() / "pack.toml";
  write(pack_toml, "[session]\ndir = \"/dev/shm/x\"\n[pack]\ncapacity = 0\n[timeouts]\n"
                   "shutdown_ms = 5\n");
  std::string out;
  EXPECT_EQ(run_process({app_path("extpack-pack"), "check-config", pack_toml.string()}, &out),
            USAGE);
  EXPECT_NE(out.find("pack.capacity"), std::string::npos) << out;
  EXPECT_NE(out.find("shutdown_ms"), std::string::npos) << out;

  const auto good = dir.path() / "good.toml";
  write(good, "[session]\nconnect = \"/run/agave/scheduler.sock\"\n[pack]\ncapacity = 5000\n");
  EXPECT_EQ(run_process({app_path("extpack-pack"), "check-config", good.string()}, &out), 0) << out;
  EXPECT_NE(out.find(": ok"), std::string::npos) << out;

  const auto sim_toml = dir.path() / "sim.toml";
  write(sim_toml, "[session]\nlisten = \"/tmp/s.sock\"\n[clock]\nslots = 0\n");
  EXPECT_EQ(run_process({app_path("agave-sim"), "check-config", sim_toml.string()}, &out), USAGE);
  EXPECT_NE(out.find("clock.slots"), std::string::npos) << out;
}

TEST(AppsCli, BadFlagValueIsReportedLikeAFileValue) {
  std::string out;
  EXPECT_EQ(
      run_process({app_path("extpack-pack"), "--session-dir", "/dev/shm/none", "--capacity", "0"},
                  &out),
      USAGE);
  EXPECT_NE(out.find("pack.capacity"), std::string::npos) << out;
  EXPECT_NE(out.find("--capacity"), std::string::npos) << out;
  EXPECT_EQ(run_process({app_path("extpack-pack"), "--session-dir", "/dev/shm/none", "--policy",
                         "no-such-policy"},
                        &out),
            USAGE);
  EXPECT_NE(out.find("no-such-policy"), std::string::npos) << out;
}

TEST(AppsCli, UnreachableSessionIsASessionSetupFailure) {
  TempDir dir("unreachable");
  std::string out;
  EXPECT_EQ(run_process({app_path("extpack-pack"), "--connect",
                         (dir.path() / "nobody.sock").string(), "--wait-ms", "200"},
                        &out),
            SESSION_SETUP)
      << out;
  EXPECT_NE(out.find("nobody.sock"), std::string::npos) << out;
  EXPECT_EQ(run_process({app_path("extpack-pack"), "--session-dir",
                         (dir.path() / "no-session").string(), "--wait-ms", "100"},
                        &out),
            SESSION_SETUP)
      << out;
  EXPECT_EQ(
      run_process({app_path("agave-sim"), "--session-dir", (dir.path() / "no-session").string()},
                  &out),
      SESSION_SETUP)
      << out;
}

TEST(AppsCli, SimGivesUpWhenPackNeverLogsOn) {
  TempDir dir("nopack");
  const auto sock = dir.path() / "sched.sock";
  std::string out;
  EXPECT_EQ(
      run_process({app_path("agave-sim"), "--listen", sock.string(), "--accept-wait-ms", "300"},
                  &out),
      SESSION_SETUP)
      << out;
  EXPECT_FALSE(std::filesystem::exists(sock)) << "the socket path is left behind";
}

} // namespace
