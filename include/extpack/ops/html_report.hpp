// The run report: one self-contained HTML file (inline CSS and SVG, no scripts, no
// external resources) with per-slot plots (block fill, fees, included vs not included,
// time to inclusion when recorded, block sizes), totals by reason, and summary tables of
// every number the stats files hold. Whatever the inputs lack is left out and listed in
// the footer, so a partial run still gets a report.
#pragma once

#include <string>

#include "extpack/ops/run_data.hpp"

namespace extpack::ops {

struct ReportOptions {
  std::string title = "extpack run report";
};

[[nodiscard]] std::string render_report(const RunData& run, const ReportOptions& options = {});

} // namespace extpack::ops
