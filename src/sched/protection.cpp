// EMSR-b protection counts; see protection.hpp.
#include "extpack/sched/protection.hpp"

#include <cmath>

namespace extpack::sched {
namespace {

/// Where the exact sums stop: past mean + 12 sqrt(mean) + 20 the Poisson tail is below
/// 1e-20 for every mean up to POISSON_EXACT_MAX_MEAN (Chernoff: e^-mean (e mean / k)^k),
/// and it counts as 0, so the sums end and rounding cannot keep 1 - P(N < j) positive.
double exact_end(double mean) {
  return mean + 12.0 * std::sqrt(mean) + 20.0;
}

} // namespace

double poisson_tail(double mean, std::uint64_t j) {
  if (j == 0) return 1.0;
  if (!(mean > 0.0)) return 0.0; // also NaN
  if (std::isinf(mean)) return 1.0;
  if (mean > POISSON_EXACT_MAX_MEAN) {
    const double z = (static_cast<double>(j) - 0.5 - mean) / std::sqrt(2.0 * mean);
    return 0.5 * std::erfc(z);
  }
  // P(N < j) by the pmf recurrence; exp(-64) is far from underflow.
  const double end = exact_end(mean);
  double term = std::exp(-mean), below = 0.0;
  for (std::uint64_t i = 0; i < j; ++i) {
    below += term;
    if (static_cast<double>(i) > end) return 0.0;
    term *= mean / static_cast<double>(i + 1);
  }
  return below >= 1.0 ? 0.0 : 1.0 - below;
}

std::uint64_t protected_arrivals(double mean, double above_price, double price,
                                 std::uint64_t max_j) {
  if (!(mean > 0.0) || !(above_price > price) || max_j == 0) return 0;
  // poisson_tail falls as j grows, so the answer is where the condition first fails.
  const auto worth = [&](std::uint64_t j) { return poisson_tail(mean, j) * above_price > price; };
  if (mean <= POISSON_EXACT_MAX_MEAN) {
    // Incremental scan, the same sum as poisson_tail(), so it ends by exact_end(mean).
    const double end = exact_end(mean);
    double term = std::exp(-mean), below = 0.0;
    std::uint64_t j = 0;
    while (j < max_j) {
      below += term; // P(N <= j) = P(N < j + 1)
      if (static_cast<double>(j) > end || (1.0 - below) * above_price <= price) break;
      ++j;
      term *= mean / static_cast<double>(j);
    }
    return j;
  }
  std::uint64_t lo = 0, hi = max_j; // worth(lo) holds (j = 0 always does); find the last
  if (worth(hi)) return hi;
  while (hi - lo > 1) {
    const std::uint64_t mid = lo + (hi - lo) / 2;
    (worth(mid) ? lo : hi) = mid;
  }
  return lo;
}

} // namespace extpack::sched
