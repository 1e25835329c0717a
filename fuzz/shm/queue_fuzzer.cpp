// libFuzzer target: the shaq queue against a hostile file and a hostile peer.
//
// Input byte 0 picks a mode:
//   0 raw image: the input is the whole queue file; both ends try to join and, if they may,
//     exchange items;
//   1 operations: a capacity-8 queue; the input drives writes, commits, syncs, reads,
//     finalizes and arbitrary stores into the shared write/read positions.
// Invariants: no crash, no access outside the mapping (ASan), len() never exceeds capacity.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include <sys/mman.h>
#include <unistd.h>

#include "extpack/shm/queue.hpp"

namespace {

using namespace extpack::shm;

struct Item {
  std::uint64_t a;
  std::uint32_t b;
  std::uint32_t c;
};

void require(bool ok) {
  if (!ok) __builtin_trap();
}

int the_fd() {
  static int fd = ::memfd_create("queue-fuzz", 0);
  return fd;
}

template <typename Q> void check(const Q& q) {
  require(q.len() <= q.capacity());
}

void raw_image(const std::uint8_t* p, std::size_t n) {
  if (n > 1 << 16) n = 1 << 16;
  if (::ftruncate(the_fd(), 0) != 0 || ::ftruncate(the_fd(), static_cast<off_t>(n)) != 0) return;
  if (n != 0 && ::pwrite(the_fd(), p, n, 0) != static_cast<ssize_t>(n)) return;
  auto c = Consumer<Item>::join(the_fd());
  auto pr = Producer<Item>::join(the_fd());
  if (c.ok()) {
    for (int round = 0; round < 4; ++round) {
      c->sync();
      check(*c);
      std::uint64_t sum = 0;
      while (const Item* it = c->try_read())
        sum += it->a;
      c->finalize();
      asm volatile("" : : "r"(sum)); // keep the reads
    }
  }
  if (pr.ok()) {
    for (int round = 0; round < 4; ++round) {
      pr->sync();
      check(*pr);
      for (std::uint32_t k = 0; k < 20; ++k)
        (void)pr->try_write(Item{k, k, k});
      pr->commit();
    }
  }
}

void operations(const std::uint8_t* p, std::size_t n) {
  if (::ftruncate(the_fd(), 0) != 0) return;
  auto pr = Producer<Item>::create(the_fd(), queue_minimum_file_size<Item>(8));
  auto c = Consumer<Item>::join(the_fd());
  require(pr.ok() && c.ok());
  void* m = ::mmap(nullptr, 192, PROT_READ | PROT_WRITE, MAP_SHARED, the_fd(), 0);
  if (m == MAP_FAILED) return;
  auto* h = static_cast<QueueHeader*>(m);
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint8_t op = p[i];
    const std::uint64_t arg = op >> 3;
    switch (op & 7) {
    case 0:
      for (std::uint64_t k = 0; k < arg % 10; ++k)
        (void)pr->try_write(Item{k, 1, 2});
      break;
    case 1:
      pr->commit();
      break;
    case 2:
      pr->sync();
      break;
    case 3:
      c->sync();
      break;
    case 4:
      for (std::uint64_t k = 0; k < arg % 10; ++k) {
        if (c->try_read() == nullptr) break;
      }
      break;
    case 5:
      c->finalize();
      break;
    case 6: // hostile: move write by a signed small amount or to an extreme
      h->write.store(arg == 31 ? ~0ull : h->write.load() + arg - 16);
      break;
    case 7:
      h->read.store(arg == 31 ? ~0ull : h->read.load() + arg - 16);
      break;
    }
    check(*pr);
    check(*c);
  }
  ::munmap(m, 192);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (the_fd() < 0 || size == 0) return 0;
  if (data[0] % 2 == 0) {
    raw_image(data + 1, size - 1);
  } else {
    operations(data + 1, size - 1);
  }
  return 0;
}
