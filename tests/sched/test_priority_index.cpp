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
/// `seq_gap` makes seqs jump (0: consecutive); with `repush_old` some pushes reuse an old
/// seq, as the scheduler does when it puts a skipped entry back.
void random_operations_match_reference(std::uint64_t seq_gap, bool repush_old) {
  constexpr std::size_t N = 2000;
  PriorityIndex idx(N);
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
  EXPECT_GT(max_size, N / 2);
}

TEST(PriorityIndex, RandomOperationsMatchReference) {
  random_operations_match_reference(0, false);
  random_operations_match_reference(0, true);
  random_operations_match_reference(1'000'000'000, true); // seqs past 2^32 and far apart
}

} // namespace
} // namespace extpack::sched
