// The shaq 0.2.0 single-producer single-consumer queue in a shared-memory file,
// byte-compatible with the Rust crate (spec: protocol-3.1.md §3).
//
// File layout: a 192-byte header {write @0, read @64, buffer_size @128} followed by a ring
// of `capacity` elements of T (capacity a power of two) starting at offset 192.
// `write` and `read` are free-running 64-bit positions. The producer publishes slots with a
// release store of `write`; the consumer returns slots with a release store of `read`.
// Each side keeps a private cached copy of both positions so that the hot path touches the
// other side's cache line only on sync().
//
// Either side may create the file; the other joins. The queue never blocks: both sides poll.
// The peer is not trusted: positions read from the header are checked (see corrupt()), and
// slot indices are always masked with this side's own capacity, never the header's.
#pragma once

#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <type_traits>
#include <utility>

#include <unistd.h>

#include "extpack/common/result.hpp"
#include "extpack/shm/mapping.hpp"

namespace extpack::shm {

/// Header of a shaq 0.2.0 queue file (size 192, align 64). No magic and no version in 0.2.0.
struct QueueHeader {
  alignas(64) std::atomic<std::uint64_t> write;
  alignas(64) std::atomic<std::uint64_t> read;
  alignas(64) std::uint64_t buffer_size;  ///< capacity in elements, a power of two
};
static_assert(sizeof(QueueHeader) == 192);
static_assert(alignof(QueueHeader) == 64);
static_assert(offsetof(QueueHeader, write) == 0);
static_assert(offsetof(QueueHeader, read) == 64);
static_assert(offsetof(QueueHeader, buffer_size) == 128);
static_assert(std::atomic<std::uint64_t>::is_always_lock_free);
static_assert(sizeof(std::atomic<std::uint64_t>) == 8);

inline constexpr std::size_t QUEUE_HEADER_SIZE = sizeof(QueueHeader);

/// Offset of the ring in the file: the header size rounded up to T's alignment.
template <typename T> constexpr std::size_t queue_buffer_offset() {
  return (QUEUE_HEADER_SIZE + alignof(T) - 1) / alignof(T) * alignof(T);
}

/// Smallest file that holds `capacity` elements (shaq 0.2.0 does not round capacity up).
template <typename T> constexpr std::size_t queue_minimum_file_size(std::size_t capacity) {
  return queue_buffer_offset<T>() + capacity * sizeof(T);
}

/// Capacity shaq derives from a file size: elements that fit, rounded down to a power of
/// two. Errors name the size when the file cannot hold even one element.
template <typename T> Result<std::uint64_t> queue_capacity_for(std::size_t file_size) {
  constexpr std::size_t off = queue_buffer_offset<T>();
  if (file_size < off) {
    return make_error("queue file too small: {} bytes, the header alone needs {}", file_size, off);
  }
  std::uint64_t n = (file_size - off) / sizeof(T);
  if (n != 0 && !std::has_single_bit(n)) n = std::bit_floor(n);
  if (n == 0) {
    return make_error("queue file too small: {} bytes hold no {}-byte element after the {}-byte "
                      "header",
                      file_size, sizeof(T), off);
  }
  return n;
}

namespace detail {

/// What producer and consumer share: the mapping, the header and the ring.
template <typename T> class QueueBase {
public:
  static_assert(std::is_trivially_copyable_v<T>, "queue elements cross process boundaries");

  [[nodiscard]] std::uint64_t capacity() const { return mask_ + 1; }
  /// Items between the cached positions (what this side last knew).
  [[nodiscard]] std::uint64_t len() const { return cached_write_ - cached_read_; }
  [[nodiscard]] bool is_empty() const { return cached_write_ == cached_read_; }
  /// True once the peer published a position that cannot be right (see sync()).
  [[nodiscard]] bool corrupt() const { return corrupt_; }
  [[nodiscard]] std::size_t file_size() const { return map_.size(); }

protected:
  QueueBase() = default;

  Result<void> init(Mapping map, std::uint64_t capacity, bool fresh) {
    map_ = std::move(map);
    header_ = reinterpret_cast<QueueHeader*>(map_.data());
    ring_ = reinterpret_cast<T*>(map_.data() + queue_buffer_offset<T>());
    mask_ = capacity - 1;
    if (fresh) {
      header_->write.store(0, std::memory_order_release);
      header_->read.store(0, std::memory_order_release);
      header_->buffer_size = capacity;
    } else if (header_->buffer_size != capacity) {
      return make_error("queue capacity mismatch: header says {} elements, a {}-byte file holds {}",
                        header_->buffer_size, map_.size(), capacity);
    }
    cached_write_ = header_->write.load(std::memory_order_acquire);
    cached_read_ = header_->read.load(std::memory_order_acquire);
    if (cached_write_ - cached_read_ > capacity) {
      return make_error("queue positions inconsistent at join: write {} read {} capacity {}",
                        cached_write_, cached_read_, capacity);
    }
    return {};
  }

  static Result<Mapping> create_mapping(int fd, std::size_t file_size, std::uint64_t& cap) {
    auto c = queue_capacity_for<T>(file_size);
    if (!c) return c.error();
    cap = *c;
    if (::ftruncate(fd, static_cast<off_t>(file_size)) != 0) {
      return make_error("ftruncate of queue fd {} to {} bytes failed: {}", fd, file_size,
                        std::strerror(errno));
    }
    return Mapping::map(fd, file_size);
  }

  static Result<Mapping> join_mapping(int fd, std::uint64_t& cap) {
    auto sz = shm::file_size(fd);
    if (!sz) return sz.error();
    auto c = queue_capacity_for<T>(*sz);
    if (!c) return c.error();
    cap = *c;
    return Mapping::map(fd, *sz);
  }

  [[nodiscard]] T* slot(std::uint64_t pos) const { return ring_ + (pos & mask_); }

  Mapping map_;
  QueueHeader* header_ = nullptr;
  T* ring_ = nullptr;
  std::uint64_t mask_ = 0;
  std::uint64_t cached_write_ = 0;
  std::uint64_t cached_read_ = 0;
  bool corrupt_ = false;
};

}  // namespace detail

/// The writing end of a queue.
template <typename T> class Producer : public detail::QueueBase<T> {
  using Base = detail::QueueBase<T>;

public:
  Producer() = default;

  /// Sizes `fd` to `file_size`, initialises an empty queue and returns its producer end.
  static Result<Producer> create(int fd, std::size_t file_size) {
    std::uint64_t cap = 0;
    auto m = Base::create_mapping(fd, file_size, cap);
    if (!m) return m.error();
    Producer p;
    if (auto r = p.init(std::move(*m), cap, true); !r) return r.error();
    return p;
  }

  /// Joins a queue another process created; validates its capacity against the file size.
  static Result<Producer> join(int fd) {
    std::uint64_t cap = 0;
    auto m = Base::join_mapping(fd, cap);
    if (!m) return m.error();
    Producer p;
    if (auto r = p.init(std::move(*m), cap, false); !r) return r.error();
    return p;
  }

  /// A slot to fill, or nullptr when full (as far as the last sync() knows). The caller
  /// must write the whole slot; it becomes visible at the next commit().
  [[nodiscard]] T* reserve() {
    if (this->cached_write_ - this->cached_read_ >= this->capacity()) return nullptr;
    return this->slot(this->cached_write_++);
  }

  /// Copies `v` into a reserved slot; false when full.
  [[nodiscard]] bool try_write(const T& v) {
    T* s = reserve();
    if (s == nullptr) return false;
    std::memcpy(static_cast<void*>(s), &v, sizeof(T));
    return true;
  }

  /// Publishes every slot reserved so far.
  void commit() { this->header_->write.store(this->cached_write_, std::memory_order_release); }

  /// Learns how far the consumer has read. A consumer position behind the last known one
  /// or ahead of what was written marks the queue corrupt and leaves the cache unchanged.
  void sync() {
    std::uint64_t r = this->header_->read.load(std::memory_order_acquire);
    if (r - this->cached_read_ > this->cached_write_ - this->cached_read_) {
      this->corrupt_ = true;
      return;
    }
    this->cached_read_ = r;
  }
};

/// The reading end of a queue.
template <typename T> class Consumer : public detail::QueueBase<T> {
  using Base = detail::QueueBase<T>;

public:
  Consumer() = default;

  static Result<Consumer> create(int fd, std::size_t file_size) {
    std::uint64_t cap = 0;
    auto m = Base::create_mapping(fd, file_size, cap);
    if (!m) return m.error();
    Consumer c;
    if (auto r = c.init(std::move(*m), cap, true); !r) return r.error();
    return c;
  }

  static Result<Consumer> join(int fd) {
    std::uint64_t cap = 0;
    auto m = Base::join_mapping(fd, cap);
    if (!m) return m.error();
    Consumer c;
    if (auto r = c.init(std::move(*m), cap, false); !r) return r.error();
    return c;
  }

  /// The next unread item in shared memory, or nullptr when empty (as of the last sync()).
  /// Copy it out before finalize(): after that the producer may overwrite it.
  [[nodiscard]] const T* try_read() {
    if (this->cached_read_ == this->cached_write_) return nullptr;
    return this->slot(this->cached_read_++);
  }

  /// Returns every slot read so far to the producer.
  void finalize() { this->header_->read.store(this->cached_read_, std::memory_order_release); }

  /// Learns what the producer has committed. A producer position that moved backwards or
  /// claims more than `capacity` unread items marks the queue corrupt and is ignored.
  void sync() {
    std::uint64_t w = this->header_->write.load(std::memory_order_acquire);
    if (w - this->cached_read_ > this->capacity() || w - this->cached_write_ > this->capacity()) {
      this->corrupt_ = true;
      return;
    }
    this->cached_write_ = w;
  }
};

}  // namespace extpack::shm
