#include "progress_bar.hpp"

#include <unistd.h>

#include <cstdio>
#include <string>

#include <fmt/format.h>

namespace extpack::apps {

namespace {
constexpr std::uint64_t kWidth = 30; // characters of bar

std::string clock_text(double seconds) {
  const auto s = static_cast<std::uint64_t>(seconds + 0.5);
  return fmt::format("{}:{:02}", s / 60, s % 60);
}
} // namespace

ProgressBar::ProgressBar(std::uint64_t total)
    : total_(total), enabled_(total > 0 && ::isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()) {}

void ProgressBar::update(std::uint64_t done) {
  if (!enabled_) return;
  if (done > total_) done = total_;
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0.0;
  const double eta = rate > 0 ? static_cast<double>(total_ - done) / rate : 0.0;
  const std::uint64_t filled = done * kWidth / total_;
  std::string bar(filled, '#');
  bar.append(kWidth - filled, '-');
  fmt::print(stderr, "\r[{}] {}/{} slots | {:.1f} slots/s | elapsed {} | ETA {} ", bar, done,
             total_, rate, clock_text(elapsed), clock_text(eta));
  std::fflush(stderr);
  drawn_ = true;
}

void ProgressBar::finish() {
  if (drawn_) {
    fmt::print(stderr, "\n");
    drawn_ = false;
  }
}

} // namespace extpack::apps
