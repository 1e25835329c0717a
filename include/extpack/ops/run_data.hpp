// One run's statistics as the report needs them, read from the files the processes write:
// agave-sim's stats JSON (totals, reasons, one record per slot), extpack-pack's stats JSON
// (totals and reasons) and the block record (one leader block per JSON line, or a
// {"blocks": [...]} document).
//
// Reading is tolerant on purpose: the files are written by programs that evolve, so a
// missing field is left empty (the report leaves out what it cannot draw), alternative
// names are accepted ("fed" or "received", "block_limit" or "cu_limit", "cost_units" or
// "cu"), and every top-level number is kept, so a new counter shows up in the summary
// tables without a change here. Only unreadable files and malformed JSON are errors.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "extpack/common/result.hpp"

namespace extpack::ops {

/// Counts by reason name, sorted by name.
using ReasonCounts = std::map<std::string, std::uint64_t>;

/// Time-to-inclusion quantiles of one slot or of the run, milliseconds.
struct InclusionTimes {
  std::optional<double> p50, p90, p99, max;
  [[nodiscard]] bool any() const { return p50 || p90 || p99 || max; }
};

struct SlotStats {
  std::uint64_t slot = 0;
  bool leader = false;
  std::optional<std::uint64_t> received; ///< "received" or "fed"
  std::optional<std::uint64_t> scheduled;
  std::optional<std::uint64_t> included;
  std::optional<std::uint64_t> cu_used;
  std::optional<std::uint64_t> cu_limit; ///< "cu_limit" or "block_limit"
  std::optional<std::uint64_t> fees_lamports;
  ReasonCounts not_included; ///< per-slot reasons, when the writer records them
  InclusionTimes time_to_inclusion;
};

struct BlockStats {
  std::uint64_t slot = 0;
  std::uint64_t transactions = 0;
  std::uint64_t cu = 0;   ///< sum of "cost_units" (or "cu") of its transactions
  std::uint64_t fees = 0; ///< sum of "fee", lamports
};

/// A stats file's top level: every number, and every {reason: n} object.
struct StatsFile {
  std::filesystem::path path;
  std::map<std::string, double> numbers;
  std::map<std::string, ReasonCounts> reasons; ///< "not_included", "dropped", ...
  InclusionTimes time_to_inclusion;
};

struct RunData {
  std::optional<StatsFile> sim;
  std::optional<StatsFile> pack;
  std::vector<SlotStats> slots;   ///< from the sim stats (merged with pack's, by slot)
  std::vector<BlockStats> blocks; ///< from the block record, by slot
  std::filesystem::path block_record;
  std::vector<std::string> notes; ///< what was missing or skipped, for the report's footer
};

struct RunInputs {
  std::filesystem::path sim_stats;    ///< "" = not given
  std::filesystem::path pack_stats;   ///< "" = not given
  std::filesystem::path block_record; ///< "" = not given
};

/// Reads whichever inputs are given (at least one). The error names the file and, for
/// JSON, the line or byte where parsing stopped.
[[nodiscard]] Result<RunData> load_run(const RunInputs& inputs);

} // namespace extpack::ops
