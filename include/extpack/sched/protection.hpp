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

/// P(N >= j) for N ~ Poisson(mean). Exact (summed pmf) for mean <= POISSON_EXACT_MAX_MEAN,
/// normal approximation with continuity correction above it.
[[nodiscard]] double poisson_tail(double mean, std::uint64_t j);

/// Means above this use the normal approximation in poisson_tail(). At 64 it puts the
/// protection count within one of the exact one (tested against summed pmfs).
inline constexpr double POISSON_EXACT_MAX_MEAN = 64.0;

/// The number of future arrivals worth protecting room for: the largest j <= max_j with
/// poisson_tail(mean, j) * above_price > price, or 0 when there is none (no arrivals
/// forecast, or the better classes do not pay more). Prices are per unit of the resource.
[[nodiscard]] std::uint64_t protected_arrivals(double mean, double above_price, double price,
                                               std::uint64_t max_j);

} // namespace extpack::sched
