// rts-alloc file format: the layout computation, the bytes create() writes, and join()'s
// validation of a file it did not create (protocol-3.1.md §4.1, §4.2, §4.4).
#include <cstring>
#include <string>

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include "extpack/shm/allocator.hpp"
#include "shm_test_util.hpp"

namespace extpack::shm {
namespace {

using test::make_memfd;

constexpr std::uint64_t GIB = 1ull << 30;
constexpr std::uint64_t MIB = 1ull << 20;

template <typename T> T read_at(const UniqueFd& fd, off_t off) {
  T v{};
  EXPECT_EQ(::pread(fd.get(), &v, sizeof v, off), static_cast<ssize_t>(sizeof v));
  return v;
}
template <typename T> void write_at(const UniqueFd& fd, off_t off, T v) {
  ASSERT_EQ(::pwrite(fd.get(), &v, sizeof v, off), static_cast<ssize_t>(sizeof v));
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

TEST(AllocatorLayout, SpecWorkedExample) {
  // §4.2: 1 GiB file, 2 MiB slabs, W = 4 workers + H = 3 handles + 1 TPU = 8 ids.
  auto l = AllocatorLayout::compute(GIB, AGAVE_SLAB_SIZE, 8);
  ASSERT_TRUE(l.ok()) << l.error().message;
  EXPECT_EQ(l->free_list_elements_offset, 640u);
  EXPECT_EQ(l->slab_shared_meta_offset, 6784u);
  EXPECT_EQ(l->slab_free_stacks_offset, 72192u);
  EXPECT_EQ(l->slabs_offset, 10'485'760u);
  EXPECT_EQ(l->num_slabs, 507u);
  EXPECT_EQ(l->num_workers, 8u);
  EXPECT_EQ(l->slab_size, AGAVE_SLAB_SIZE);
  EXPECT_EQ(l->file_size, GIB);
}

TEST(AllocatorLayout, SmallSlabs) {
  // Hand-computed: 1 MiB, 16 KiB slabs, 4 workers. ub = 63; 128 + 256 = 384 -> free list 384;
  // +12*63 = 1140 -> meta 1152; +128*63 = 9216 -> stacks 9216; +132*63 = 17532 -> slabs 32768;
  // num_slabs = (1048576 - 32768) / 16384 = 62.
  auto l = AllocatorLayout::compute(MIB, 16384, 4);
  ASSERT_TRUE(l.ok()) << l.error().message;
  EXPECT_EQ(l->free_list_elements_offset, 384u);
  EXPECT_EQ(l->slab_shared_meta_offset, 1152u);
  EXPECT_EQ(l->slab_free_stacks_offset, 9216u);
  EXPECT_EQ(l->slabs_offset, 32768u);
  EXPECT_EQ(l->num_slabs, 62u);
}

TEST(AllocatorLayout, FileSizeNotAMultipleOfSlabSize) {
  // The tail past the last whole slab is unused; ub uses the floor.
  auto a = AllocatorLayout::compute(GIB + 12345, AGAVE_SLAB_SIZE, 8);
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->num_slabs, 507u);
  EXPECT_EQ(a->slabs_offset, 10'485'760u);
}

TEST(AllocatorLayout, LargestAcceptedFile) {
  // Just under 4 GiB: the u32 truncation is a no-op and nothing wraps.
  const std::uint64_t size = (4 * GIB) - AGAVE_SLAB_SIZE;
  auto l = AllocatorLayout::compute(size, AGAVE_SLAB_SIZE, 193);
  ASSERT_TRUE(l.ok()) << l.error().message;
  EXPECT_EQ(std::uint64_t{l->slabs_offset} + std::uint64_t{l->num_slabs} * AGAVE_SLAB_SIZE <= size,
            true);
  EXPECT_GT(l->num_slabs, 2000u);
}

TEST(AllocatorLayout, RejectsBadSlabSizes) {
  for (std::uint32_t bad : {0u, 3u * 16384u, 8192u, 16u * 1024u * 1024u}) {
    auto l = AllocatorLayout::compute(GIB, bad, 8);
    ASSERT_FALSE(l.ok()) << bad;
    EXPECT_TRUE(contains(l.error().message, "InvalidSlabSize")) << l.error().message;
    EXPECT_TRUE(contains(l.error().message, std::to_string(bad))) << l.error().message;
  }
  EXPECT_TRUE(AllocatorLayout::compute(GIB, 16384, 8).ok());
  EXPECT_TRUE(AllocatorLayout::compute(GIB, 8u << 20, 8).ok()); // 32768 slots <= 65535
}

TEST(AllocatorLayout, RejectsZeroWorkers) {
  auto l = AllocatorLayout::compute(GIB, AGAVE_SLAB_SIZE, 0);
  ASSERT_FALSE(l.ok());
  EXPECT_TRUE(contains(l.error().message, "InvalidNumWorkers")) << l.error().message;
}

TEST(AllocatorLayout, RejectsFilesAtOrAbove4GiB) {
  for (std::uint64_t size : {4 * GIB, 4 * GIB + AGAVE_SLAB_SIZE, 6 * GIB}) {
    auto l = AllocatorLayout::compute(size, AGAVE_SLAB_SIZE, 8);
    ASSERT_FALSE(l.ok()) << size;
    EXPECT_TRUE(contains(l.error().message, "InvalidFileSize")) << l.error().message;
    EXPECT_TRUE(contains(l.error().message, std::to_string(size))) << l.error().message;
  }
}

TEST(AllocatorLayout, RejectsFilesBelowTwoSlabs) {
  for (std::uint64_t size : std::initializer_list<std::uint64_t>{
           0, 1, AGAVE_SLAB_SIZE - 1, AGAVE_SLAB_SIZE, 2ull * AGAVE_SLAB_SIZE - 1}) {
    auto l = AllocatorLayout::compute(size, AGAVE_SLAB_SIZE, 8);
    ASSERT_FALSE(l.ok()) << size;
    EXPECT_TRUE(contains(l.error().message, "fewer than 2 slabs")) << l.error().message;
  }
  // Two slabs: one for metadata, one usable.
  auto two = AllocatorLayout::compute(2ull * AGAVE_SLAB_SIZE, AGAVE_SLAB_SIZE, 8);
  ASSERT_TRUE(two.ok()) << two.error().message;
  EXPECT_EQ(two->num_slabs, 1u);
}

TEST(AllocatorLayout, RejectsMetadataThatFillsTheFile) {
  // 2 slabs of 16 KiB but 256 workers: the worker heads alone take 16 KiB.
  auto l = AllocatorLayout::compute(2 * 16384, 16384, 256);
  ASSERT_FALSE(l.ok());
  EXPECT_TRUE(contains(l.error().message, "InvalidFileSize")) << l.error().message;
}

// ---- create --------------------------------------------------------------------------------

TEST(AllocatorCreate, WritesTheSpecBytes) {
  auto fd = make_memfd();
  auto a = Allocator::create(fd.get(), GIB, 8, AGAVE_SLAB_SIZE, 0);
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(file_size(fd.get()).value(), GIB);

  unsigned char magic[8];
  ASSERT_EQ(::pread(fd.get(), magic, 8, 0), 8);
  const unsigned char expect_magic[8] = {0x63, 0x6f, 0x6c, 0x61, 0x73, 0x74, 0x72, 0x00};
  EXPECT_EQ(std::memcmp(magic, expect_magic, 8), 0);
  EXPECT_EQ(read_at<std::uint32_t>(fd, 8), 1u);         // version
  EXPECT_EQ(read_at<std::uint32_t>(fd, 12), 8u);        // num_workers
  EXPECT_EQ(read_at<std::uint32_t>(fd, 16), 507u);      // num_slabs
  EXPECT_EQ(read_at<std::uint32_t>(fd, 20), 2097152u);  // slab_size
  EXPECT_EQ(read_at<std::uint32_t>(fd, 24), 640u);      // free_list_elements_offset
  EXPECT_EQ(read_at<std::uint32_t>(fd, 28), 6784u);     // slab_shared_meta_offset
  EXPECT_EQ(read_at<std::uint32_t>(fd, 32), 72192u);    // slab_free_stacks_offset
  EXPECT_EQ(read_at<std::uint32_t>(fd, 36), 10485760u); // slabs_offset
  for (off_t o = 40; o < 64; ++o)
    EXPECT_EQ(read_at<std::uint8_t>(fd, o), 0u) << o;
  EXPECT_EQ(read_at<std::uint32_t>(fd, 64), 0u); // global head = slab 0
  // Every worker's 10 heads are NULL_U32; the block padding stays zero.
  for (std::uint32_t w = 0; w < 8; ++w) {
    for (off_t k = 0; k < 10; ++k) {
      EXPECT_EQ(read_at<std::uint32_t>(fd, 128 + 64 * w + 4 * k), ALLOC_NULL_U32) << w << ":" << k;
    }
    EXPECT_EQ(read_at<std::uint32_t>(fd, 128 + 64 * w + 40), 0u);
  }
  // Global list 0 -> 1 -> ... -> 506 -> NULL; local links NULL.
  for (std::uint32_t s = 0; s < 507; ++s) {
    const off_t n = 640 + 12 * s;
    EXPECT_EQ(read_at<std::uint32_t>(fd, n), s + 1 == 507 ? ALLOC_NULL_U32 : s + 1) << s;
    EXPECT_EQ(read_at<std::uint32_t>(fd, n + 4), ALLOC_NULL_U32) << s;
    EXPECT_EQ(read_at<std::uint32_t>(fd, n + 8), ALLOC_NULL_U32) << s;
    const off_t m = 6784 + 128 * s;
    EXPECT_EQ(read_at<std::uint32_t>(fd, m), ALLOC_NULL_U32) << s;      // assigned_worker
    EXPECT_EQ(read_at<std::uint64_t>(fd, m + 8), 0u) << s;              // size_class_index
    EXPECT_EQ(read_at<std::uint16_t>(fd, m + 64), ALLOC_NULL_U16) << s; // remote head
  }
  // Free stacks are lazily initialised: still zero.
  EXPECT_EQ(read_at<std::uint32_t>(fd, 72192), 0u);
}

TEST(AllocatorCreate, FirstAllocationInitialisesSlabZero) {
  auto fd = make_memfd();
  auto a = Allocator::create(fd.get(), GIB, 8, AGAVE_SLAB_SIZE, 3);
  ASSERT_TRUE(a.ok()) << a.error().message;
  void* p = a->allocate(100);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(a->offset(p), 10'485'760u);                            // slab 0, slot 0
  EXPECT_EQ(read_at<std::uint32_t>(fd, 64), 1u);                   // global head moved on
  EXPECT_EQ(read_at<std::uint32_t>(fd, 6784), 3u);                 // assigned_worker
  EXPECT_EQ(read_at<std::uint64_t>(fd, 6784 + 8), 0u);             // class 0
  EXPECT_EQ(read_at<std::uint32_t>(fd, 128 + 64 * 3), 0u);         // partial[0] = slab 0
  EXPECT_EQ(read_at<std::uint32_t>(fd, 640), ALLOC_NULL_U32);      // popped: global_next NULL
  EXPECT_EQ(read_at<std::uint16_t>(fd, 72192), 8191u);             // top
  EXPECT_EQ(read_at<std::uint16_t>(fd, 72192 + 2), 8192u);         // capacity
  EXPECT_EQ(read_at<std::uint16_t>(fd, 72192 + 4), 8191u);         // entries[0] = n-1
  EXPECT_EQ(read_at<std::uint16_t>(fd, 72192 + 4 + 2 * 8190), 1u); // next pop yields 1
  void* q = a->allocate(1);
  EXPECT_EQ(a->offset(q), 10'485'760u + 256u);
}

TEST(AllocatorCreate, RequiresAnEmptyFile) {
  auto fd = make_memfd();
  ASSERT_EQ(::ftruncate(fd.get(), 4096), 0);
  auto a = Allocator::create(fd.get(), GIB, 8, AGAVE_SLAB_SIZE, 0);
  ASSERT_FALSE(a.ok());
  EXPECT_TRUE(contains(a.error().message, "AlreadyInitialized")) << a.error().message;
  EXPECT_TRUE(contains(a.error().message, "4096")) << a.error().message;
}

TEST(AllocatorCreate, RejectsWorkerIdOutOfRange) {
  auto fd = make_memfd();
  auto a = Allocator::create(fd.get(), GIB, 8, AGAVE_SLAB_SIZE, 8);
  ASSERT_FALSE(a.ok());
  EXPECT_TRUE(contains(a.error().message, "InvalidWorkerIndex")) << a.error().message;
  EXPECT_EQ(file_size(fd.get()).value(), 0u); // nothing was written
}

TEST(AllocatorCreate, RejectsBadLayoutBeforeTouchingTheFile) {
  auto fd = make_memfd();
  auto a = Allocator::create(fd.get(), 4 * GIB, 8, AGAVE_SLAB_SIZE, 0);
  ASSERT_FALSE(a.ok());
  EXPECT_TRUE(contains(a.error().message, "InvalidFileSize")) << a.error().message;
  EXPECT_EQ(file_size(fd.get()).value(), 0u);
}

// ---- join ----------------------------------------------------------------------------------

class AllocatorJoin : public ::testing::Test {
protected:
  void SetUp() override {
    fd_ = make_memfd();
    auto a = Allocator::create(fd_.get(), 64 * MIB, 8, AGAVE_SLAB_SIZE, 0);
    ASSERT_TRUE(a.ok()) << a.error().message;
  }
  std::string join_error(std::uint32_t id = 1) {
    auto j = Allocator::join(fd_.get(), id);
    return j.ok() ? std::string("joined") : j.error().message;
  }
  UniqueFd fd_;
};

TEST_F(AllocatorJoin, AcceptsAGoodFile) {
  auto j = Allocator::join(fd_.get(), 7);
  ASSERT_TRUE(j.ok()) << j.error().message;
  EXPECT_EQ(j->worker_id(), 7u);
  auto l = AllocatorLayout::compute(64 * MIB, AGAVE_SLAB_SIZE, 8).value();
  EXPECT_EQ(j->layout().num_slabs, l.num_slabs);
  EXPECT_EQ(j->layout().slabs_offset, l.slabs_offset);
}

TEST_F(AllocatorJoin, RejectsWorkerIdOutOfRange) {
  auto e = join_error(8);
  EXPECT_TRUE(contains(e, "InvalidWorkerIndex")) << e;
  EXPECT_TRUE(contains(e, "8")) << e;
}

TEST_F(AllocatorJoin, RejectsWrongMagic) {
  write_at<std::uint8_t>(fd_, 6, 0x41);
  auto e = join_error();
  EXPECT_TRUE(contains(e, "InvalidHeader: magic")) << e;
  EXPECT_TRUE(contains(e, "expected 0x00727473616c6f63")) << e;
}

TEST_F(AllocatorJoin, RejectsWrongVersion) {
  write_at<std::uint32_t>(fd_, 8, 2);
  auto e = join_error();
  EXPECT_TRUE(contains(e, "InvalidHeader: version is 2, expected 1")) << e;
}

TEST_F(AllocatorJoin, RejectsZeroWorkers) {
  write_at<std::uint32_t>(fd_, 12, 0);
  auto e = join_error();
  EXPECT_TRUE(contains(e, "num_workers is 0")) << e;
}

TEST_F(AllocatorJoin, RejectsBadSlabSize) {
  write_at<std::uint32_t>(fd_, 20, 3u << 20);
  auto e = join_error();
  EXPECT_TRUE(contains(e, "InvalidHeader")) << e;
  EXPECT_TRUE(contains(e, std::to_string(3u << 20))) << e;
}

TEST_F(AllocatorJoin, RejectsEveryTamperedOffset) {
  const auto l = AllocatorLayout::compute(64 * MIB, AGAVE_SLAB_SIZE, 8).value();
  struct Case {
    off_t at;
    const char* name;
    std::uint32_t good;
  } cases[] = {
      {16, "num_slabs", l.num_slabs},
      {24, "free_list_elements_offset", l.free_list_elements_offset},
      {28, "slab_shared_meta_offset", l.slab_shared_meta_offset},
      {32, "slab_free_stacks_offset", l.slab_free_stacks_offset},
      {36, "slabs_offset", l.slabs_offset},
  };
  for (const Case& c : cases) {
    write_at<std::uint32_t>(fd_, c.at, c.good + 4);
    auto e = join_error();
    EXPECT_TRUE(contains(e, std::string("InvalidHeader: ") + c.name + " is " +
                                std::to_string(c.good + 4) + " in the file but " +
                                std::to_string(c.good)))
        << e;
    write_at<std::uint32_t>(fd_, c.at, c.good);
    EXPECT_EQ(join_error(), "joined");
  }
}

TEST_F(AllocatorJoin, RejectsAFileThatChangedSize) {
  // Growing the file changes the recomputed layout (more slabs fit).
  ASSERT_EQ(::ftruncate(fd_.get(), 128 * MIB), 0);
  auto e = join_error();
  EXPECT_TRUE(contains(e, "InvalidHeader: num_slabs")) << e;
}

TEST_F(AllocatorJoin, RejectsWorkerCountChange) {
  write_at<std::uint32_t>(fd_, 12, 9); // layout recomputed for 9 workers shifts free list
  auto e = join_error();
  EXPECT_TRUE(contains(e, "InvalidHeader: free_list_elements_offset is 640")) << e;
}

TEST(AllocatorJoinSmall, RejectsTinyAndZeroFiles) {
  auto fd = make_memfd();
  auto j = Allocator::join(fd.get(), 0);
  ASSERT_FALSE(j.ok());
  EXPECT_TRUE(contains(j.error().message, "0 bytes")) << j.error().message;
  ASSERT_EQ(::ftruncate(fd.get(), 100), 0);
  j = Allocator::join(fd.get(), 0);
  ASSERT_FALSE(j.ok());
  EXPECT_TRUE(contains(j.error().message, "smaller than the 128-byte header")) << j.error().message;
  ASSERT_EQ(::ftruncate(fd.get(), 4096), 0); // zeros: bad magic
  j = Allocator::join(fd.get(), 0);
  ASSERT_FALSE(j.ok());
  EXPECT_TRUE(contains(j.error().message, "magic")) << j.error().message;
}

} // namespace
} // namespace extpack::shm
