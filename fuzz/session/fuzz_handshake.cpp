// Fuzzes the server half of the 3.1 handshake with arbitrary client bytes: whatever arrives,
// the server answers or fails with a reason, never crashes, and leaks no descriptor.
#include <sys/socket.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>

#include "extpack/session/handshake.hpp"

namespace {
std::size_t open_fds() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd"))
    ++n;
  return n;
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace extpack;
  // Bound the sizes the server will create so one input cannot exhaust the machine: the
  // allocator and queue sizes are taken from the input, capped at 64 MiB in total.
  std::uint8_t buf[session::HANDSHAKE_BUFFER_SIZE] = {};
  const std::size_t n = size < sizeof(buf) ? size : sizeof(buf);
  for (std::size_t i = 0; i < n; ++i)
    buf[i] = data[i];
  session::ClientLogon logon{};
  __builtin_memcpy(&logon, buf + 8, sizeof(logon));
  const std::uint64_t total = logon.allocator_size + logon.tpu_to_pack_size +
                              logon.progress_tracker_size +
                              (logon.pack_to_worker_size + logon.worker_to_pack_size) * 64;
  if (logon.allocator_size > (64u << 20) || logon.tpu_to_pack_size > (1u << 20) ||
      logon.progress_tracker_size > (1u << 20) || logon.pack_to_worker_size > (1u << 20) ||
      logon.worker_to_pack_size > (1u << 20) || total > (128u << 20)) {
    return 0;
  }

  const std::size_t before = open_fds();
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) std::abort();
  // Send what the fuzzer gave (a short input makes the server see end of stream).
  if (n > 0 && ::send(sv[0], buf, n, MSG_NOSIGNAL) != static_cast<ssize_t>(n)) std::abort();
  ::shutdown(sv[0], SHUT_WR);
  {
    auto r = session::HandshakeServer::serve(sv[1]);
    if (r) {
      // A session was created: the descriptors must be exactly 3 + 2W.
      if (r->fds.num_workers() != r->logon.worker_count) std::abort();
    }
  }
  ::close(sv[0]);
  ::close(sv[1]);
  if (open_fds() != before) std::abort();
  return 0;
}
