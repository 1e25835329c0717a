// libFuzzer target: the rts-alloc allocator against a hostile file.
//
// Input byte 0 picks a mode:
//   0 patched image: a valid file is created, then the input's (offset, value) patches are
//     written over its metadata before a handle joins and runs a fixed workload;
//   1 raw image: the input is the first bytes of a 128 KiB file that is joined as is;
//   2 operations: three handles allocate, free (locally and remotely), clean, read usage,
//     check regions and ask the remote-free ledger about slots handed over again
//     (check_reuse), interleaved with scribbles on the metadata.
// Invariants: no crash, no access outside the mapping (ASan), every pointer handed out lies
// inside the slab area of the file.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include <sys/mman.h>
#include <unistd.h>

#include "extpack/shm/allocator.hpp"

namespace {

using namespace extpack::shm;

constexpr std::uint64_t kFile = 128 * 1024; // 8 slabs of 16 KiB, 6 usable
constexpr std::uint32_t kSlab = 16384;
constexpr std::uint32_t kWorkers = 3;

struct Reader {
  const std::uint8_t* p;
  std::size_t n;
  bool empty() const { return n == 0; }
  std::uint8_t u8() {
    if (n == 0) return 0;
    --n;
    return *p++;
  }
  std::uint16_t u16() { return static_cast<std::uint16_t>(u8() | u8() << 8); }
  std::uint32_t u32() { return u16() | static_cast<std::uint32_t>(u16()) << 16; }
};

int the_fd() {
  static int fd = ::memfd_create("alloc-fuzz", 0);
  return fd;
}

void require(bool ok) {
  if (!ok) __builtin_trap();
}

void check_ptr(const Allocator& a, void* p) {
  if (p == nullptr) return;
  const std::uint64_t off = a.offset(p);
  require(off >= a.layout().slabs_offset);
  require(off + 256 <= a.layout().file_size);
}

void workload(Allocator& a) {
  std::vector<void*> live;
  for (std::uint32_t i = 0; i < 48; ++i) {
    void* p = a.allocate((i * 613) % 4200);
    check_ptr(a, p);
    if (p != nullptr) {
      std::memset(p, 0x5A, 16);
      live.push_back(p);
    }
  }
  (void)a.usage_all();
  for (void* p : live)
    (void)a.check_region(a.offset(p), 16);
  for (std::size_t i = 0; i < live.size(); i += 2)
    a.free(live[i]);
  a.clean_remote_free_lists();
  for (std::size_t i = 1; i < live.size(); i += 2)
    a.free(live[i]);
  (void)a.usage_all();
}

bool fresh_file() {
  return ::ftruncate(the_fd(), 0) == 0;
}

void patched_image(Reader& r) {
  if (!fresh_file()) return;
  auto c = Allocator::create(the_fd(), kFile, kWorkers, kSlab, 0);
  require(c.ok());
  workload(*c); // leave some state behind
  std::uint8_t* base = c->base();
  const std::uint32_t meta_end = c->layout().slabs_offset;
  const std::uint32_t worker = r.u8() % (kWorkers + 1); // kWorkers is invalid on purpose
  while (!r.empty()) {
    const std::uint32_t at = r.u16() % meta_end;
    base[at] = r.u8();
  }
  auto j = Allocator::join(the_fd(), worker);
  if (!j.ok()) return;
  workload(*j);
}

void raw_image(Reader& r) {
  if (!fresh_file() || ::ftruncate(the_fd(), kFile) != 0) return;
  const std::uint8_t worker = r.u8();
  const std::size_t n = r.n < kFile ? r.n : kFile;
  if (::pwrite(the_fd(), r.p, n, 0) != static_cast<ssize_t>(n)) return;
  auto j = Allocator::join(the_fd(), worker % 8);
  if (!j.ok()) return;
  workload(*j);
}

void operations(Reader& r) {
  if (!fresh_file()) return;
  auto c = Allocator::create(the_fd(), kFile, kWorkers, kSlab, 0);
  require(c.ok());
  Allocator h[kWorkers];
  h[0] = std::move(*c);
  for (std::uint32_t w = 1; w < kWorkers; ++w)
    h[w] = std::move(Allocator::join(the_fd(), w).value());
  std::vector<std::uint64_t> live; // offsets
  std::vector<std::uint64_t> gone; // offsets freed (by anyone), most recent last
  bool scribbled = false;
  const std::uint32_t meta_end = h[0].layout().slabs_offset;
  while (!r.empty()) {
    const std::uint8_t op = r.u8();
    Allocator& a = h[(op >> 4) % kWorkers];
    switch (op % 8) {
    case 0: {
      void* p = a.allocate(r.u16() % 4200);
      check_ptr(a, p);
      if (p != nullptr && live.size() < 512) live.push_back(a.offset(p));
      break;
    }
    case 1:
      if (!live.empty()) {
        const std::size_t i = r.u8() % live.size();
        a.free(a.ptr_from_offset(live[i]));
        if (gone.size() < 256) gone.push_back(live[i]);
        live[i] = live.back();
        live.pop_back();
      }
      break;
    case 2:
      a.clean_remote_free_lists();
      break;
    case 3:
      if (op & 0x80) {
        (void)a.reserve(r.u16() % 4200); // also turns on keep-last-slab for this handle
      } else {
        (void)a.usage_all();
      }
      break;
    case 4: {
      const std::uint64_t off = r.u32() % (kFile + 4096);
      (void)a.check_region(off, r.u16());
      break;
    }
    case 5: { // hostile peer scribbles on metadata
      const std::uint32_t at = r.u16() % meta_end;
      a.base()[at] = r.u8();
      scribbled = true;
      break;
    }
    case 6: // free an arbitrary pointer inside the file
      a.free(a.ptr_from_offset(r.u32() % kFile));
      scribbled = true; // may free a slot twice: the file is no longer self-consistent
      break;
    case 7: { // a peer hands over a slot again: the remote-free ledger decides
      const bool old = !gone.empty() && (r.u8() & 1) != 0;
      if (old ? gone.empty() : live.empty()) break;
      const std::uint64_t off = old ? gone[r.u8() % gone.size()] : live[r.u8() % live.size()];
      if (!a.check_region(off, 1).ok()) break;
      const ReuseCheck rc = a.check_reuse(off);
      // Single-threaded and unscribbled, the audit and slot_status() read the same file:
      // "still free" exactly when the slot is free (on a slab this handle does not own).
      const SlotStatus st = a.slot_status(off);
      if (!scribbled && st.owner != a.worker_id() && rc != ReuseCheck::NotFreedHere) {
        require((rc == ReuseCheck::StillFree) == st.free);
      }
      break;
    }
    }
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (the_fd() < 0 || size == 0) return 0;
  Reader r{data + 1, size - 1};
  switch (data[0] % 3) {
  case 0:
    patched_image(r);
    break;
  case 1:
    raw_image(r);
    break;
  default:
    operations(r);
    break;
  }
  return 0;
}
