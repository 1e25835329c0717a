// End to end: extpack-demo starts extpack-pack and agave-sim as two processes, over the
// 3.1 handshake (agave-sim listens, pack connects; the default) and over a seed-mode
// session directory; each run must end with every transaction accounted for (included,
// dropped with a counted reason, or still queued at shutdown) and zero allocations
// outstanding in the shared allocator (counted by agave-sim after pack exited in socket
// mode, by the demo in seed mode).
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "testutil.hpp"

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

struct DemoRun {
  int exit_code = -1;
  json summary;
};

DemoRun run_demo(const std::string& mode, const std::string& tag, const std::string& args) {
  const fs::path out =
      fs::temp_directory_path() / fmt::format("extpack-e2e-{}-{}-{}", mode, tag, getpid());
  fs::remove_all(out);
  fs::create_directories(out);
  const fs::path summary = out / "summary.json";
  const std::string session =
      mode == "seed" ? fmt::format("--session-dir /dev/shm/extpack-e2e-{}-{} ", tag, getpid())
                     : std::string();
  const std::string cmd =
      fmt::format("{}/extpack-demo --quiet --mode {} {}--work-dir {} --summary-out {} {} > {} 2>&1",
                  EXTPACK_BIN_DIR, mode, session, (out / "work").string(), summary.string(), args,
                  (out / "demo.log").string());
  DemoRun r;
  int status = std::system(cmd.c_str());
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream in(summary);
  if (in) r.summary = json::parse(in, nullptr, false);
  if (r.exit_code == 0) {
    fs::remove_all(out); // keep the logs and stats of a failed run only
  } else {
    std::ifstream log(out / "demo.log");
    std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
    ADD_FAILURE() << "extpack-demo " << args << " exited " << r.exit_code << ":\n" << text;
  }
  return r;
}

std::uint64_t count_lines(const fs::path& file) {
  std::uint64_t n = 0;
  for (const auto& line : extpack::test::read_lines(file))
    n += line.empty() ? 0 : 1;
  return n;
}

void expect_clean(const DemoRun& r, const std::string& mode) {
  ASSERT_TRUE(r.summary.is_object()) << "no summary written";
  EXPECT_EQ(r.summary.value("mode", std::string()), mode);
  // One count per allocator id: the TPU, 4 workers, 1 pack handle.
  EXPECT_EQ(r.summary["outstanding_by_worker_id"].size(), 6u) << r.summary.dump(2);
  EXPECT_EQ(r.summary.value("outstanding_allocations", 1ull), 0u);
  EXPECT_TRUE(r.summary.value("accounted", false));
  EXPECT_EQ(r.summary.value("sim_exit", std::string()), "exit 0");
  EXPECT_EQ(r.summary.value("pack_exit", std::string()), "exit 0");
  const auto received = r.summary.value("received", 0ull);
  const auto included = r.summary.value("included", 0ull);
  const auto dropped = r.summary.value("dropped_total", 0ull);
  EXPECT_EQ(received, included + dropped);
  EXPECT_EQ(r.summary.value("sim_included", 0ull), included)
      << "pack and the simulator disagree on what was included";
}

class EndToEnd : public ::testing::TestWithParam<std::string> {};

TEST_P(EndToEnd, BuiltInGeneratorIncludesTransactionsWithoutLeaks) {
  auto r =
      run_demo(GetParam(), "gen", "--slots 12 --slot-ms 200 --leader-every 8 --tx-per-slot 1500");
  ASSERT_EQ(r.exit_code, 0);
  expect_clean(r, GetParam());
  // How many get in depends on the machine's speed (real time, 800 ms of leader slots);
  // expect_clean() has already checked that every transaction is accounted for.
  EXPECT_GT(r.summary.value("included", 0ull), 0u);
  EXPECT_GT(r.summary.value("fees_lamports", 0ull), 0u);
}

TEST_P(EndToEnd, EveryMainnetTransactionIsAccountedFor) {
  const fs::path file = extpack::test::shared_data_dir() / "mainnet-transactions.txt";
  ASSERT_TRUE(fs::exists(file)) << file;
  auto r = run_demo(GetParam(), "mainnet",
                    fmt::format("--input {} --slots 16 --slot-ms 200 --leader-every 8 "
                                "--tx-per-slot 1000",
                                file.string()));
  ASSERT_EQ(r.exit_code, 0);
  expect_clean(r, GetParam());
  EXPECT_EQ(r.summary.value("fed", 0ull), count_lines(file));
  EXPECT_GT(r.summary.value("included", 0ull), 0u);
}

INSTANTIATE_TEST_SUITE_P(SessionModes, EndToEnd, ::testing::Values("socket", "seed"),
                         [](const auto& param_info) { return param_info.param; });

} // namespace
