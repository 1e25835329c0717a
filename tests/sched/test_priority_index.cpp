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

TEST(PriorityIndex, RandomOperationsMatchReference) {
  constexpr std::size_t N = 2000;
  PriorityIndex idx(N);
  std::mt19937_64 rng(7);
  std::vector<std::pair<PriorityKey, EntryId>> ref;
  std::uint64_t seq = 0;
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
    int op = static_cast<int>(rng() % 3);
    if ((op == 0 || ref.empty()) && !free_ids.empty()) {
      EntryId id = free_ids.back();
      free_ids.pop_back();
      PriorityKey k{rng() % 50, seq++};
      idx.push(id, k);
      ref.push_back({k, id});
    } else if (op == 1 && !ref.empty()) {
      auto it = ref.begin() + static_cast<std::ptrdiff_t>(rng() % ref.size());
      idx.erase(it->second);
      free_ids.push_back(it->second);
      ref.erase(it);
    } else if (!ref.empty()) {
      auto it = ref_best();
      ASSERT_EQ(idx.pop_best(), it->second);
      free_ids.push_back(it->second);
      ref.erase(it);
    }
    ASSERT_EQ(idx.size(), ref.size());
    if (!ref.empty()) {
      ASSERT_EQ(idx.best(), ref_best()->second);
      ASSERT_EQ(idx.worst(), ref_worst()->second);
    }
  }
}

} // namespace
} // namespace extpack::sched
