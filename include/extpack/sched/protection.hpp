// Protection levels for one resource sold to price classes that arrive over time: how much
// of a hot account's remaining per-account budget to keep for the better-paying writers
// still to come this slot, rather than spend it on the writers queued now.
//
// This is the single-resource revenue-management problem, and the rule is EMSR-b
// (Littlewood's rule applied to the aggregate of the classes above): keep room for the
// j-th future writer of the better classes while the chance that at least j of them come,
// times their mean price, beats the price of the writer that would otherwise take the
// room. The number that come is taken as Poisson with the forecast mean, so a rare but
// very valuable writer is covered too (its chance is small, its price large).
//
// Nested limits: a writer of class k may use the budget minus only the room protected for
// the classes strictly above k, so a queued writer always beats a forecast one of the same
// class.
#pragma once

#include <cstdint>

namespace extpack::sched {

/// P(N >= j) for N ~ Poisson(mean), summed from the pmf in the direction where terms
/// shrink, so far tails keep their digits. The first term comes from log space (no mean
/// underflows), which costs relative accuracy about 1e-16 x j x |ln mean| (1e-12 at mean
/// 1000, 1e-9 at 1e7). O(sqrt(mean)) terms; above POISSON_EXACT_MAX_MEAN the normal
/// approximation with continuity correction (no count of arrivals gets near it).
[[nodiscard]] double poisson_tail(double mean, std::uint64_t j);

/// Means up to this are summed exactly by poisson_tail() (a few hundred thousand terms at
/// most; far below 2^52, where adding 1 to a double index stops changing it).
inline constexpr double POISSON_EXACT_MAX_MEAN = 1e9;

/// The number of future arrivals worth protecting room for: the largest j <= max_j with
/// poisson_tail(mean, j) * above_price > price, or 0 when there is none (no arrivals
/// forecast, or the better classes do not pay more). Prices are per unit of the resource,
/// above_price > 0; arrivals whose chance is below 1e-20 are not counted (so a class with
/// price 0 protects up to about mean + 12 sqrt(mean) + 20, not max_j).
[[nodiscard]] std::uint64_t protected_arrivals(double mean, double above_price, double price,
                                               std::uint64_t max_j);

/// Most arrivals protected_room() counts.
inline constexpr double MAX_PROTECTED_ARRIVALS = 1e6;

/// What is forecast to arrive of a set of price classes: arrivals, their total cost
/// (units of the resource) and total value (cost times price).
struct ClassForecast {
  double count = 0;
  double cost = 0;
  double value = 0;
};

/// The room (units) to keep of `left` for the classes above one priced `price`, of which
/// `share` of the forecast `above` is expected to come for this resource: the
/// protected_arrivals() of writers of their mean cost and mean price, times that cost.
/// At most one writer's cost over `left`: then nothing of that class fits.
[[nodiscard]] double protected_room(const ClassForecast& above, double share, double price,
                                    double left);

} // namespace extpack::sched
