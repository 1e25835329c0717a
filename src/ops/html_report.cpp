// The HTML run report; see html_report.hpp.
#include "extpack/ops/html_report.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "extpack/ops/svg_chart.hpp"

namespace extpack::ops {

namespace {

constexpr double LAMPORTS_PER_SOL = 1e9;

// Colors chosen to stay apart for common color-vision deficiencies.
constexpr const char* kBlue = "#4e79a7";
constexpr const char* kOrange = "#f28e2b";
constexpr const char* kGreen = "#59a14f";
constexpr const char* kRed = "#e15759";
constexpr const char* kPalette[] = {"#e15759", "#f28e2b", "#edc948", "#b07aa1",
                                    "#76b7b2", "#ff9da7", "#9c755f", "#bab0ac"};

constexpr const char* kStyle = R"(
body { font-family: sans-serif; margin: 24px; color: #222; max-width: 1000px; }
h1 { font-size: 22px; } h2 { font-size: 18px; margin-top: 32px; } h3 { font-size: 14px; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 13px; }
th, td { border: 1px solid #ccc; padding: 3px 8px; } td.num { text-align: right; }
th { background: #f0f0f0; text-align: left; }
svg.chart { display: block; margin: 8px 0 20px; background: #fff; }
.chart-title { font-size: 15px; font-weight: bold; }
.tick, .legend { font-size: 11px; fill: #444; } .axis-label { font-size: 12px; fill: #444; }
.grid { stroke: #e4e4e4; } .guide { stroke: #c00; stroke-dasharray: 6 4; }
.shade { fill: #f3f6fb; } footer { margin-top: 32px; font-size: 12px; color: #666; }
)";

std::string row(std::string_view key, const std::string& value) {
  return fmt::format("<tr><th>{}</th><td class=\"num\">{}</td></tr>", escape_xml(key),
                     escape_xml(value));
}

std::string num(double v) {
  return format_number(v, false);
}
std::string sol(double lamports) {
  return fmt::format("{:.6f} SOL", lamports / LAMPORTS_PER_SOL);
}

std::string numbers_table(std::string_view id, const StatsFile& f) {
  std::string out =
      fmt::format("<table id=\"{}\"><tr><th>counter</th><th>value</th></tr>", escape_xml(id));
  for (const auto& [k, v] : f.numbers)
    out += row(k, num(v));
  return out + "</table>";
}

std::string reasons_table(std::string_view id, std::string_view what, const ReasonCounts& counts) {
  std::string out = fmt::format("<table id=\"{}\"><tr><th>{}</th><th>count</th></tr>",
                                escape_xml(id), escape_xml(what));
  for (const auto& [k, v] : counts)
    out += row(k, num(static_cast<double>(v)));
  return out + "</table>";
}

/// The summary's key figures, from whichever source has them.
std::string summary_table(const RunData& run) {
  std::string out = "<table id=\"summary-table\">";
  std::uint64_t leaders = 0, leader_cu = 0, leader_limit = 0, fees = 0;
  for (const auto& s : run.slots) {
    if (!s.leader) continue;
    ++leaders;
    leader_cu += s.cu_used.value_or(0);
    leader_limit += s.cu_limit.value_or(0);
    fees += s.fees_lamports.value_or(0);
  }
  out += row("slots", num(static_cast<double>(run.slots.size())));
  out += row("leader slots", num(static_cast<double>(leaders)));
  if (leader_limit > 0) {
    out += row("leader block fill", fmt::format("{:.1f} %", 100.0 * static_cast<double>(leader_cu) /
                                                                static_cast<double>(leader_limit)));
  }
  auto from = [](const std::optional<StatsFile>& f, const char* key) -> std::optional<double> {
    if (!f) return std::nullopt;
    auto it = f->numbers.find(key);
    return it == f->numbers.end() ? std::nullopt : std::optional<double>(it->second);
  };
  if (auto v = from(run.sim, "fed")) out += row("fed by the TPU (sim)", num(*v));
  if (auto v = from(run.pack, "received")) out += row("received by pack", num(*v));
  if (auto v = from(run.pack, "scheduled")) out += row("scheduled by pack", num(*v));
  auto included = from(run.sim, "included");
  if (!included) included = from(run.pack, "included");
  if (included) out += row("included", num(*included));
  if (auto fed = from(run.sim, "fed"); fed && included && *fed > 0) {
    out += row("included / fed", fmt::format("{:.1f} %", 100.0 * *included / *fed));
  }
  if (auto v = from(run.sim, "fees_lamports"))
    out += row("fees captured (sim)", sol(*v));
  else if (fees > 0)
    out += row("fees captured", sol(static_cast<double>(fees)));
  if (auto v = from(run.pack, "fees_captured")) out += row("fees captured (pack)", sol(*v));
  if (!run.blocks.empty())
    out += row("blocks recorded", num(static_cast<double>(run.blocks.size())));
  for (const auto* f : {&run.pack, &run.sim}) {
    if (!*f || !(*f)->time_to_inclusion.any()) continue;
    const auto& t = (*f)->time_to_inclusion;
    auto ms = [](const std::optional<double>& v) {
      return v ? fmt::format("{:.1f} ms", *v) : std::string("-");
    };
    out += row("time to inclusion p50 / p90 / p99 / max",
               fmt::format("{} / {} / {} / {}", ms(t.p50), ms(t.p90), ms(t.p99), ms(t.max)));
    break;
  }
  return out + "</table>";
}

std::vector<std::uint64_t> slot_numbers(const RunData& run) {
  std::vector<std::uint64_t> x;
  for (const auto& s : run.slots)
    x.push_back(s.slot);
  return x;
}

std::vector<bool> leader_mask(const RunData& run) {
  std::vector<bool> m;
  for (const auto& s : run.slots)
    m.push_back(s.leader);
  return m;
}

std::string slot_charts(const RunData& run) {
  std::string out;
  const auto x = slot_numbers(run);
  const auto shaded = leader_mask(run);
  auto base = [&](std::string id, std::string title, std::string unit, ChartKind kind) {
    Chart c;
    c.id = std::move(id);
    c.title = std::move(title);
    c.y_label = std::move(unit);
    c.kind = kind;
    c.x = x;
    c.shaded = shaded;
    return c;
  };

  ChartSeries fill{"block fill", kBlue, {}};
  double fill_top = 100;
  for (const auto& s : run.slots) {
    std::optional<double> v;
    if (s.leader && s.cu_used && s.cu_limit && *s.cu_limit > 0) {
      v = 100.0 * static_cast<double>(*s.cu_used) / static_cast<double>(*s.cu_limit);
      fill_top = std::max(fill_top, *v);
    }
    fill.values.push_back(v);
  }
  if (std::any_of(fill.values.begin(), fill.values.end(), [](auto& v) { return v.has_value(); })) {
    auto c =
        base("chart-cu-fill", "Block fill per leader slot", "% of block limit", ChartKind::Bars);
    c.series.push_back(std::move(fill));
    c.y_max = fill_top;
    c.guide = 100;
    out += render_chart(c);
  }

  ChartSeries fees{"fees", kGreen, {}};
  for (const auto& s : run.slots) {
    fees.values.push_back(
        s.fees_lamports && *s.fees_lamports > 0
            ? std::optional<double>(static_cast<double>(*s.fees_lamports) / LAMPORTS_PER_SOL)
            : std::nullopt);
  }
  if (std::any_of(fees.values.begin(), fees.values.end(), [](auto& v) { return v.has_value(); })) {
    auto c = base("chart-fees", "Fees captured per slot", "SOL", ChartKind::Bars);
    c.series.push_back(std::move(fees));
    out += render_chart(c);
  }

  // Included vs not included: per-slot reasons when recorded, else scheduled - included.
  ReasonCounts reason_names;
  for (const auto& s : run.slots) {
    for (const auto& [k, v] : s.not_included)
      reason_names[k] += v;
  }
  auto outcomes = base("chart-outcomes", "Included vs not included per slot", "transactions",
                       ChartKind::StackedBars);
  ChartSeries included{"included", kBlue, {}};
  for (const auto& s : run.slots) {
    included.values.push_back(s.included ? std::optional<double>(*s.included) : std::nullopt);
  }
  outcomes.series.push_back(std::move(included));
  if (!reason_names.empty()) {
    std::size_t color = 0;
    for (const auto& [name, total] : reason_names) {
      if (total == 0) continue;
      ChartSeries r{name, kPalette[color++ % std::size(kPalette)], {}};
      for (const auto& s : run.slots) {
        auto it = s.not_included.find(name);
        r.values.push_back(it == s.not_included.end() ? std::nullopt
                                                      : std::optional<double>(it->second));
      }
      outcomes.series.push_back(std::move(r));
    }
  } else {
    ChartSeries missed{"scheduled, not included", kRed, {}};
    for (const auto& s : run.slots) {
      missed.values.push_back(s.scheduled && s.included && *s.scheduled > *s.included
                                  ? std::optional<double>(*s.scheduled - *s.included)
                                  : std::nullopt);
    }
    outcomes.series.push_back(std::move(missed));
  }
  if (std::any_of(run.slots.begin(), run.slots.end(),
                  [](const SlotStats& s) { return s.included.has_value(); })) {
    out += render_chart(outcomes);
  }

  auto tti =
      base("chart-inclusion-time", "Time to inclusion per slot", "milliseconds", ChartKind::Lines);
  ChartSeries p50{"p50", kBlue, {}}, p90{"p90", kOrange, {}}, p99{"p99", kRed, {}};
  bool any_tti = false;
  for (const auto& s : run.slots) {
    p50.values.push_back(s.time_to_inclusion.p50);
    p90.values.push_back(s.time_to_inclusion.p90);
    p99.values.push_back(s.time_to_inclusion.p99);
    any_tti |= s.time_to_inclusion.any();
  }
  if (any_tti) {
    tti.series = {std::move(p50), std::move(p90), std::move(p99)};
    out += render_chart(tti);
  }
  return out;
}

std::string block_chart(const RunData& run) {
  if (run.blocks.empty()) return {};
  Chart c;
  c.id = "chart-block-size";
  c.title = "Transactions per recorded block";
  c.y_label = "transactions";
  ChartSeries txs{"transactions", kBlue, {}};
  for (const auto& b : run.blocks) {
    c.x.push_back(b.slot);
    txs.values.push_back(static_cast<double>(b.transactions));
  }
  c.series.push_back(std::move(txs));
  return render_chart(c);
}

std::string reason_charts(const RunData& run) {
  std::string out;
  auto add = [&](const std::optional<StatsFile>& f, const char* key, const char* id,
                 const char* title, const char* color) {
    if (!f) return;
    auto it = f->reasons.find(key);
    if (it == f->reasons.end()) return;
    std::vector<BarItem> items;
    for (const auto& [name, n] : it->second) {
      if (n > 0) items.push_back({name, static_cast<double>(n)});
    }
    std::stable_sort(items.begin(), items.end(),
                     [](const BarItem& a, const BarItem& b) { return a.value > b.value; });
    out += render_hbars(id, title, items, color);
  };
  add(run.sim, "not_included", "chart-not-included", "Not included, by reason (validator)", kRed);
  add(run.pack, "dropped", "chart-pack-dropped", "Dropped by pack, by reason", kOrange);
  add(run.sim, "feed_dropped", "chart-feed-dropped", "Dropped by the TPU feed, by reason", kOrange);
  add(run.sim, "not_processed", "chart-not-processed", "Batches NOT_PROCESSED, by reason", kRed);
  add(run.pack, "rejected_messages", "chart-rejected", "Messages rejected by pack, by reason",
      kRed);
  return out;
}

std::string opt_num(const std::optional<std::uint64_t>& v) {
  return v ? num(static_cast<double>(*v)) : "-";
}

std::string slot_table(const RunData& run) {
  std::string out = "<details><summary>Per-slot records</summary><table id=\"slot-table\">"
                    "<tr><th>slot</th><th>leader</th><th>received</th><th>scheduled</th>"
                    "<th>included</th><th>CU used</th><th>CU limit</th><th>fees</th></tr>";
  for (const auto& s : run.slots) {
    out += fmt::format("<tr><td class=\"num\">{}</td><td>{}</td><td class=\"num\">{}</td>"
                       "<td class=\"num\">{}</td><td class=\"num\">{}</td>"
                       "<td class=\"num\">{}</td><td class=\"num\">{}</td>"
                       "<td class=\"num\">{}</td></tr>",
                       s.slot, s.leader ? "yes" : "", opt_num(s.received), opt_num(s.scheduled),
                       opt_num(s.included), opt_num(s.cu_used), opt_num(s.cu_limit),
                       s.fees_lamports ? sol(static_cast<double>(*s.fees_lamports)) : "-");
  }
  return out + "</table></details>";
}

std::string block_table(const RunData& run) {
  std::string out = "<details><summary>Recorded blocks</summary><table id=\"block-table\">"
                    "<tr><th>slot</th><th>transactions</th><th>cost units</th><th>fees</th>"
                    "</tr>";
  for (const auto& b : run.blocks) {
    out += fmt::format("<tr><td class=\"num\">{}</td><td class=\"num\">{}</td>"
                       "<td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                       b.slot, num(static_cast<double>(b.transactions)),
                       num(static_cast<double>(b.cu)), sol(static_cast<double>(b.fees)));
  }
  return out + "</table></details>";
}

} // namespace

std::string render_report(const RunData& run, const ReportOptions& options) {
  std::string html =
      fmt::format("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/>"
                  "<title>{0}</title><style>{1}</style></head><body><h1>{0}</h1>",
                  escape_xml(options.title), kStyle);
  html += "<p class=\"inputs\">";
  if (run.sim) html += fmt::format("sim stats: {}<br/>", escape_xml(run.sim->path.string()));
  if (run.pack) html += fmt::format("pack stats: {}<br/>", escape_xml(run.pack->path.string()));
  if (!run.block_record.empty()) {
    html += fmt::format("block record: {}<br/>", escape_xml(run.block_record.string()));
  }
  html += "</p><section id=\"summary\"><h2>Summary</h2>" + summary_table(run) + "</section>";
  html += "<section id=\"slots\"><h2>Per slot</h2>" + slot_charts(run) + block_chart(run) +
          "</section>";
  html += "<section id=\"reasons\"><h2>Outcomes by reason</h2>" + reason_charts(run);
  for (const auto* f : {&run.sim, &run.pack}) {
    if (!*f) continue;
    const char* who = f == &run.sim ? "sim" : "pack";
    for (const auto& [key, counts] : (*f)->reasons) {
      html += fmt::format("<h3>{} {}</h3>", who, escape_xml(key));
      html += reasons_table(fmt::format("{}-{}", who, key), "reason", counts);
    }
  }
  html += "</section><section id=\"totals\"><h2>All counters</h2>";
  if (run.sim) html += "<h3>agave-sim</h3>" + numbers_table("sim-numbers", *run.sim);
  if (run.pack) html += "<h3>extpack-pack</h3>" + numbers_table("pack-numbers", *run.pack);
  if (!run.slots.empty()) html += slot_table(run);
  if (!run.blocks.empty()) html += block_table(run);
  html += "</section><footer>";
  for (const auto& n : run.notes)
    html += fmt::format("<p class=\"note\">{}</p>", escape_xml(n));
  html += "<p>Written by extpack-report.</p></footer></body></html>\n";
  return html;
}

} // namespace extpack::ops
