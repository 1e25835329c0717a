// The remote-free ledger (Allocator::check_reuse): a handle remembers the slots it freed
// into other ids' slabs and, when a peer hands one over again, tells "still free" (a double
// free if freed) from "allocated again" by auditing the slab — bounded and confined to the
// slab even when the owner has written garbage into its chain and free stack.
#include <cstring>
#include <set>
#include <vector>

#include <gtest/gtest.h>

#include "extpack/shm/allocator.hpp"
#include "shm_test_util.hpp"

namespace extpack::shm {
namespace {

constexpr std::uint64_t MIB = 1ull << 20;
constexpr std::uint32_t SLAB = 16384; // 64 slots of 256 bytes

class AllocatorLedger : public ::testing::Test {
protected:
  void SetUp() override {
    fd_ = test::make_memfd();
    auto a = Allocator::create(fd_.get(), MIB, 4, SLAB, 0);
    ASSERT_TRUE(a.ok()) << a.error().message;
    owner_ = std::move(*a);
    auto b = Allocator::join(fd_.get(), 1);
    ASSERT_TRUE(b.ok()) << b.error().message;
    peer_ = std::move(*b);
  }
  std::uint64_t alloc(std::uint32_t size = 100) {
    void* p = owner_.allocate(size);
    EXPECT_NE(p, nullptr);
    return owner_.offset(p);
  }
  void peer_free(std::uint64_t off) { peer_.free(peer_.ptr_from_offset(off)); }
  std::uint32_t slab_of(std::uint64_t off) const {
    return static_cast<std::uint32_t>((off - owner_.layout().slabs_offset) / SLAB);
  }
  std::uint16_t* stack(std::uint32_t s) {
    return reinterpret_cast<std::uint16_t*>(owner_.base() +
                                            owner_.layout().slab_free_stacks_offset +
                                            std::uint64_t{s} * (4 + 2 * (SLAB / 256)));
  }
  AllocSlabMeta& meta(std::uint32_t s) {
    return reinterpret_cast<AllocSlabMeta*>(owner_.base() +
                                            owner_.layout().slab_shared_meta_offset)[s];
  }
  std::uint16_t& link(std::uint64_t off) {
    return *reinterpret_cast<std::uint16_t*>(owner_.base() + off);
  }
  UniqueFd fd_;
  Allocator owner_;
  Allocator peer_;
};

TEST_F(AllocatorLedger, OnlyRemoteFreesAreRecorded) {
  const std::uint64_t a = alloc(), b = alloc();
  EXPECT_EQ(peer_.check_reuse(a), ReuseCheck::NotFreedHere);
  owner_.free(owner_.ptr_from_offset(a)); // local: not the peer's doing
  EXPECT_FALSE(peer_.ledger_has(a));
  EXPECT_FALSE(owner_.ledger_has(a));
  peer_free(b);
  EXPECT_TRUE(peer_.ledger_has(b));
  EXPECT_FALSE(owner_.ledger_has(b));
  EXPECT_EQ(peer_.stats().reuse_audits, 0u);
}

TEST_F(AllocatorLedger, StillFreeOnTheChainThenOnTheStackThenReallocated) {
  const std::uint64_t keep = alloc();
  const std::uint64_t x = alloc();
  peer_free(x);
  EXPECT_EQ(peer_.check_reuse(x), ReuseCheck::StillFree); // on the remote-free chain
  owner_.clean_remote_free_lists();
  EXPECT_EQ(peer_.check_reuse(x), ReuseCheck::StillFree); // on the owner's free stack
  EXPECT_EQ(peer_.stats().reuse_audits, 2u);
  EXPECT_EQ(alloc(), x); // LIFO: the owner gets x back
  EXPECT_EQ(peer_.check_reuse(x), ReuseCheck::Reallocated);
  EXPECT_FALSE(peer_.ledger_has(x));
  EXPECT_EQ(peer_.check_reuse(x), ReuseCheck::NotFreedHere); // no audit now
  EXPECT_EQ(peer_.stats().reuse_audits, 3u);
  EXPECT_EQ(peer_.stats().reuse_cleared, 1u);
  owner_.free(owner_.ptr_from_offset(x));
  owner_.free(owner_.ptr_from_offset(keep));
  EXPECT_EQ(owner_.usage(0).allocations, 0u);
  EXPECT_EQ(owner_.stats().corrupt_metadata, 0u);
}

TEST_F(AllocatorLedger, OneAuditClearsEverySlotAllocatedAgain) {
  const std::uint64_t keep = alloc();
  std::vector<std::uint64_t> xs;
  for (int i = 0; i < 20; ++i)
    xs.push_back(alloc());
  for (auto x : xs)
    peer_free(x);
  owner_.clean_remote_free_lists();
  std::set<std::uint64_t> again;
  for (int i = 0; i < 15; ++i)
    again.insert(alloc()); // 15 of the 20 come back
  std::size_t reallocated = 0, still_free = 0;
  for (auto x : xs) {
    const ReuseCheck r = peer_.check_reuse(x);
    EXPECT_EQ(r == ReuseCheck::StillFree, again.count(x) == 0) << x;
    reallocated += r != ReuseCheck::StillFree ? 1 : 0;
    still_free += r == ReuseCheck::StillFree ? 1 : 0;
  }
  EXPECT_EQ(reallocated, 15u);
  EXPECT_EQ(still_free, 5u);
  EXPECT_EQ(peer_.stats().reuse_cleared, 15u);
  // First call audits and clears the 15; each of the 5 still-free ones audits again.
  EXPECT_EQ(peer_.stats().reuse_audits, 1u + 5u - (again.count(xs[0]) == 0 ? 1u : 0u));
  for (auto x : again)
    owner_.free(owner_.ptr_from_offset(x));
  owner_.free(owner_.ptr_from_offset(keep));
  EXPECT_EQ(owner_.usage(0).allocations, 0u);
}

TEST_F(AllocatorLedger, SlabTakenBySelfDropsItsEntries) {
  const std::uint64_t x = alloc();
  peer_free(x);
  owner_.clean_remote_free_lists(); // empty: back to the global list
  void* p = peer_.allocate(100);    // the peer takes that very slab
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(slab_of(peer_.offset(p)), slab_of(x));
  EXPECT_FALSE(peer_.ledger_has(x));
  peer_.free(p);
}

TEST_F(AllocatorLedger, HostileChainAndStackStayBounded) {
  const std::uint64_t base = alloc(); // slot 0
  std::vector<std::uint64_t> xs;
  for (int i = 0; i < 6; ++i)
    xs.push_back(alloc()); // slots 1..6
  for (auto x : xs)
    peer_free(x); // chain 6 -> 5 -> ... -> 1 -> NULL
  const std::uint32_t s = slab_of(base);
  // The owner turns the chain into a cycle 1 -> 6 -> ... -> 1, and writes a free-stack
  // top far above the slot count with entries out of range.
  link(xs[0]) = static_cast<std::uint16_t>(6);
  std::uint16_t* st = stack(s);
  st[0] = 60000;
  for (int i = 0; i < 64; ++i)
    st[2 + i] = static_cast<std::uint16_t>(1000 + i);
  EXPECT_EQ(peer_.check_reuse(xs[2]), ReuseCheck::StillFree);
  // Each scan reads at most 64 links and 64 entries; at most two scans.
  EXPECT_LE(peer_.stats().reuse_audit_reads, 2u * (64 + 64));
  // A garbage size class: the audit cannot tell free from allocated and keeps the entry.
  meta(s).size_class_index.store(9);
  EXPECT_EQ(peer_.check_reuse(xs[4]), ReuseCheck::StillFree);
  EXPECT_EQ(peer_.stats().corrupt_metadata, 1u);
  meta(s).size_class_index.store(0);
  // A head out of range and an empty stack: by the format nothing is free, so every entry
  // counts as allocated again.
  meta(s).remote_free_stack_head.store(50000);
  st[0] = 0;
  EXPECT_EQ(peer_.check_reuse(xs[3]), ReuseCheck::Reallocated);
  EXPECT_FALSE(peer_.ledger_has(xs[5]));
}

} // namespace
} // namespace extpack::shm
