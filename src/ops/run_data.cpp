// Tolerant reading of a run's stats files and block record; see run_data.hpp.
#include "extpack/ops/run_data.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <initializer_list>
#include <iterator>

#include <nlohmann/json.hpp>

namespace extpack::ops {

namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

Result<std::string> read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error("cannot read {}: {}", path.string(), std::strerror(errno));
  try { // a read error (a directory, an I/O error) throws from inside the iterator
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  } catch (const std::ios_base::failure& e) {
    return make_error("cannot read {}: {}", path.string(), e.what());
  }
}

Result<json> parse_json(const std::string& text, const std::string& where) {
  try {
    return json::parse(text);
  } catch (const json::parse_error& e) {
    return make_error("{}: not valid JSON: {}", where, e.what());
  }
}

/// The first of `names` that holds a number (negative numbers are ignored).
std::optional<double> number(const json& j, std::initializer_list<const char*> names) {
  for (const char* n : names) {
    auto it = j.find(n);
    if (it == j.end() || !it->is_number()) continue;
    double v = it->get<double>();
    if (v >= 0) return v;
  }
  return std::nullopt;
}

std::optional<std::uint64_t> count(const json& j, std::initializer_list<const char*> names) {
  auto v = number(j, names);
  if (!v) return std::nullopt;
  return static_cast<std::uint64_t>(*v);
}

ReasonCounts reasons_of(const json& obj) {
  ReasonCounts out;
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (it->is_number() && it->get<double>() >= 0) out[it.key()] = it->get<std::uint64_t>();
  }
  return out;
}

InclusionTimes inclusion_times(const json& j) {
  InclusionTimes t;
  if (auto it = j.find("time_to_inclusion_ms"); it != j.end() && it->is_object()) {
    t.p50 = number(*it, {"p50"});
    t.p90 = number(*it, {"p90"});
    t.p99 = number(*it, {"p99"});
    t.max = number(*it, {"max"});
  } else {
    t.p50 = number(j, {"tti_p50_ms"});
    t.p90 = number(j, {"tti_p90_ms"});
    t.p99 = number(j, {"tti_p99_ms"});
    t.max = number(j, {"tti_max_ms"});
  }
  return t;
}

/// Merges one "slots" entry into `slots` (pack and sim may both describe a slot).
void merge_slot(const json& s, std::map<std::uint64_t, SlotStats>& slots) {
  auto slot = count(s, {"slot"});
  if (!slot) return;
  SlotStats& out = slots[*slot];
  out.slot = *slot;
  if (auto it = s.find("leader"); it != s.end() && it->is_boolean()) out.leader |= it->get<bool>();
  auto fill = [&](std::optional<std::uint64_t>& field, std::initializer_list<const char*> n) {
    if (!field) field = count(s, n);
  };
  fill(out.received, {"received", "fed"});
  fill(out.scheduled, {"scheduled"});
  fill(out.included, {"included"});
  fill(out.cu_used, {"cu_used"});
  fill(out.cu_limit, {"cu_limit", "block_limit"});
  fill(out.fees_lamports, {"fees_lamports", "fees"});
  if (auto it = s.find("not_included"); it != s.end() && it->is_object()) {
    for (const auto& [k, v] : reasons_of(*it))
      out.not_included[k] += v;
  }
  if (!out.time_to_inclusion.any()) out.time_to_inclusion = inclusion_times(s);
}

BlockStats block_of(const json& b) {
  BlockStats out;
  out.slot = count(b, {"slot"}).value_or(0);
  if (auto it = b.find("transactions"); it != b.end() && it->is_array()) {
    for (const auto& tx : *it) {
      ++out.transactions;
      out.cu += count(tx, {"cost_units", "cu", "cus"}).value_or(0);
      out.fees += count(tx, {"fee", "fee_lamports"}).value_or(0);
    }
  }
  return out;
}

Result<StatsFile> load_stats(const fs::path& path, std::map<std::uint64_t, SlotStats>& slots,
                             std::vector<BlockStats>& embedded_blocks) {
  auto text = read_file(path);
  if (!text) return text.error();
  auto doc = parse_json(*text, path.string());
  if (!doc) return doc.error();
  if (!doc->is_object()) return make_error("{}: expected a JSON object at the top", path.string());
  StatsFile out;
  out.path = path;
  for (auto it = doc->begin(); it != doc->end(); ++it) {
    if (it->is_number()) {
      out.numbers[it.key()] = it->get<double>();
    } else if (it->is_object() && it.key() != "time_to_inclusion_ms") {
      auto r = reasons_of(*it);
      if (!r.empty() || it->empty()) out.reasons[it.key()] = std::move(r);
    }
  }
  out.time_to_inclusion = inclusion_times(*doc);
  if (auto it = doc->find("slots"); it != doc->end() && it->is_array()) {
    for (const auto& s : *it) {
      if (s.is_object()) merge_slot(s, slots);
    }
  }
  if (auto it = doc->find("blocks"); it != doc->end() && it->is_array()) {
    for (const auto& b : *it) {
      if (b.is_object()) embedded_blocks.push_back(block_of(b));
    }
  }
  return out;
}

Result<std::vector<BlockStats>> load_blocks(const fs::path& path) {
  auto text = read_file(path);
  if (!text) return text.error();
  std::vector<BlockStats> out;
  // A whole document: {"blocks": [...]} or [...]. Otherwise JSON lines.
  try {
    auto doc = json::parse(*text);
    const json* arr = doc.is_array() ? &doc : nullptr;
    if (doc.is_object()) {
      if (auto it = doc.find("blocks"); it != doc.end() && it->is_array()) arr = &*it;
    }
    if (arr != nullptr) {
      for (const auto& b : *arr) {
        if (b.is_object()) out.push_back(block_of(b));
      }
      return out;
    }
    if (doc.is_object()) return std::vector<BlockStats>{block_of(doc)}; // one line only
  } catch (const json::parse_error&) {
  }
  std::size_t line_no = 0;
  std::size_t pos = 0;
  while (pos < text->size()) {
    auto nl = text->find('\n', pos);
    std::string line = text->substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    pos = nl == std::string::npos ? text->size() : nl + 1;
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto doc = parse_json(line, fmt::format("{}:{}", path.string(), line_no));
    if (!doc) return doc.error();
    if (doc->is_object()) out.push_back(block_of(*doc));
  }
  return out;
}

} // namespace

Result<RunData> load_run(const RunInputs& inputs) {
  if (inputs.sim_stats.empty() && inputs.pack_stats.empty() && inputs.block_record.empty()) {
    return make_error("no input: give a sim stats file, a pack stats file or a block record");
  }
  RunData run;
  std::map<std::uint64_t, SlotStats> slots;
  std::vector<BlockStats> embedded;
  if (!inputs.sim_stats.empty()) {
    auto s = load_stats(inputs.sim_stats, slots, embedded);
    if (!s) return s.error();
    run.sim = std::move(*s);
  }
  if (!inputs.pack_stats.empty()) {
    auto s = load_stats(inputs.pack_stats, slots, embedded);
    if (!s) return s.error();
    run.pack = std::move(*s);
  }
  if (!inputs.block_record.empty()) {
    auto b = load_blocks(inputs.block_record);
    if (!b) return b.error();
    run.blocks = std::move(*b);
    run.block_record = inputs.block_record;
  } else {
    run.blocks = std::move(embedded);
  }
  std::sort(run.blocks.begin(), run.blocks.end(),
            [](const BlockStats& a, const BlockStats& b) { return a.slot < b.slot; });
  for (auto& [slot, s] : slots)
    run.slots.push_back(std::move(s));
  if (run.slots.empty()) run.notes.push_back("no per-slot records (\"slots\") in the stats");
  if (run.blocks.empty()) run.notes.push_back("no block record");
  if (!run.sim) run.notes.push_back("no agave-sim stats file");
  if (!run.pack) run.notes.push_back("no extpack-pack stats file");
  return run;
}

} // namespace extpack::ops
