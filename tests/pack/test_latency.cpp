// The runtime's latency histograms: time to inclusion (one sample per included
// transaction, timed from the poll that read it) and scheduling-pass duration (one sample
// per pass), both fixed-bucket histograms inside PackStats.
#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "mock_validator.hpp"
#include "tx_builder.hpp"

namespace extpack::pack {
namespace {

using test::build_tx;
using test::MockValidator;
namespace nir = abi::not_included_reasons;

std::unique_ptr<PackRuntime> make_runtime(MockValidator& v) {
  return std::make_unique<PackRuntime>(v.pack, test::test_runtime_config(),
                                       sched::make_policy("extpack"));
}

std::uint64_t bucket_total(const LatencyHistogram& h) {
  std::uint64_t t = 0;
  for (std::size_t i = 0; i <= h.bounds; ++i)
    t += h.buckets[i];
  return t;
}

/// Answers every batch pack sent to any worker, with `reason` for each transaction.
std::size_t answer_all(MockValidator& v, std::uint32_t workers, std::uint8_t reason) {
  std::size_t n = 0;
  for (std::uint32_t w = 0; w < workers; ++w) {
    for (auto& b : v.take(w)) {
      v.answer(w, b, std::vector<std::uint8_t>(b.batch.num_transactions, reason));
      n += b.batch.num_transactions;
    }
  }
  return n;
}

TEST(LatencyHistogram, BucketBoundsAreInclusiveAndTheLastCatchesTheRest) {
  LatencyHistogram h{1'000, 17}; // 1 us .. 65.536 ms
  EXPECT_EQ(h.bucket_of(0), 0u);
  EXPECT_EQ(h.bucket_of(1'000), 0u);
  EXPECT_EQ(h.bucket_of(1'001), 1u);
  EXPECT_EQ(h.bucket_of(2'000), 1u);
  EXPECT_EQ(h.bucket_of(2'001), 2u);
  EXPECT_EQ(h.bucket_of(3'000), 2u);
  EXPECT_EQ(h.bucket_of(4'000), 2u);
  EXPECT_EQ(h.bucket_of(65'536'000), 16u);
  EXPECT_EQ(h.bucket_of(65'536'001), 17u);
  EXPECT_EQ(h.bucket_of(UINT64_MAX), 17u);
  EXPECT_EQ(h.bound_ns(16), 65'536'000u);

  for (int i = 0; i < 50; ++i)
    h.record(1'500);
  for (int i = 0; i < 49; ++i)
    h.record(3'000);
  h.record(1'000'000'000);
  EXPECT_EQ(h.count, 100u);
  EXPECT_EQ(h.sum_ns, 50u * 1'500 + 49u * 3'000 + 1'000'000'000u);
  EXPECT_EQ(h.buckets[1], 50u);
  EXPECT_EQ(h.buckets[2], 49u);
  EXPECT_EQ(h.buckets[17], 1u);
  EXPECT_EQ(h.quantile_bound_ns(0.50), 2'000u);
  EXPECT_EQ(h.quantile_bound_ns(0.51), 4'000u);
  EXPECT_EQ(h.quantile_bound_ns(0.99), 4'000u);
  EXPECT_EQ(h.quantile_bound_ns(1.0), 1'000'000'000u); // beyond the last bound: the max
  EXPECT_EQ(LatencyHistogram(1'000, 17).quantile_bound_ns(0.5), 0u);
}

TEST(PackLatency, OneInclusionSamplePerIncludedTransactionAndOnePassSamplePerPass) {
  MockValidator v;
  auto rt = make_runtime(v);
  std::uint32_t salt = 0;
  // Three leader slots of 20 transactions each. The first answer of slot 10 includes all,
  // of slot 11 asks for a retry (included by the next answer), of slot 12 drops all.
  const std::uint8_t first_answer[] = {nir::NONE, nir::ACCOUNT_IN_USE, nir::ALREADY_PROCESSED};
  for (std::uint64_t slot = 10; slot < 13; ++slot) {
    for (std::uint32_t i = 0; i < 20; ++i, ++salt)
      v.send_tx(build_tx({.payer = 1000 + salt, .salt = salt}));
    v.progress(true, slot);
    test::poll(*rt);
    EXPECT_EQ(answer_all(v, 2, first_answer[slot - 10]), 20u);
    test::poll(*rt);
    answer_all(v, 2, nir::NONE);
    test::poll(*rt);
  }
  rt->shutdown();
  const sched::SchedCounters& c = rt->scheduler().counters();
  const PackStats& s = rt->stats();
  ASSERT_EQ(c.included, 40u); // the 20 not included are no samples
  EXPECT_EQ(s.time_to_inclusion.count, c.included);
  EXPECT_EQ(bucket_total(s.time_to_inclusion), c.included);
  EXPECT_GE(s.time_to_inclusion.max_ns * c.included, s.time_to_inclusion.sum_ns);

  EXPECT_GT(c.pass.passes, 0u);
  EXPECT_EQ(s.schedule_pass.count, c.pass.passes);
  EXPECT_EQ(bucket_total(s.schedule_pass), c.pass.passes);

  const nlohmann::json j = rt->stats_json();
  EXPECT_EQ(j["time_to_inclusion_ms"]["count"].get<std::uint64_t>(),
            j["included"].get<std::uint64_t>());
  EXPECT_EQ(j["schedule_pass_us"]["count"].get<std::uint64_t>(),
            j["schedule_passes"]["passes"].get<std::uint64_t>());
  EXPECT_LE(j["time_to_inclusion_ms"]["p50"].get<double>(),
            j["time_to_inclusion_ms"]["p99"].get<double>());
  EXPECT_EQ(v.outstanding(), 0u);
}

TEST(PackLatency, EachTransactionIsTimedFromThePollThatReadIt) {
  MockValidator v(1);
  auto rt = make_runtime(v);
  v.send_tx(build_tx({.payer = 1, .salt = 1}));
  v.progress(false, 5); // not leader: A is read and held
  test::poll(*rt);
  ASSERT_EQ(rt->stats().received, 1u);
  constexpr auto GAP = std::chrono::milliseconds(20);
  std::this_thread::sleep_for(GAP);
  v.send_tx(build_tx({.payer = 2, .salt = 2}));
  v.progress(true, 6);
  test::poll(*rt);
  auto batches = v.take(0);
  ASSERT_EQ(batches.size(), 1u);
  ASSERT_EQ(batches[0].batch.num_transactions, 2u);
  v.answer(0, batches[0], {nir::NONE, nir::NONE});
  test::poll(*rt);

  // Both were answered by one response, so the difference of their samples is the
  // difference of their arrivals: at least the gap. sum = a + b and max = a.
  const LatencyHistogram& h = rt->stats().time_to_inclusion;
  ASSERT_EQ(h.count, 2u);
  const std::uint64_t a = h.max_ns;
  const std::uint64_t b = h.sum_ns - a;
  EXPECT_GE(a - b, static_cast<std::uint64_t>(std::chrono::nanoseconds(GAP).count()))
      << "a " << a << " ns, b " << b << " ns";
  EXPECT_GE(h.quantile_bound_ns(1.0), a);
  rt->shutdown();
  EXPECT_EQ(v.outstanding(), 0u);
}

} // namespace
} // namespace extpack::pack
