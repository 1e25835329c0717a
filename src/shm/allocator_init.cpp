// rts-alloc 0.2.0 file setup: the layout computation, create (initialise an empty file) and
// join (map and validate a file someone else created). Spec: protocol-3.1.md §4.2, §4.4.
#include <bit>
#include <cerrno>
#include <cstring>
#include <new>

#include <unistd.h>

#include "extpack/shm/allocator.hpp"

namespace extpack::shm {
namespace {

constexpr std::uint64_t FOUR_GIB = std::uint64_t{1} << 32;

constexpr std::uint64_t round_up(std::uint64_t v, std::uint64_t align) {
  return (v + align - 1) / align * align;
}

/// rts-alloc's slab-size rule; `prefix` names the error variant the caller reports.
Result<void> check_slab_size(std::uint32_t slab_size, const char* prefix) {
  if (!std::has_single_bit(slab_size)) {
    return make_error("{}: slab size {} is not a power of two", prefix, slab_size);
  }
  if (slab_size < 4 * ALLOC_MAX_SIZE) {
    return make_error("{}: slab size {} is below {} (4 x the largest allocation)", prefix,
                      slab_size, 4 * ALLOC_MAX_SIZE);
  }
  if (slab_size / ALLOC_MIN_SIZE > 0xFFFFu) {
    return make_error("{}: slab size {} has {} slots of {} bytes, more than 65535", prefix,
                      slab_size, slab_size / ALLOC_MIN_SIZE, ALLOC_MIN_SIZE);
  }
  return {};
}

} // namespace

Result<AllocatorLayout> AllocatorLayout::compute(std::uint64_t file_size, std::uint32_t slab_size,
                                                 std::uint32_t num_workers) {
  if (auto r = check_slab_size(slab_size, "InvalidSlabSize"); !r) return r.error();
  if (num_workers == 0) return make_error("InvalidNumWorkers: num_workers is 0, need at least 1");
  // rts-alloc truncates file_size to u32 in the slab count; past 4 GiB it silently wraps.
  if (file_size >= FOUR_GIB) {
    return make_error("InvalidFileSize: file size {} is not below 4 GiB ({}); rts-alloc 0.2.0 "
                      "truncates it to 32 bits and would compute a wrong slab count",
                      file_size, FOUR_GIB);
  }
  // ub = file_size / slab_size - 1 underflows below one slab; demand two.
  if (file_size / slab_size < 2) {
    return make_error("InvalidFileSize: file size {} holds fewer than 2 slabs of {} bytes",
                      file_size, slab_size);
  }
  const std::uint64_t ub = file_size / slab_size - 1;
  const std::uint64_t stack_bytes = 4 + 2 * std::uint64_t{slab_size / ALLOC_MIN_SIZE};
  std::uint64_t off = sizeof(AllocHeader) + sizeof(AllocWorkerHeads) * std::uint64_t{num_workers};
  const std::uint64_t free_list_off = round_up(off, alignof(AllocListNode));
  off = free_list_off + sizeof(AllocListNode) * ub;
  const std::uint64_t meta_off = round_up(off, alignof(AllocSlabMeta));
  off = meta_off + sizeof(AllocSlabMeta) * ub;
  const std::uint64_t stacks_off = round_up(off, 8);
  off = stacks_off + stack_bytes * ub;
  const std::uint64_t slabs_off = round_up(off, slab_size);
  if (slabs_off >= file_size) {
    return make_error("InvalidFileSize: metadata for {} workers and up to {} slabs of {} bytes "
                      "ends at {} (slabs_offset {}), leaving no slab in a {}-byte file",
                      num_workers, ub, slab_size, off, slabs_off, file_size);
  }
  // Exactly rts-alloc's expression, u32 truncation included (a no-op below 4 GiB).
  const std::uint32_t num_slabs =
      (static_cast<std::uint32_t>(file_size) - static_cast<std::uint32_t>(slabs_off)) / slab_size;
  if (num_slabs == 0) {
    return make_error("InvalidFileSize: no whole {}-byte slab fits between slabs_offset {} and "
                      "the end of a {}-byte file",
                      slab_size, slabs_off, file_size);
  }
  AllocatorLayout l;
  l.file_size = file_size;
  l.num_workers = num_workers;
  l.num_slabs = num_slabs;
  l.slab_size = slab_size;
  l.free_list_elements_offset = static_cast<std::uint32_t>(free_list_off);
  l.slab_shared_meta_offset = static_cast<std::uint32_t>(meta_off);
  l.slab_free_stacks_offset = static_cast<std::uint32_t>(stacks_off);
  l.slabs_offset = static_cast<std::uint32_t>(slabs_off);
  return l;
}

Result<Allocator> Allocator::bind(Mapping map, const AllocatorLayout& l, std::uint32_t worker_id) {
  Allocator a;
  std::uint8_t* base = map.data();
  a.map_ = std::move(map);
  a.layout_ = l;
  a.worker_id_ = worker_id;
  a.header_ = reinterpret_cast<AllocHeader*>(base);
  a.my_heads_ = reinterpret_cast<AllocWorkerHeads*>(base + sizeof(AllocHeader)) + worker_id;
  a.nodes_ = reinterpret_cast<AllocListNode*>(base + l.free_list_elements_offset);
  a.metas_ = reinterpret_cast<AllocSlabMeta*>(base + l.slab_shared_meta_offset);
  a.stacks_ = base + l.slab_free_stacks_offset;
  a.slabs_ = base + l.slabs_offset;
  a.slab_area_ = std::uint64_t{l.num_slabs} * l.slab_size;
  a.stack_stride_ = 4 + 2 * (l.slab_size / ALLOC_MIN_SIZE);
  a.slab_shift_ = static_cast<std::uint32_t>(std::countr_zero(l.slab_size));
  a.returned_full_.assign(l.num_slabs, 0);
  a.ledger_words_ = ((std::uint64_t{l.slab_size} >> 8) + 63) / 64;
  a.ledger_.assign(std::size_t{l.num_slabs} * a.ledger_words_, 0);
  a.audit_free_.reserve(l.slab_size / ALLOC_MIN_SIZE / 64 + 1); // one bit per smallest slot
  return a;
}

Result<Allocator> Allocator::create(int fd, std::uint64_t file_size, std::uint32_t num_workers,
                                    std::uint32_t slab_size, std::uint32_t worker_id) {
  if (worker_id >= num_workers) {
    return make_error("InvalidWorkerIndex: worker id {} is not below num_workers {}", worker_id,
                      num_workers);
  }
  auto lr = AllocatorLayout::compute(file_size, slab_size, num_workers);
  if (!lr) return lr.error();
  const AllocatorLayout& l = *lr;
  auto cur = shm::file_size(fd);
  if (!cur) return make_error("IoError: {}", cur.error().message);
  if (*cur != 0) {
    return make_error("AlreadyInitialized: allocator file (fd {}) already holds {} bytes; create "
                      "needs an empty file",
                      fd, *cur);
  }
  if (::ftruncate(fd, static_cast<off_t>(file_size)) != 0) {
    return make_error("IoError: ftruncate of allocator fd {} to {} bytes failed: {}", fd, file_size,
                      std::strerror(errno));
  }
  auto m = Mapping::map(fd, file_size);
  if (!m) return make_error("MmapError: {}", m.error().message);
  std::uint8_t* base = m->data();

  // The file is fresh (all zero) and private to us until create returns, so plain
  // construction is fine; atomics still get release stores as rts-alloc does.
  auto* h = new (base) AllocHeader{};
  h->num_workers = l.num_workers;
  h->num_slabs = l.num_slabs;
  h->slab_size = l.slab_size;
  h->free_list_elements_offset = l.free_list_elements_offset;
  h->slab_shared_meta_offset = l.slab_shared_meta_offset;
  h->slab_free_stacks_offset = l.slab_free_stacks_offset;
  h->slabs_offset = l.slabs_offset;
  h->global_free_list_head.store(ALLOC_NULL_U32, std::memory_order_release);
  h->magic = ALLOC_MAGIC;
  h->version = ALLOC_VERSION;

  auto* heads = reinterpret_cast<AllocWorkerHeads*>(base + sizeof(AllocHeader));
  for (std::uint32_t w = 0; w < l.num_workers; ++w) {
    auto* wh = new (&heads[w]) AllocWorkerHeads{};
    for (auto& pair : wh->heads) {
      pair.partial.store(ALLOC_NULL_U32, std::memory_order_release);
      pair.full.store(ALLOC_NULL_U32, std::memory_order_release);
    }
  }
  auto* nodes = reinterpret_cast<AllocListNode*>(base + l.free_list_elements_offset);
  for (std::uint32_t s = 0; s < l.num_slabs; ++s) {
    auto* n = new (&nodes[s]) AllocListNode{};
    n->global_next.store(s + 1 == l.num_slabs ? ALLOC_NULL_U32 : s + 1, std::memory_order_release);
    n->worker_local_prev.store(ALLOC_NULL_U32, std::memory_order_release);
    n->worker_local_next.store(ALLOC_NULL_U32, std::memory_order_release);
  }
  h->global_free_list_head.store(0, std::memory_order_release);
  auto* metas = reinterpret_cast<AllocSlabMeta*>(base + l.slab_shared_meta_offset);
  for (std::uint32_t s = 0; s < l.num_slabs; ++s) {
    auto* sm = new (&metas[s]) AllocSlabMeta{};
    sm->assigned_worker.store(ALLOC_NULL_U32, std::memory_order_release);
    sm->size_class_index.store(0, std::memory_order_release);
    sm->remote_free_stack_head.store(ALLOC_NULL_U16, std::memory_order_release);
  }
  // Free stacks stay zero: each is initialised when its slab is first taken.
  return bind(std::move(*m), l, worker_id);
}

Result<Allocator> Allocator::join(int fd, std::uint32_t worker_id) {
  auto sz = shm::file_size(fd);
  if (!sz) return make_error("IoError: {}", sz.error().message);
  const std::uint64_t file_size = *sz;
  if (file_size < sizeof(AllocHeader)) {
    return make_error("InvalidHeader: allocator file is {} bytes, smaller than the {}-byte header",
                      file_size, sizeof(AllocHeader));
  }
  auto m = Mapping::map(fd, file_size);
  if (!m) return make_error("MmapError: {}", m.error().message);
  const auto* h = reinterpret_cast<const AllocHeader*>(m->data());
  if (h->magic != ALLOC_MAGIC) {
    return make_error("InvalidHeader: magic is {:#018x}, expected {:#018x} (\"rtsaloc\")", h->magic,
                      ALLOC_MAGIC);
  }
  if (h->version != ALLOC_VERSION) {
    return make_error("InvalidHeader: version is {}, expected {} (rts-alloc 0.2.0 format)",
                      h->version, ALLOC_VERSION);
  }
  if (h->num_workers == 0) return make_error("InvalidHeader: num_workers is 0");
  if (auto r = check_slab_size(h->slab_size, "InvalidHeader"); !r) return r.error();
  auto lr = AllocatorLayout::compute(file_size, h->slab_size, h->num_workers);
  if (!lr) {
    return make_error("InvalidHeader: the header's slab size {} and {} workers give no valid "
                      "layout for this file: {}",
                      h->slab_size, h->num_workers, lr.error().message);
  }
  const AllocatorLayout& l = *lr;
  struct Field {
    const char* name;
    std::uint32_t in_file;
    std::uint32_t expected;
  };
  const Field fields[] = {
      {"num_slabs", h->num_slabs, l.num_slabs},
      {"free_list_elements_offset", h->free_list_elements_offset, l.free_list_elements_offset},
      {"slab_shared_meta_offset", h->slab_shared_meta_offset, l.slab_shared_meta_offset},
      {"slab_free_stacks_offset", h->slab_free_stacks_offset, l.slab_free_stacks_offset},
      {"slabs_offset", h->slabs_offset, l.slabs_offset},
  };
  for (const Field& f : fields) {
    if (f.in_file != f.expected) {
      return make_error("InvalidHeader: {} is {} in the file but {} recomputed from file size {}, "
                        "slab size {}, {} workers",
                        f.name, f.in_file, f.expected, file_size, l.slab_size, l.num_workers);
    }
  }
  if (worker_id >= l.num_workers) {
    return make_error("InvalidWorkerIndex: worker id {} is not below num_workers {}", worker_id,
                      l.num_workers);
  }
  return bind(std::move(*m), l, worker_id);
}

} // namespace extpack::shm
