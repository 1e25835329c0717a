// Inline SVG charts for the run report, drawn from numbers alone: no scripts, no fonts
// beyond the browser's sans-serif, so the report is one self-contained file that renders
// anywhere (and in a mail attachment). Per-slot charts share one x axis of slot numbers;
// bars are columns per slot, stacked bars split a slot's total by series, lines join the
// slots where a series has a value. Every mark carries a <title> tooltip with its numbers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace extpack::ops {

enum class ChartKind { Bars, StackedBars, Lines };

struct ChartSeries {
  std::string name;
  std::string color;                         ///< CSS color, e.g. "#4e79a7"
  std::vector<std::optional<double>> values; ///< one per x; nullopt = no value
};

struct Chart {
  std::string id; ///< the <svg> element's id
  std::string title;
  std::string y_label; ///< the unit, e.g. "% of block limit"
  ChartKind kind = ChartKind::Bars;
  std::vector<std::uint64_t> x; ///< slot numbers
  std::vector<ChartSeries> series;
  std::optional<double> y_max; ///< fixed top of the y axis (else from the data)
  std::optional<double> guide; ///< a dashed horizontal reference line, e.g. 100 %
  std::vector<bool> shaded;    ///< x positions with a light background (leader slots)
};

/// The chart as an <svg> element.
[[nodiscard]] std::string render_chart(const Chart& chart);

struct BarItem {
  std::string label;
  double value = 0;
};
/// Horizontal bars, one per item in the given order (totals by reason).
[[nodiscard]] std::string render_hbars(std::string_view id, std::string_view title,
                                       const std::vector<BarItem>& items, std::string_view color);

/// Escapes &, <, >, " and ' for text and attribute values.
[[nodiscard]] std::string escape_xml(std::string_view text);
/// 1234 -> "1,234"; 58'200'000 -> "58.2M" when `compact`.
[[nodiscard]] std::string format_number(double v, bool compact);

} // namespace extpack::ops
