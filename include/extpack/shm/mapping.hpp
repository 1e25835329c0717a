// Mapping: an owned MAP_SHARED read-write mapping of a whole file, unmapped on destruction.
// Also small helpers for the file descriptors shared memory lives in.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include "extpack/common/result.hpp"

namespace extpack::shm {

class Mapping {
public:
  Mapping() = default;
  ~Mapping();
  Mapping(Mapping&& o) noexcept
      : base_(std::exchange(o.base_, nullptr)), size_(std::exchange(o.size_, 0)) {}
  Mapping& operator=(Mapping&& o) noexcept;
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;

  /// Maps `size` bytes of `fd` from offset 0, shared and read-write.
  static Result<Mapping> map(int fd, std::size_t size);

  [[nodiscard]] std::uint8_t* data() const { return static_cast<std::uint8_t*>(base_); }
  [[nodiscard]] std::size_t size() const { return size_; }
  [[nodiscard]] bool valid() const { return base_ != nullptr; }

private:
  void* base_ = nullptr;
  std::size_t size_ = 0;
};

/// Size of the file behind `fd` (fstat), or an error naming errno.
Result<std::size_t> file_size(int fd);

/// An owned file descriptor, closed on destruction.
class UniqueFd {
public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() { reset(); }
  UniqueFd(UniqueFd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  [[nodiscard]] int get() const { return fd_; }
  [[nodiscard]] bool valid() const { return fd_ >= 0; }
  int release() { return std::exchange(fd_, -1); }
  void reset(int fd = -1);

private:
  int fd_ = -1;
};

/// An anonymous memory file (memfd_create, no CLOEXEC, no sealing), as the 3.1 handshake uses.
Result<UniqueFd> memfd(const char* name);

}  // namespace extpack::shm
