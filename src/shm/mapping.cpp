// Mapping, UniqueFd and memfd: the thin POSIX layer under the queue and the allocator.
#include "extpack/shm/mapping.hpp"

#include <cerrno>
#include <cstring>

#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace extpack::shm {

Mapping::~Mapping() {
  if (base_ != nullptr) ::munmap(base_, size_);
}

Mapping& Mapping::operator=(Mapping&& o) noexcept {
  if (this != &o) {
    if (base_ != nullptr) ::munmap(base_, size_);
    base_ = std::exchange(o.base_, nullptr);
    size_ = std::exchange(o.size_, 0);
  }
  return *this;
}

Result<Mapping> Mapping::map(int fd, std::size_t size) {
  if (size == 0) return make_error("cannot map an empty file (fd {})", fd);
  void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) {
    return make_error("mmap of {} bytes of fd {} failed: {}", size, fd, std::strerror(errno));
  }
  Mapping m;
  m.base_ = p;
  m.size_ = size;
  return m;
}

Result<std::size_t> file_size(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0)
    return make_error("fstat of fd {} failed: {}", fd, std::strerror(errno));
  if (st.st_size < 0) return make_error("fd {} reports a negative size", fd);
  return static_cast<std::size_t>(st.st_size);
}

void UniqueFd::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

Result<UniqueFd> memfd(const char* name) {
  int fd = ::memfd_create(name, 0);
  if (fd < 0) return make_error("memfd_create(\"{}\") failed: {}", name, std::strerror(errno));
  return UniqueFd(fd);
}

} // namespace extpack::shm
