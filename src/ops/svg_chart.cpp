// SVG chart rendering for the run report; see svg_chart.hpp.
#include "extpack/ops/svg_chart.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace extpack::ops {

namespace {

// Geometry of a per-slot chart, pixels.
constexpr double kWidth = 960, kHeight = 300;
constexpr double kLeft = 72, kRight = 16, kTop = 36, kBottom = 62;
constexpr double kPlotW = kWidth - kLeft - kRight, kPlotH = kHeight - kTop - kBottom;

/// The smallest 1, 2 or 5 times a power of ten that is >= v.
double nice_ceiling(double v) {
  if (v <= 0) return 1;
  double p = std::pow(10.0, std::floor(std::log10(v)));
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (m * p >= v * (1 - 1e-12)) return m * p;
  }
  return 10 * p;
}

std::string open_svg(std::string_view id, std::string_view title, double w, double h) {
  return fmt::format("<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"{0}\" class=\"chart\" "
                     "viewBox=\"0 0 {2} {3}\" width=\"{2}\" height=\"{3}\" role=\"img\" "
                     "aria-label=\"{1}\"><title>{1}</title>"
                     "<text class=\"chart-title\" x=\"{4}\" y=\"22\">{1}</text>",
                     escape_xml(id), escape_xml(title), w, h, kLeft);
}

double top_of(const Chart& c) {
  if (c.y_max) return *c.y_max;
  double top = 0;
  for (std::size_t i = 0; i < c.x.size(); ++i) {
    double stack = 0;
    for (const auto& s : c.series) {
      double v = i < s.values.size() ? s.values[i].value_or(0) : 0;
      if (c.kind == ChartKind::StackedBars)
        stack += v;
      else
        top = std::max(top, v);
    }
    top = std::max(top, stack);
  }
  if (c.guide) top = std::max(top, *c.guide);
  return nice_ceiling(top);
}

} // namespace

std::string escape_xml(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    switch (ch) {
    case '&':
      out += "&amp;";
      break;
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '"':
      out += "&quot;";
      break;
    case '\'':
      out += "&#39;";
      break;
    default:
      out += ch;
    }
  }
  return out;
}

std::string format_number(double v, bool compact) {
  double a = std::fabs(v);
  if (compact) {
    if (a >= 1e9) return fmt::format("{:.3g}G", v / 1e9);
    if (a >= 1e6) return fmt::format("{:.3g}M", v / 1e6);
    if (a >= 1e4) return fmt::format("{:.3g}k", v / 1e3);
    return fmt::format("{:.4g}", v);
  }
  if (a != std::floor(a) || a >= 1e18) return fmt::format("{:.4g}", v);
  auto digits = fmt::format("{}", static_cast<std::uint64_t>(a));
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i != 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return v < 0 ? "-" + out : out;
}

std::string render_chart(const Chart& c) {
  std::string svg = open_svg(c.id, c.title, kWidth, kHeight);
  const std::size_t n = c.x.size();
  const double top = top_of(c);
  const double band = n == 0 ? kPlotW : kPlotW / static_cast<double>(n);
  auto y_of = [&](double v) { return kTop + kPlotH - std::min(v, top) / top * kPlotH; };

  for (std::size_t i = 0; i < c.shaded.size() && i < n; ++i) {
    if (!c.shaded[i]) continue;
    svg += fmt::format("<rect class=\"shade\" x=\"{:.2f}\" y=\"{}\" width=\"{:.2f}\" "
                       "height=\"{}\"/>",
                       kLeft + band * static_cast<double>(i), kTop, band, kPlotH);
  }
  // Horizontal grid and y tick labels: five steps of the nice top.
  for (int t = 0; t <= 5; ++t) {
    double v = top * t / 5;
    double y = y_of(v);
    svg += fmt::format("<line class=\"grid\" x1=\"{}\" y1=\"{:.2f}\" x2=\"{}\" y2=\"{:.2f}\"/>"
                       "<text class=\"tick\" x=\"{}\" y=\"{:.2f}\" text-anchor=\"end\">{}</text>",
                       kLeft, y, kLeft + kPlotW, y, kLeft - 6, y + 4,
                       escape_xml(format_number(v, true)));
  }
  svg += fmt::format("<text class=\"axis-label\" transform=\"translate(16 {:.2f}) rotate(-90)\" "
                     "text-anchor=\"middle\">{}</text>",
                     kTop + kPlotH / 2, escape_xml(c.y_label));
  // X tick labels: at most about 12 slot numbers.
  std::size_t step = std::max<std::size_t>(1, (n + 11) / 12);
  for (std::size_t i = 0; i < n; i += step) {
    svg += fmt::format("<text class=\"tick\" x=\"{:.2f}\" y=\"{}\" text-anchor=\"middle\">{}"
                       "</text>",
                       kLeft + band * (static_cast<double>(i) + 0.5), kTop + kPlotH + 16, c.x[i]);
  }
  svg += fmt::format("<text class=\"axis-label\" x=\"{:.2f}\" y=\"{}\" text-anchor=\"middle\">"
                     "slot</text>",
                     kLeft + kPlotW / 2, kTop + kPlotH + 32);

  const double bar_w = std::max(1.0, band * (c.kind == ChartKind::Bars && c.series.size() > 1
                                                 ? 0.8 / static_cast<double>(c.series.size())
                                                 : 0.8));
  if (c.kind == ChartKind::Lines) {
    for (const auto& s : c.series) {
      std::string points;
      auto flush = [&] {
        if (!points.empty()) {
          svg += fmt::format("<polyline class=\"line\" data-series=\"{}\" fill=\"none\" "
                             "stroke=\"{}\" stroke-width=\"2\" points=\"{}\"/>",
                             escape_xml(s.name), escape_xml(s.color), points);
        }
        points.clear();
      };
      for (std::size_t i = 0; i < n && i < s.values.size(); ++i) {
        if (!s.values[i]) {
          flush();
          continue;
        }
        points += fmt::format("{}{:.2f},{:.2f}", points.empty() ? "" : " ",
                              kLeft + band * (static_cast<double>(i) + 0.5), y_of(*s.values[i]));
      }
      flush();
    }
  } else {
    for (std::size_t i = 0; i < n; ++i) {
      double base = 0;
      for (std::size_t k = 0; k < c.series.size(); ++k) {
        const auto& s = c.series[k];
        if (i >= s.values.size() || !s.values[i] || *s.values[i] <= 0) continue;
        double v = *s.values[i];
        double x = kLeft + band * static_cast<double>(i) + band * 0.1;
        if (c.kind == ChartKind::Bars) x += bar_w * static_cast<double>(k);
        double lo = c.kind == ChartKind::StackedBars ? base : 0;
        double y_top = y_of(lo + v);
        svg += fmt::format("<rect class=\"bar\" data-series=\"{}\" data-slot=\"{}\" "
                           "x=\"{:.2f}\" y=\"{:.2f}\" width=\"{:.2f}\" height=\"{:.2f}\" "
                           "fill=\"{}\"><title>slot {}: {} {}</title></rect>",
                           escape_xml(s.name), c.x[i], x, y_top, bar_w, y_of(lo) - y_top,
                           escape_xml(s.color), c.x[i], escape_xml(s.name),
                           escape_xml(format_number(v, false)));
        if (c.kind == ChartKind::StackedBars) base += v;
      }
    }
  }
  if (c.guide) {
    svg += fmt::format("<line class=\"guide\" x1=\"{}\" y1=\"{:.2f}\" x2=\"{}\" y2=\"{:.2f}\"/>",
                       kLeft, y_of(*c.guide), kLeft + kPlotW, y_of(*c.guide));
  }
  // Legend along the bottom edge.
  double lx = kLeft;
  for (const auto& s : c.series) {
    svg += fmt::format("<rect class=\"legend-key\" x=\"{:.2f}\" y=\"{}\" width=\"12\" "
                       "height=\"12\" fill=\"{}\"/><text class=\"legend\" x=\"{:.2f}\" "
                       "y=\"{}\">{}</text>",
                       lx, kHeight - 18, escape_xml(s.color), lx + 16, kHeight - 8,
                       escape_xml(s.name));
    lx += 16 + 7.5 * static_cast<double>(s.name.size()) + 18;
  }
  svg += "</svg>";
  return svg;
}

std::string render_hbars(std::string_view id, std::string_view title,
                         const std::vector<BarItem>& items, std::string_view color) {
  constexpr double kLabelW = 330, kRow = 22, kBarMax = kWidth - kLabelW - 120;
  const double h = 44 + kRow * static_cast<double>(std::max<std::size_t>(items.size(), 1));
  std::string svg = open_svg(id, title, kWidth, h);
  double top = 0;
  for (const auto& it : items)
    top = std::max(top, it.value);
  if (items.empty()) {
    svg += fmt::format("<text class=\"tick\" x=\"{}\" y=\"{}\">none</text>", kLeft, 56);
  }
  for (std::size_t i = 0; i < items.size(); ++i) {
    double y = 36 + kRow * static_cast<double>(i);
    double w = top > 0 ? items[i].value / top * kBarMax : 0;
    svg += fmt::format("<text class=\"tick\" x=\"{}\" y=\"{:.2f}\" text-anchor=\"end\">{}"
                       "</text><rect class=\"bar\" data-series=\"{}\" x=\"{}\" y=\"{:.2f}\" "
                       "width=\"{:.2f}\" height=\"{}\" fill=\"{}\"><title>{}: {}</title>"
                       "</rect><text class=\"tick\" x=\"{:.2f}\" y=\"{:.2f}\">{}</text>",
                       kLabelW - 8, y + 14, escape_xml(items[i].label), escape_xml(items[i].label),
                       kLabelW, y + 3, std::max(w, 1.0), kRow - 6, escape_xml(color),
                       escape_xml(items[i].label), escape_xml(format_number(items[i].value, false)),
                       kLabelW + w + 6, y + 14, escape_xml(format_number(items[i].value, false)));
  }
  svg += "</svg>";
  return svg;
}

} // namespace extpack::ops
