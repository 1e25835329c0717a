// Helpers for the shared-memory tests: anonymous files and running code in a forked child.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <functional>
#include <string>

#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "extpack/shm/mapping.hpp"

namespace extpack::shm::test {

/// A fresh empty memfd; fails the test if it cannot be made.
inline UniqueFd make_memfd(const char* name = "extpack-test") {
  auto fd = memfd(name);
  EXPECT_TRUE(fd.ok()) << (fd.ok() ? "" : fd.error().message);
  return fd.ok() ? std::move(*fd) : UniqueFd();
}

/// Runs `body` in a forked child and returns its exit code (the value `body` returned), or
/// 128 + signal if it died. The child never returns into gtest.
inline int run_in_child(const std::function<int()>& body) {
  pid_t pid = ::fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    int rc = 1;
    try {
      rc = body();
    } catch (...) {
      rc = 99;
    }
    ::_exit(rc);
  }
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid) return -2;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -3;
}

/// Starts `body` in a forked child and returns its pid at once; see wait_child().
inline pid_t start_child(const std::function<int()>& body) {
  pid_t pid = ::fork();
  if (pid == 0) {
    int rc = 1;
    try {
      rc = body();
    } catch (...) {
      rc = 99;
    }
    ::_exit(rc);
  }
  return pid;
}

/// The exit code of a child from start_child(), or 128 + signal.
inline int wait_child(pid_t pid) {
  if (pid < 0) return -1;
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid) return -2;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -3;
}

/// Bytes of a pipe, for sending small values between parent and child.
struct Pipe {
  int r = -1;
  int w = -1;
  Pipe() {
    int p[2];
    if (::pipe(p) == 0) {
      r = p[0];
      w = p[1];
    }
  }
  ~Pipe() {
    if (r >= 0) ::close(r);
    if (w >= 0) ::close(w);
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
  template <typename T> bool send(const T& v) const {
    return ::write(w, &v, sizeof v) == static_cast<ssize_t>(sizeof v);
  }
  template <typename T> bool recv(T& v) const {
    std::size_t got = 0;
    auto* p = reinterpret_cast<char*>(&v);
    while (got < sizeof v) {
      ssize_t n = ::read(r, p + got, sizeof v - got);
      if (n <= 0) return false;
      got += static_cast<std::size_t>(n);
    }
    return true;
  }
};

} // namespace extpack::shm::test
