// extpack-report: turns one run's stats files and block record into a single
// self-contained HTML report (plots and tables, no external resources).
//
//   extpack-report --sim-stats sim.json --pack-stats pack.json --blocks blocks.jsonl -o r.html
//
// Exit status: 0 written, 2 bad arguments or unreadable/invalid input, 5 output not
// written (docs/OPERATIONS.md).
#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "extpack/ops/exit_codes.hpp"
#include "extpack/ops/html_report.hpp"
#include "extpack/ops/run_data.hpp"

namespace ops = extpack::ops;

int main(int argc, char** argv) {
  ops::RunInputs in;
  std::string out_path = "report.html";
  ops::ReportOptions options;
  CLI::App app{"extpack-report: write an HTML report of one extpack run"};
  app.add_option("--sim-stats", in.sim_stats, "agave-sim stats JSON (--stats-out)")
      ->check(CLI::ExistingFile);
  app.add_option("--pack-stats", in.pack_stats, "extpack-pack stats JSON (--stats-out)")
      ->check(CLI::ExistingFile);
  app.add_option("--blocks", in.block_record, "Block record (JSON lines or {\"blocks\": [..]})")
      ->check(CLI::ExistingFile);
  app.add_option("-o,--out", out_path, "HTML file to write")->capture_default_str();
  app.add_option("--title", options.title, "Report title")->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? ops::status(ops::ExitCode::Clean) : ops::status(ops::ExitCode::Usage);
  }

  auto run = ops::load_run(in);
  if (!run) {
    fmt::print(stderr, "extpack-report: {}\n", run.error().message);
    return ops::status(ops::ExitCode::Usage);
  }
  const std::string html = ops::render_report(*run, options);
  std::ofstream out(out_path, std::ios::binary | std::ios::trunc);
  if (!out || !out.write(html.data(), static_cast<std::streamsize>(html.size())) || !out.flush()) {
    fmt::print(stderr, "extpack-report: cannot write {}: {}\n", out_path, std::strerror(errno));
    return ops::status(ops::ExitCode::OutputFailure);
  }
  fmt::print("extpack-report: wrote {} ({} slots, {} blocks, {} bytes)\n", out_path,
             run->slots.size(), run->blocks.size(), html.size());
  return ops::status(ops::ExitCode::Clean);
}
