// PriorityIndex: best/worst order and arbitrary removal against a sorted reference.
#include <algorithm>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "extpack/sched/priority_index.hpp"

namespace extpack::sched {
namespace {

TEST(PriorityIndex, PopsInRankThenArrivalOrder) {
  PriorityIndex idx(8);
  idx.push(0, {5, 0});
  idx.push(1, {9, 1});
  idx.push(2, {5, 2});
  idx.push(3, {1, 3});
  EXPECT_EQ(idx.best(), 1u);
  EXPECT_EQ(idx.worst(), 3u);
  EXPECT_EQ(idx.pop_best(), 1u);
  EXPECT_EQ(idx.pop_best(), 0u); // same rank as 2, arrived first
  EXPECT_EQ(idx.pop_best(), 2u);
  EXPECT_EQ(idx.pop_best(), 3u);
  EXPECT_EQ(idx.pop_best(), NO_ENTRY);
  EXPECT_TRUE(idx.empty());
}

/// Random pushes, erases (random ones and the oldest) and pops against a sorted reference.
/// `tie_limit` is the index's arrival-tag range; `seq_gap` makes seqs jump (0: consecutive); with
/// `repush_old` some pushes reuse an old seq, as the scheduler does when it puts a skipped entry
/// back.
void random_operations_match_reference(std::uint32_t tie_limit, std::uint64_t seq_gap,
                                       bool repush_old, std::uint64_t expect_min_rebases) {
  constexpr std::size_t N = 2000;
  PriorityIndex idx(N, tie_limit);
  std::mt19937_64 rng(7);
  std::vector<std::pair<PriorityKey, EntryId>> ref;
  std::vector<PriorityKey> gone; // keys of entries taken out, for re-pushes
  std::uint64_t seq = 0;
  std::size_t max_size = 0;
  std::vector<EntryId> free_ids;
  for (EntryId i = 0; i < N; ++i)
    free_ids.push_back(i);
  auto ref_best = [&] {
    return std::min_element(ref.begin(), ref.end(),
                            [](const auto& a, const auto& b) { return better(a.first, b.first); });
  };
  auto ref_worst = [&] {
    return std::max_element(ref.begin(), ref.end(),
                            [](const auto& a, const auto& b) { return better(a.first, b.first); });
  };
  for (int step = 0; step < 20000; ++step) {
    // Pushes outnumber removals, so the index fills to N and its heaps get deep.
    int op = static_cast<int>(rng() % 7);
    if ((op <= 3 || ref.empty()) && !free_ids.empty()) {
      EntryId id = free_ids.back();
      free_ids.pop_back();
      PriorityKey k{rng() % 50, seq};
      seq += 1 + (seq_gap != 0 ? rng() % seq_gap : 0);
      if (repush_old && !gone.empty() && rng() % 4 == 0) {
        // An old key comes back (no two held keys share a seq: it left the index).
        const std::size_t g = rng() % gone.size();
        k = gone[g];
        gone[g] = gone.back();
        gone.pop_back();
      }
      idx.push(id, k);
      ref.push_back({k, id});
    } else if (op == 4 && !ref.empty()) {
      auto it = ref.begin() + static_cast<std::ptrdiff_t>(rng() % ref.size());
      idx.erase(it->second);
      free_ids.push_back(it->second);
      gone.push_back(it->first);
      ref.erase(it);
    } else if (op == 6 && !ref.empty()) {
      // The oldest goes (as if expired), so the oldest seq held moves up.
      auto it = std::min_element(ref.begin(), ref.end(), [](const auto& a, const auto& b) {
        return a.first.seq < b.first.seq;
      });
      idx.erase(it->second);
      free_ids.push_back(it->second);
      gone.push_back(it->first);
      ref.erase(it);
    } else if (!ref.empty()) {
      auto it = ref_best();
      ASSERT_EQ(idx.pop_best(), it->second);
      free_ids.push_back(it->second);
      gone.push_back(it->first);
      ref.erase(it);
    }
    ASSERT_EQ(idx.size(), ref.size());
    max_size = std::max(max_size, ref.size());
    if (!ref.empty()) {
      ASSERT_EQ(idx.best(), ref_best()->second);
      ASSERT_EQ(idx.worst(), ref_worst()->second);
    }
  }
  EXPECT_GE(idx.rebases(), expect_min_rebases);
  EXPECT_GT(max_size, N / 2);
}

TEST(PriorityIndex, RandomOperationsMatchReference) {
  random_operations_match_reference(PriorityIndex::DEFAULT_TIE_LIMIT, 0, false, 0);
}

// The arrival tags overflow and get rebased hundreds of times; ties across the limit and
// with re-pushed entries older than the base fall back to the full seqs.
TEST(PriorityIndex, OrderStaysExactWhenArrivalTagsOverflowAndRebase) {
  for (std::uint32_t limit : {1u, 16u, 1'000u, 4'000u}) {
    SCOPED_TRACE(limit);
    random_operations_match_reference(limit, 0, false, 1);
    random_operations_match_reference(limit, 0, true, 1);
  }
}

// Seqs far apart (most tags cannot be represented) and seqs past 2^32.
TEST(PriorityIndex, OrderStaysExactWithSparseAndHugeSeqs) {
  random_operations_match_reference(1000, 5000, true, 100);
  random_operations_match_reference(PriorityIndex::DEFAULT_TIE_LIMIT, 1'000'000'000, true, 1);
}

// Two entries of equal rank whose seqs differ by more than the tag range: the older one is
// still best, and a long-lived old entry does not make every later push rescan the heaps.
TEST(PriorityIndex, AnOldEntryDoesNotMakeEveryPushRebase) {
  PriorityIndex idx(8, 100);
  idx.push(0, {7, 5});
  for (EntryId i = 1; i < 8; ++i)
    idx.push(i, {7, 1'000 + i});
  EXPECT_EQ(idx.best(), 0u);
  EXPECT_EQ(idx.worst(), 7u);
  // One rebase at seq 1001 (base 951: the old entry is untagged from then on); the next
  // try waits until seq 1051.
  EXPECT_EQ(idx.rebases(), 1u);
  for (EntryId i = 1; i < 8; ++i)
    idx.erase(i);
  for (EntryId i = 1; i < 8; ++i)
    idx.push(i, {7, 1'100 + i}); // past 1051 and 100 after the base: one more rebase
  EXPECT_EQ(idx.rebases(), 2u);
  EXPECT_EQ(idx.pop_best(), 0u);
  for (EntryId i = 1; i < 8; ++i)
    EXPECT_EQ(idx.pop_best(), i);
}

// Seqs at the top of the 64-bit range: a seq below the base is untagged, not a wrapped
// offset, and the rebase throttle saturates instead of wrapping to 0 (which would make every
// later push rescan).
TEST(PriorityIndex, SeqsAtTheTopOfTheRangeNeitherWrapTheTagsNorTheThrottle) {
  constexpr std::uint64_t TOP = UINT64_MAX;
  PriorityIndex idx(8, 100);
  idx.push(0, {7, TOP - 5}); // rebases: base TOP - 5
  EXPECT_EQ(idx.rebases(), 1u);
  idx.push(1, {7, 3}); // 3 - base would wrap to 9, a tag that claims it is newer than 0
  EXPECT_EQ(idx.best(), 1u);
  EXPECT_EQ(idx.worst(), 0u);
  for (EntryId i = 2; i < 7; ++i)
    idx.push(i, {7, TOP - 6 + i}); // TOP - 4 .. TOP: within the limit, no rebase
  EXPECT_EQ(idx.rebases(), 1u);
  EXPECT_EQ(idx.pop_best(), 1u);
  idx.push(1, {7, 500}); // old again; with a wrapped throttle (at 44) this would rebase
  EXPECT_EQ(idx.rebases(), 1u);
  EXPECT_EQ(idx.pop_best(), 1u);
  EXPECT_EQ(idx.pop_best(), 0u);
  for (EntryId i = 2; i < 7; ++i)
    EXPECT_EQ(idx.pop_best(), i);
  EXPECT_TRUE(idx.empty());
}

// A zero limit behaves as 1 (every arrival but the base's own is untagged) and stays exact.
TEST(PriorityIndex, AZeroTieLimitActsAsOne) {
  PriorityIndex idx(4, 0);
  idx.push(0, {1, 10});
  idx.push(1, {1, 5});
  idx.push(2, {1, 20});
  EXPECT_EQ(idx.pop_best(), 1u);
  EXPECT_EQ(idx.pop_best(), 0u);
  EXPECT_EQ(idx.pop_best(), 2u);
}

} // namespace
} // namespace extpack::sched
