// FlatIdIndex against a std::unordered_map reference (including forced collisions and
// wrap-around runs, which exercise backward-shift deletion), and the container's
// steady-state admission with eviction allocating nothing.
#include <cstring>
#include <random>
#include <unordered_map>
#include <vector>

#include <gtest/gtest.h>

#include "alloc_counter.hpp"
#include "extpack/sched/container.hpp"
#include "extpack/sched/flat_index.hpp"

namespace extpack::sched {
namespace {

/// Random operations on keys whose hashes are drawn from a small set of values (so runs
/// collide, share homes and wrap around the end of the array), checked after every step.
void run_against_reference(std::uint64_t seed, std::size_t distinct_hashes, bool top_home) {
  std::mt19937_64 rng(seed);
  FlatIdIndex idx;
  idx.reserve(64); // 128 slots: runs reach the end and wrap
  std::vector<std::uint64_t> hashes;
  for (std::size_t i = 0; i < distinct_hashes; ++i) {
    // top_home: every hash has its home in the last slots, so runs wrap to slot 0.
    std::uint64_t h = rng();
    if (top_home) h |= 0xFFF0'0000'0000'0000ULL;
    hashes.push_back(h);
  }
  // key id -> hash; the "key" of id i is i itself.
  std::unordered_map<std::uint32_t, std::uint64_t> ref;
  for (int step = 0; step < 20'000; ++step) {
    const auto id = static_cast<std::uint32_t>(rng() % 120);
    auto it = ref.find(id);
    if (it == ref.end()) {
      const std::uint64_t h = hashes[rng() % hashes.size()];
      ASSERT_EQ(idx.find(h, [&](std::uint32_t x) { return x == id; }), FlatIdIndex::NONE);
      idx.insert(h, id);
      ref.emplace(id, h);
    } else if (rng() % 2 == 0) {
      ASSERT_TRUE(idx.erase(it->second, id));
      ASSERT_FALSE(idx.erase(it->second, id));
      ref.erase(it);
    }
    ASSERT_EQ(idx.size(), ref.size());
    if (step % 97 == 0) {
      for (const auto& [k, h] : ref) {
        const std::uint32_t key = k;
        ASSERT_EQ(idx.find(h, [&](std::uint32_t x) { return x == key; }), key) << "step " << step;
      }
    }
  }
  EXPECT_GT(idx.slot_count(), 2 * ref.size() - 1); // grew past 128 slots when needed
}

TEST(FlatIdIndex, MatchesReferenceWithRandomHashes) {
  run_against_reference(1, 1'000'000, false);
}

TEST(FlatIdIndex, MatchesReferenceWhenManyKeysShareAHash) {
  run_against_reference(2, 3, false);
}

TEST(FlatIdIndex, MatchesReferenceWhenRunsWrapAround) {
  run_against_reference(3, 5, true);
}

TEST(FlatIdIndex, SeedDiffersFromZeroAndHashesUseEveryWord) {
  EXPECT_NE(hash_seed(), 0u);
  std::uint8_t a[32] = {}, b[32] = {};
  const std::uint64_t base = hash_words(a, 0, 8, 16, 24, 42);
  for (std::size_t w = 0; w < 4; ++w) {
    std::memcpy(b, a, sizeof a);
    b[w * 8 + 3] ^= 1;
    EXPECT_NE(hash_words(b, 0, 8, 16, 24, 42), base) << "word " << w;
  }
  EXPECT_NE(hash_words(a, 0, 8, 16, 24, 43), base); // the seed matters
}

txn::Pubkey pk(std::uint64_t n) {
  txn::Pubkey k{};
  std::memcpy(k.data(), &n, sizeof n);
  k[31] = 7;
  return k;
}

// Admission into a full container: every insert evicts the worst, interns two new
// accounts and frees two, and adds and removes a signature. After warm-up nothing of
// that allocates.
TEST(ContainerNoAllocation, InsertWithEvictionAllocatesNothing) {
  constexpr std::size_t CAP = 4096;
  Container c(CAP);
  std::uint64_t n = 0;
  auto insert_one = [&] {
    std::array<txn::AccountLock, 3> locks{{{pk(1'000'000 + n), true},
                                           {pk(2'000'000 + n), true},
                                           {pk(3), false}}};
    NewTx t;
    t.ref = TxRef{n * 256, 200};
    t.rank = n; // rising: every newcomer beats the worst
    std::memcpy(t.signature.data(), &n, sizeof n);
    t.signature[40] = static_cast<std::uint8_t>(n);
    t.locks = locks;
    ++n;
    return c.insert(t);
  };
  for (std::size_t i = 0; i < 3 * CAP; ++i)
    ASSERT_EQ(insert_one().status, InsertStatus::Inserted);
  const std::size_t before = test::allocation_count();
  std::size_t evicted = 0;
  for (std::size_t i = 0; i < 4 * CAP; ++i) {
    InsertResult r = insert_one();
    ASSERT_EQ(r.status, InsertStatus::Inserted);
    evicted += r.evicted ? 1 : 0;
  }
  EXPECT_EQ(test::allocation_count() - before, 0u);
  EXPECT_EQ(evicted, 4 * CAP);
  EXPECT_EQ(c.size(), CAP);
  EXPECT_EQ(c.accounts().live(), 2 * CAP + 1);
}

} // namespace
} // namespace extpack::sched
