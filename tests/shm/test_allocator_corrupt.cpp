// A peer that scribbles on the allocator metadata must not make this process crash, hang or
// touch memory outside the mapping: allocations fail, frees are rejected, walks stop.
#include <cstring>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "extpack/shm/allocator.hpp"
#include "shm_test_util.hpp"

namespace extpack::shm {
namespace {

constexpr std::uint64_t MIB = 1ull << 20;

class AllocatorCorrupt : public ::testing::Test {
protected:
  void SetUp() override {
    fd_ = test::make_memfd();
    auto a = Allocator::create(fd_.get(), MIB, 4, 16384, 0);
    ASSERT_TRUE(a.ok()) << a.error().message;
    a_ = std::move(*a);
  }
  AllocHeader& header() { return *reinterpret_cast<AllocHeader*>(a_.base()); }
  AllocWorkerHeads& heads(std::uint32_t w) {
    return reinterpret_cast<AllocWorkerHeads*>(a_.base() + sizeof(AllocHeader))[w];
  }
  AllocListNode& node(std::uint32_t s) {
    return reinterpret_cast<AllocListNode*>(a_.base() + a_.layout().free_list_elements_offset)[s];
  }
  AllocSlabMeta& meta(std::uint32_t s) {
    return reinterpret_cast<AllocSlabMeta*>(a_.base() + a_.layout().slab_shared_meta_offset)[s];
  }
  std::uint16_t* stack(std::uint32_t s) {
    return reinterpret_cast<std::uint16_t*>(a_.base() + a_.layout().slab_free_stacks_offset +
                                            s * (4 + 2 * 64));
  }
  UniqueFd fd_;
  Allocator a_;
};

TEST_F(AllocatorCorrupt, GarbageGlobalHead) {
  header().global_free_list_head.store(123456);
  EXPECT_EQ(a_.allocate(10), nullptr);
  EXPECT_EQ(a_.stats().corrupt_metadata, 1u);
}

TEST_F(AllocatorCorrupt, GarbageGlobalNext) {
  node(0).global_next.store(0xDEAD);
  void* p = a_.allocate(10); // pops slab 0, installs the garbage head
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(a_.allocate(4096), nullptr); // next pop sees it
  EXPECT_GE(a_.stats().corrupt_metadata, 1u);
}

TEST_F(AllocatorCorrupt, GarbagePartialHead) {
  heads(0).heads[0].partial.store(777);
  EXPECT_EQ(a_.allocate(10), nullptr);
  EXPECT_EQ(a_.usage(0).slabs, 0u); // 777 is not a slab: the walk stops at once
  a_.clean_remote_free_lists();
  EXPECT_GE(a_.stats().corrupt_metadata, 2u);
}

TEST_F(AllocatorCorrupt, GarbageFreeStack) {
  void* p = a_.allocate(10); // slab 0, class 0, 64 slots
  ASSERT_NE(p, nullptr);
  stack(0)[0] = 60000; // top
  EXPECT_EQ(a_.allocate(10), nullptr);
  stack(0)[0] = 10;
  stack(0)[2 + 9] = 5000; // entry past the slot count
  EXPECT_EQ(a_.allocate(10), nullptr);
  EXPECT_EQ(a_.stats().corrupt_metadata, 2u);
  (void)a_.usage(0);
}

TEST_F(AllocatorCorrupt, CyclicRemoteStackAndList) {
  void* p = a_.allocate(10);
  void* q = a_.allocate(10);
  ASSERT_NE(q, nullptr);
  // Remote stack 0 -> 0 -> 0 ...: a cycle through slot 0.
  std::uint16_t zero = 0;
  std::memcpy(p, &zero, 2);
  meta(0).remote_free_stack_head.store(0);
  WorkerUsage u = a_.usage(0); // bounded walk
  EXPECT_EQ(u.slabs, 1u);
  // A list that points to itself.
  node(0).worker_local_next.store(0);
  u = a_.usage(0);
  EXPECT_LE(u.slabs, a_.layout().num_slabs);
  a_.clean_remote_free_lists(); // bounded too: the cycle ends as rejected double frees
  EXPECT_GE(a_.stats().corrupt_metadata + a_.stats().rejected_frees, 1u);
}

TEST_F(AllocatorCorrupt, DoubleRemoteFreeIsCutOff) {
  auto other = Allocator::join(fd_.get(), 1);
  ASSERT_TRUE(other.ok());
  void* p = a_.allocate(10);
  void* q = a_.allocate(10);
  ASSERT_NE(q, nullptr);
  other->free(other->ptr_from_offset(a_.offset(p)));
  other->free(other->ptr_from_offset(a_.offset(p))); // bug in the caller: p -> p cycle
  a_.clean_remote_free_lists();
  EXPECT_EQ(a_.stats().corrupt_metadata, 1u);
  EXPECT_EQ(a_.usage(0).allocations, 1u); // q is still live
  EXPECT_NE(a_.global_free_head(), 0u);   // so slab 0 was not handed back
  a_.free(q);
  EXPECT_EQ(a_.global_free_head(), 0u);
}

TEST_F(AllocatorCorrupt, GarbageSizeClassOnFree) {
  void* p = a_.allocate(10);
  meta(0).size_class_index.store(0xFFFF'FFFF'FFFFull);
  a_.free(p);
  EXPECT_EQ(a_.stats().rejected_frees, 1u);
  EXPECT_FALSE(a_.check_region(a_.offset(p), 1).ok());
}

TEST_F(AllocatorCorrupt, RandomScribblesNeverCrash) {
  // Scribble random bytes over the metadata (header excluded: join validated it and the handle
  // keeps its own copy of the layout) while allocating and freeing.
  std::mt19937_64 rng(42);
  const std::uint32_t meta_begin = sizeof(AllocHeader);
  const std::uint32_t meta_end = a_.layout().slabs_offset;
  auto other = Allocator::join(fd_.get(), 1);
  ASSERT_TRUE(other.ok());
  std::vector<void*> live;
  for (int round = 0; round < 2000; ++round) {
    for (int k = 0; k < 4; ++k) {
      const std::uint32_t at =
          meta_begin + static_cast<std::uint32_t>(rng() % (meta_end - meta_begin));
      a_.base()[at] = static_cast<std::uint8_t>(rng());
    }
    if (rng() % 50 == 0)
      header().global_free_list_head.store(static_cast<std::uint32_t>(rng() % 70));
    for (int k = 0; k < 8; ++k) {
      void* p = a_.allocate(static_cast<std::uint32_t>(rng() % 5000));
      if (p != nullptr) {
        ASSERT_GE(a_.offset(p), a_.layout().slabs_offset);
        ASSERT_LT(a_.offset(p), a_.layout().file_size);
        live.push_back(p);
      }
    }
    while (live.size() > 20) {
      void* p = live[rng() % live.size()];
      if (rng() % 2) {
        a_.free(p);
      } else {
        other->free(other->ptr_from_offset(a_.offset(p)));
      }
      live.erase(std::find(live.begin(), live.end(), p));
    }
    if (round % 10 == 0) a_.clean_remote_free_lists();
    (void)a_.usage_all();
  }
  SUCCEED() << "corrupt_metadata=" << a_.stats().corrupt_metadata;
}

} // namespace
} // namespace extpack::shm
