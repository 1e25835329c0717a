// extpack-bench-report: runs Google Benchmark suites with repetitions and writes a Markdown
// report (median, min and max of every benchmark, its counters, and the machine it ran on),
// so the numbers quoted in the README come from a run anyone can repeat:
//   extpack-bench-report --out docs/PERFORMANCE.md out/release/bin/bench_*
#include <sys/utsname.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

struct Series {
  std::string time_unit;
  std::vector<double> real_time;
  std::map<std::string, std::vector<double>> counters;
};

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::string human(double x) {
  const double a = x < 0 ? -x : x;
  if (a >= 1e9) return fmt::format("{:.2f}G", x / 1e9);
  if (a >= 1e6) return fmt::format("{:.2f}M", x / 1e6);
  if (a >= 1e3) return fmt::format("{:.2f}k", x / 1e3);
  return fmt::format("{:.3g}", x);
}

std::string read_first_line(const fs::path& p, const std::string& prefix) {
  std::ifstream in(p);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(prefix, 0) == 0) {
      auto colon = line.find(':');
      return colon == std::string::npos ? line : line.substr(colon + 2);
    }
  }
  return "unknown";
}

std::string machine_description() {
  utsname u{};
  ::uname(&u);
  return fmt::format("{} ({} logical CPUs), Linux {} {}",
                     read_first_line("/proc/cpuinfo", "model name"),
                     std::thread::hardware_concurrency(), u.release, u.machine);
}

/// Runs one suite and returns its JSON, or an error text.
std::optional<json> run_suite(const fs::path& bin, int reps, const std::string& filter,
                              double min_time, std::string& err) {
  const fs::path tmp = fs::temp_directory_path() / fmt::format("bench-{}.json", ::getpid());
  std::string cmd =
      fmt::format("'{}' --benchmark_repetitions={} --benchmark_min_time={} --benchmark_out='{}' "
                  "--benchmark_out_format=json --benchmark_format=console",
                  bin.string(), reps, min_time, tmp.string());
  if (!filter.empty()) cmd += fmt::format(" --benchmark_filter='{}'", filter);
  cmd += " >&2";
  int status = std::system(cmd.c_str());
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    err = fmt::format("{} failed (status {})", bin.string(), status);
    return std::nullopt;
  }
  std::ifstream in(tmp);
  std::stringstream text;
  text << in.rdbuf();
  fs::remove(tmp);
  // Google Benchmark writes the spread of a counter that is constant (its cv) as a bare NaN,
  // which is not JSON; such values become null (and are then not numbers, so not shown).
  static const std::regex not_a_number(R"((:\s*)-?(NaN|nan|inf|Infinity)\b)");
  auto j = json::parse(std::regex_replace(text.str(), not_a_number, "$1null"), nullptr, false);
  if (j.is_discarded()) {
    err = fmt::format("{} wrote no valid JSON", bin.string());
    return std::nullopt;
  }
  return j;
}

} // namespace

int main(int argc, char** argv) {
  std::vector<std::string> suites;
  std::string out = "docs/PERFORMANCE.md";
  std::string filter;
  int reps = 5;
  double min_time = 0.2;
  CLI::App app{"Run Google Benchmark suites and write a Markdown report"};
  app.add_option("suites", suites, "Benchmark executables to run")->required();
  app.add_option("--out", out, "Markdown file to write");
  app.add_option("--repetitions", reps, "Repetitions per benchmark (median of these)")
      ->check(CLI::Range(1, 100));
  app.add_option("--min-time", min_time, "Minimum seconds per repetition");
  app.add_option("--filter", filter, "Benchmark name filter (regex)");
  CLI11_PARSE(app, argc, argv);

  std::ostringstream md;
  std::time_t now = std::time(nullptr);
  char date[64];
  std::strftime(date, sizeof(date), "%Y-%m-%d %H:%M UTC", std::gmtime(&now));
  md << "# extpack performance\n\n";
  md << fmt::format("Generated {} by `extpack-bench-report` on {}. Each figure is the median of "
                    "{} repetitions (min and max beside it); compare only figures from the same "
                    "run.\n",
                    date, machine_description(), reps);
  int failures = 0;
  for (const auto& s : suites) {
    std::string err;
    auto j = run_suite(s, reps, filter, min_time, err);
    md << fmt::format("\n## {}\n\n", fs::path(s).filename().string());
    if (!j) {
      md << "Failed: " << err << "\n";
      ++failures;
      continue;
    }
    std::map<std::string, Series> by_name;
    std::vector<std::string> order;
    for (const auto& b : (*j)["benchmarks"]) {
      if (b.value("run_type", "") != "iteration") continue;
      const std::string name = b.value("run_name", b.value("name", "?"));
      if (!by_name.count(name)) order.push_back(name);
      auto& series = by_name[name];
      series.time_unit = b.value("time_unit", "ns");
      series.real_time.push_back(b.value("real_time", 0.0));
      for (const auto& [k, v] : b.items()) {
        static const std::vector<std::string> skip = {
            "name",           "run_name",         "run_type",
            "repetitions",    "repetition_index", "threads",
            "iterations",     "real_time",        "cpu_time",
            "time_unit",      "family_index",     "per_family_instance_index",
            "aggregate_name", "aggregate_unit"};
        if (v.is_number() && std::find(skip.begin(), skip.end(), k) == skip.end()) {
          series.counters[k].push_back(v.get<double>());
        }
      }
    }
    md << "| benchmark | median | min | max | counters (median) |\n|---|---|---|---|---|\n";
    for (const auto& name : order) {
      const auto& s2 = by_name[name];
      auto [mn, mx] = std::minmax_element(s2.real_time.begin(), s2.real_time.end());
      std::string counters;
      for (const auto& [k, v] : s2.counters) {
        counters += fmt::format("{}{}={}", counters.empty() ? "" : ", ", k, human(median(v)));
      }
      md << fmt::format("| `{}` | {:.1f} {} | {:.1f} | {:.1f} | {} |\n", name, median(s2.real_time),
                        s2.time_unit, *mn, *mx, counters);
    }
  }
  std::ofstream f(out);
  f << md.str();
  fmt::print("wrote {}\n", out);
  return failures == 0 ? 0 : 1;
}
