// Deterministic randomness for the simulator: a xoshiro256** generator seeded through
// splitmix64, and the few distributions the workload needs (uniform, normal, lognormal,
// Zipf). They are written here rather than taken from <random> because the standard
// distributions are implementation-defined: the same seed must give the same
// transactions with every standard library.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace extpack::sim {

/// splitmix64's finaliser: a bijective 64-bit mix, good enough to spread hashes.
[[nodiscard]] std::uint64_t mix64(std::uint64_t x);

/// A 64-bit value drawn from the first 8 bytes of `bytes` (e.g. a signature), mixed.
[[nodiscard]] std::uint64_t hash_prefix64(std::span<const std::uint8_t> bytes);

/// A standard normal deviate computed from one 64-bit value (Box-Muller on its halves),
/// for draws that must be a pure function of an input such as a signature.
[[nodiscard]] double normal_from_bits(std::uint64_t bits);

class Rng {
public:
  explicit Rng(std::uint64_t seed);

  [[nodiscard]] std::uint64_t next();
  /// Uniform in [0, n); n must be > 0.
  [[nodiscard]] std::uint64_t below(std::uint64_t n);
  /// Uniform in [lo, hi] (inclusive).
  [[nodiscard]] std::uint64_t between(std::uint64_t lo, std::uint64_t hi);
  /// Uniform in [0, 1).
  [[nodiscard]] double uniform();
  [[nodiscard]] bool chance(double p) { return uniform() < p; }
  [[nodiscard]] double normal() { return normal_from_bits(next()); }
  /// exp(ln(median) + sigma * N(0,1)).
  [[nodiscard]] double lognormal(double median, double sigma);

private:
  std::uint64_t s_[4];
};

/// Zipf(s) over ranks 0..n-1 (rank 0 most likely), sampled by binary search on the CDF.
class ZipfTable {
public:
  ZipfTable(std::size_t n, double s);
  [[nodiscard]] std::size_t sample(Rng& rng) const;
  [[nodiscard]] std::size_t size() const { return cdf_.size(); }

private:
  std::vector<double> cdf_;
};

} // namespace extpack::sim
