#include "alloc_counter.hpp"

#include <execinfo.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <new>

namespace {
std::atomic<std::size_t> g_allocations{0};
std::atomic<std::size_t> g_trace{0};
thread_local bool t_in_trace = false;

void maybe_trace() {
  if (g_trace.load(std::memory_order_relaxed) == 0 || t_in_trace) return;
  std::size_t left = g_trace.load(std::memory_order_relaxed);
  while (left != 0 && !g_trace.compare_exchange_weak(left, left - 1, std::memory_order_relaxed)) {
  }
  if (left == 0) return;
  // backtrace() may allocate the first time (it loads the unwinder): do not trace that.
  t_in_trace = true;
  void* frames[10];
  const int n = backtrace(frames, 10);
  static const char header[] = "--- heap allocation at:\n";
  (void)!write(STDERR_FILENO, header, sizeof header - 1);
  backtrace_symbols_fd(frames, n, STDERR_FILENO);
  t_in_trace = false;
}
}  // namespace

std::size_t extpack::test::allocation_count() {
  return g_allocations.load(std::memory_order_relaxed);
}

void extpack::test::trace_allocations(std::size_t n) {
  g_trace.store(n, std::memory_order_relaxed);
}

// GCC's -Wmismatched-new-delete cannot see that new and delete here are a malloc/free pair.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  maybe_trace();
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
// Over-aligned types (alignas above 16) come through these; count them as well.
void* operator new(std::size_t n, std::align_val_t al) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  maybe_trace();
  const auto a = static_cast<std::size_t>(al);
  const std::size_t rounded = ((n == 0 ? 1 : n) + a - 1) / a * a;
  if (void* p = std::aligned_alloc(a, rounded)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
