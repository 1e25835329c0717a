// EMSR-b protection counts; see protection.hpp.
#include "extpack/sched/protection.hpp"

#include <cmath>

namespace extpack::sched {
namespace {

/// Terms smaller than this share of the running sum no longer change it.
constexpr double NEGLIGIBLE = 1e-17;

/// log P(N = i). lgamma_r: std::lgamma writes the global signgam (a data race when two
/// threads run schedulers).
double log_pmf(double mean, double i) {
  int sign = 0;
  return -mean + i * std::log(mean) - ::lgamma_r(i + 1.0, &sign);
}

/// Where protection stops counting: P(N >= j) past mean + 12 sqrt(mean) + 20 is below
/// 1e-20 for every mean (Chernoff: e^-mean (e mean / j)^j), a chance no price ratio in
/// u64 ranks can make worth its room.
double protect_end(double mean) {
  return mean + 12.0 * std::sqrt(mean) + 20.0;
}

} // namespace

double poisson_tail(double mean, std::uint64_t j) {
  if (j == 0) return 1.0;
  if (!(mean > 0.0)) return 0.0; // also NaN
  if (std::isinf(mean)) return 1.0;
  const auto jd = static_cast<double>(j);
  if (mean > POISSON_EXACT_MAX_MEAN)
    return 0.5 * std::erfc((jd - 0.5 - mean) / (std::sqrt(2.0) * std::sqrt(mean)));
  if (jd > mean) {
    // Sum upward from P(N = j): terms shrink by mean / (i + 1) < 1, and every one is
    // positive, so a tail of 1e-30 keeps its digits.
    double term = std::exp(log_pmf(mean, jd)), sum = 0.0;
    for (double i = jd; term > sum * NEGLIGIBLE; i += 1.0) {
      sum += term;
      term *= mean / (i + 1.0);
    }
    return std::min(sum, 1.0);
  }
  // j <= mean: the tail is at least about 1/2, so 1 - P(N < j) loses nothing that
  // matters. Sum P(N < j) downward from P(N = j - 1): terms shrink by i / mean.
  double term = std::exp(log_pmf(mean, jd - 1.0)), below = 0.0;
  for (double i = jd - 1.0; term > below * NEGLIGIBLE; i -= 1.0) {
    below += term;
    if (i == 0.0) break;
    term *= i / mean;
  }
  return below >= 1.0 ? 0.0 : 1.0 - below;
}

std::uint64_t protected_arrivals(double mean, double above_price, double price,
                                 std::uint64_t max_j) {
  if (!(mean > 0.0) || !(above_price > price) || !(above_price > 0.0) || max_j == 0) return 0;
  if (std::isinf(mean)) return max_j;
  // The answer is the largest j with P(N >= j) > price / above_price (the tail falls as j
  // grows). Start at the last j worth counting and walk down, adding P(N = j - 1) to the
  // tail at each step: sums of positive terms, exact to rounding at any depth.
  const double ratio = price / above_price; // below 1 (checked above); 0 for a free class
  const double end = protect_end(mean);
  std::uint64_t j = end >= static_cast<double>(max_j) ? max_j : static_cast<std::uint64_t>(end);
  double tail = poisson_tail(mean, j);
  double pmf = j > 0 ? std::exp(log_pmf(mean, static_cast<double>(j))) : 0.0; // P(N = j)
  while (j > 0 && !(tail > ratio)) {
    pmf = pmf * static_cast<double>(j) / mean; // P(N = j - 1)
    --j;
    // Far above a tiny mean P(N = j) underflows to 0 (then 0 x j / mean stays 0, or is
    // NaN once j / mean overflows): compute it afresh.
    if (!(pmf > 0.0) || !std::isfinite(pmf)) pmf = std::exp(log_pmf(mean, static_cast<double>(j)));
    tail += pmf;
  }
  return j;
}

double protected_room(const ClassForecast& above, double share, double price, double left) {
  const double count = above.count * share, cost = above.cost * share;
  if (!(count > 0) || !(cost > 0) || !(above.value > 0) || !(left >= 0)) return 0;
  const double each = cost / count; // mean cost of a writer of the classes above
  // Counting further than the budget holds changes nothing (and bounds the work).
  const double most = std::min(left / each + 1.0, MAX_PROTECTED_ARRIVALS);
  const std::uint64_t j =
      protected_arrivals(count, above.value / above.cost, price, static_cast<std::uint64_t>(most));
  return static_cast<double>(j) * each;
}

} // namespace extpack::sched
