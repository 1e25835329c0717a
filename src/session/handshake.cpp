// The 3.1 handshake: logon encoding, the server's validation and region creation, and the
// SCM_RIGHTS transfer of every descriptor to the client.
#include "extpack/session/handshake.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <vector>

namespace extpack::session {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::size_t kMaxFds = GLOBAL_SHMEM + 2 * MAX_WORKERS;

Result<sockaddr_un> socket_address(const fs::path& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string& s = path.native();
  if (s.empty() || s.size() >= sizeof(addr.sun_path)) {
    return make_error("socket path '{}' must be 1..{} bytes", s, sizeof(addr.sun_path) - 1);
  }
  std::memcpy(addr.sun_path, s.c_str(), s.size() + 1);
  return addr;
}

void set_timeouts(int fd, std::chrono::milliseconds t) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(t.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((t.count() % 1000) * 1000);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/// Sends [0x02, len, reason] without blocking; the result is ignored, as in the 3.1 server.
void send_failure(int fd, const std::string& reason) {
  std::size_t len = std::min<std::size_t>(reason.size(), 255);
  // Never cut a UTF-8 sequence: back up to a character boundary.
  while (len > 0 && len < reason.size() &&
         (static_cast<unsigned char>(reason[len]) & 0xC0) == 0x80) {
    --len;
  }
  std::vector<std::uint8_t> msg;
  msg.push_back(LOGON_FAILURE);
  msg.push_back(static_cast<std::uint8_t>(len));
  msg.insert(msg.end(), reason.begin(), reason.begin() + static_cast<std::ptrdiff_t>(len));
  [[maybe_unused]] auto n = ::send(fd, msg.data(), msg.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
}

/// Reads exactly the handshake buffer within HANDSHAKE_TIMEOUT.
Result<std::array<std::uint8_t, HANDSHAKE_BUFFER_SIZE>> read_logon(int fd) {
  std::array<std::uint8_t, HANDSHAKE_BUFFER_SIZE> buf{};
  std::size_t have = 0;
  const auto start = Clock::now();
  set_timeouts(fd, HANDSHAKE_TIMEOUT);
  while (have < buf.size()) {
    ssize_t n = ::recv(fd, buf.data() + have, buf.size() - have, 0);
    if (n == 0) return make_error("Close during handshake");
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return make_error("Timeout");
      return make_error("Io; err={}", std::strerror(errno));
    }
    have += static_cast<std::size_t>(n);
    if (have < buf.size() && Clock::now() - start > HANDSHAKE_TIMEOUT) {
      return make_error("Timeout");
    }
  }
  return buf;
}

Result<ClientLogon> decode_logon(const std::array<std::uint8_t, HANDSHAKE_BUFFER_SIZE>& buf) {
  std::uint64_t version = 0;
  for (int i = 7; i >= 0; --i)
    version = (version << 8) | buf[static_cast<std::size_t>(i)];
  if (version != HANDSHAKE_VERSION) {
    return make_error("Version; server={}; client={}", HANDSHAKE_VERSION, version);
  }
  ClientLogon logon{};
  std::memcpy(&logon, buf.data() + 8, sizeof(logon));
  if (logon.worker_count < 1 || logon.worker_count > MAX_WORKERS) {
    return make_error("Worker count; count={}", logon.worker_count);
  }
  if (logon.allocator_handles < 1 || logon.allocator_handles > MAX_ALLOCATOR_HANDLES) {
    return make_error("Allocator handles; count={}", logon.allocator_handles);
  }
  return logon;
}

Result<SessionFds> make_memfds(std::uint32_t workers) {
  SessionFds fds;
  auto one = [](shm::UniqueFd& out) -> Result<void> {
    auto f = shm::memfd(SHMEM_NAME);
    if (!f) return make_error("Io; err={}", f.error().message);
    out = std::move(*f);
    return {};
  };
  if (auto r = one(fds.allocator); !r) return r.error();
  if (auto r = one(fds.tpu_to_pack); !r) return r.error();
  if (auto r = one(fds.progress_tracker); !r) return r.error();
  fds.pack_to_worker.resize(workers);
  fds.worker_to_pack.resize(workers);
  for (std::uint32_t i = 0; i < workers; ++i) {
    if (auto r = one(fds.pack_to_worker[i]); !r) return r.error();
    if (auto r = one(fds.worker_to_pack[i]); !r) return r.error();
  }
  return fds;
}

Result<void> send_success(int fd, const SessionFds& fds) {
  std::vector<int> all = {fds.allocator.get(), fds.tpu_to_pack.get(), fds.progress_tracker.get()};
  for (std::size_t i = 0; i < fds.pack_to_worker.size(); ++i) {
    all.push_back(fds.pack_to_worker[i].get());
    all.push_back(fds.worker_to_pack[i].get());
  }
  std::uint8_t byte = LOGON_SUCCESS;
  iovec iov{&byte, 1};
  std::vector<char> control(CMSG_SPACE(sizeof(int) * all.size()), 0);
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.data();
  msg.msg_controllen = control.size();
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int) * all.size());
  std::memcpy(CMSG_DATA(c), all.data(), sizeof(int) * all.size());
  if (::sendmsg(fd, &msg, MSG_NOSIGNAL) != 1) {
    return make_error("Io; err=sending the session descriptors failed: {}", std::strerror(errno));
  }
  return {};
}

} // namespace

std::array<std::uint8_t, HANDSHAKE_BUFFER_SIZE> encode_logon(const ClientLogon& logon) {
  std::array<std::uint8_t, HANDSHAKE_BUFFER_SIZE> buf{};
  for (int i = 0; i < 8; ++i) {
    buf[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(HANDSHAKE_VERSION >> (8 * i));
  }
  std::memcpy(buf.data() + 8, &logon, sizeof(logon));
  return buf;
}

HandshakeServer::~HandshakeServer() {
  if (fd_.valid() && !path_.empty()) ::unlink(path_.c_str());
}

HandshakeServer::HandshakeServer(HandshakeServer&& o) noexcept
    : fd_(std::move(o.fd_)), path_(std::move(o.path_)) {
  o.path_.clear();
}

HandshakeServer& HandshakeServer::operator=(HandshakeServer&& o) noexcept {
  if (this != &o) {
    if (fd_.valid() && !path_.empty()) ::unlink(path_.c_str());
    fd_ = std::move(o.fd_);
    path_ = std::move(o.path_);
    o.path_.clear();
  }
  return *this;
}

Result<HandshakeServer> HandshakeServer::listen(const fs::path& path) {
  auto addr = socket_address(path);
  if (!addr) return addr.error();
  shm::UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return make_error("socket() failed: {}", std::strerror(errno));
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&*addr), sizeof(*addr)) != 0) {
    return make_error("cannot bind {}: {}", path.string(), std::strerror(errno));
  }
  HandshakeServer s;
  s.fd_ = std::move(fd);
  s.path_ = path; // from here on the destructor unlinks it
  if (::listen(s.fd_.get(), 8) != 0) {
    return make_error("cannot listen on {}: {}", path.string(), std::strerror(errno));
  }
  return s;
}

Result<AcceptedSession> HandshakeServer::accept(std::chrono::milliseconds wait) {
  pollfd p{fd_.get(), POLLIN, 0};
  int ready = ::poll(&p, 1, static_cast<int>(wait.count()));
  if (ready == 0) return make_error("no client within {} ms", wait.count());
  if (ready < 0) return make_error("poll on {} failed: {}", path_.string(), std::strerror(errno));
  shm::UniqueFd conn(::accept4(fd_.get(), nullptr, nullptr, SOCK_CLOEXEC));
  if (!conn.valid()) {
    return make_error("accept on {} failed: {}", path_.string(), std::strerror(errno));
  }
  return serve(conn.get());
}

Result<AcceptedSession> HandshakeServer::serve(int connection) {
  auto buf = read_logon(connection);
  if (!buf) {
    send_failure(connection, buf.error().message);
    return buf.error();
  }
  auto logon = decode_logon(*buf);
  if (!logon) {
    send_failure(connection, logon.error().message);
    return logon.error();
  }
  auto fds = make_memfds(static_cast<std::uint32_t>(logon->worker_count));
  if (!fds) {
    send_failure(connection, fds.error().message);
    return fds.error();
  }
  if (auto r = initialize_regions(*fds, *logon); !r) {
    send_failure(connection, r.error().message);
    return r.error();
  }
  if (auto r = send_success(connection, *fds); !r) return r.error();
  return AcceptedSession{*logon, std::move(*fds)};
}

Result<SessionFds> connect_handshake(const fs::path& path, const ClientLogon& logon,
                                     std::chrono::milliseconds timeout) {
  auto addr = socket_address(path);
  if (!addr) return addr.error();
  shm::UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return make_error("socket() failed: {}", std::strerror(errno));
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&*addr), sizeof(*addr)) != 0) {
    return make_error("cannot connect to {}: {}", path.string(), std::strerror(errno));
  }
  set_timeouts(fd.get(), timeout);
  const auto buf = encode_logon(logon);
  std::size_t sent = 0;
  while (sent < buf.size()) {
    ssize_t n = ::send(fd.get(), buf.data() + sent, buf.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      return make_error("sending the logon to {} failed: {}", path.string(),
                        n < 0 ? std::strerror(errno) : "connection closed");
    sent += static_cast<std::size_t>(n);
  }

  std::array<std::uint8_t, HANDSHAKE_BUFFER_SIZE> data{};
  std::vector<char> control(CMSG_SPACE(sizeof(int) * kMaxFds), 0);
  iovec iov{data.data(), data.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.data();
  msg.msg_controllen = control.size();
  ssize_t n = 0;
  do {
    n = ::recvmsg(fd.get(), &msg, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return make_error("no answer from {}: {}", path.string(), std::strerror(errno));
  if (n == 0) return make_error("{} closed the connection without answering", path.string());

  // Take ownership of every descriptor received before judging the answer, so none leaks.
  std::vector<shm::UniqueFd> received;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    const std::size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (std::size_t i = 0; i < count; ++i) {
      int one = -1;
      std::memcpy(&one, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
      received.emplace_back(one);
    }
  }
  if (data[0] == LOGON_FAILURE) {
    std::size_t len = n >= 2 ? std::min<std::size_t>(data[1], static_cast<std::size_t>(n) - 2) : 0;
    return make_error("server rejected the logon: {}",
                      std::string(reinterpret_cast<const char*>(data.data() + 2), len));
  }
  if (data[0] != LOGON_SUCCESS) {
    return make_error("protocol violation: answer byte 0x{:02x} is neither success nor failure",
                      data[0]);
  }
  if ((msg.msg_flags & MSG_CTRUNC) != 0) {
    return make_error("protocol violation: more descriptors than a 3.1 session can have ({})",
                      kMaxFds);
  }
  const std::size_t workers2 = received.size() < GLOBAL_SHMEM ? 0 : received.size() - GLOBAL_SHMEM;
  if (received.size() < GLOBAL_SHMEM || workers2 == 0 || workers2 % 2 != 0 ||
      workers2 != 2 * logon.worker_count) {
    return make_error("protocol violation: received {} descriptors, expected {} for {} workers",
                      received.size(), GLOBAL_SHMEM + 2 * logon.worker_count, logon.worker_count);
  }
  SessionFds fds;
  fds.allocator = std::move(received[0]);
  fds.tpu_to_pack = std::move(received[1]);
  fds.progress_tracker = std::move(received[2]);
  for (std::size_t i = GLOBAL_SHMEM; i < received.size(); i += 2) {
    fds.pack_to_worker.push_back(std::move(received[i]));
    fds.worker_to_pack.push_back(std::move(received[i + 1]));
  }
  return fds;
}

} // namespace extpack::session
