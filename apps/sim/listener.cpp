// The simulator's handshake listener; see listener.hpp.
#include "listener.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <string>
#include <string_view>

namespace extpack::apps {

PackListener::~PackListener() {
  if (fd_.valid() && !path_.empty()) ::unlink(path_.c_str());
}

PackListener::PackListener(PackListener&& o) noexcept
    : fd_(std::move(o.fd_)), path_(std::move(o.path_)) {
  o.path_.clear();
}

Result<PackListener> PackListener::open(const std::filesystem::path& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string p = path.string();
  if (p.empty() || p.size() >= sizeof(addr.sun_path)) {
    return make_error("socket path '{}' is {} bytes; it must be 1..{}", p, p.size(),
                      sizeof(addr.sun_path) - 1);
  }
  std::memcpy(addr.sun_path, p.c_str(), p.size() + 1);
  shm::UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return make_error("socket() failed: {}", std::strerror(errno));
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    return make_error("cannot bind {}: {}", p, std::strerror(errno));
  }
  PackListener l;
  l.fd_ = std::move(fd);
  l.path_ = path; // removed by the destructor from here on
  if (::listen(l.fd_.get(), 8) != 0) {
    return make_error("cannot listen on {}: {}", p, std::strerror(errno));
  }
  return l;
}

Result<AcceptedPack> PackListener::accept(std::chrono::milliseconds wait) {
  pollfd pfd{fd_.get(), POLLIN, 0};
  const int ready = ::poll(&pfd, 1, static_cast<int>(wait.count()));
  if (ready == 0) return make_error("no client within {} ms", wait.count());
  if (ready < 0) {
    if (errno == EINTR) return make_error("no client (interrupted)");
    return make_error("poll on {} failed: {}", path_.string(), std::strerror(errno));
  }
  shm::UniqueFd conn(::accept4(fd_.get(), nullptr, nullptr, SOCK_CLOEXEC));
  if (!conn.valid())
    return make_error("accept on {} failed: {}", path_.string(), std::strerror(errno));
  ucred cred{};
  socklen_t len = sizeof cred;
  pid_t pid = 0;
  if (::getsockopt(conn.get(), SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0) pid = cred.pid;
  auto served = session::HandshakeServer::serve(conn.get());
  if (!served) return served.error();
  return AcceptedPack{std::move(*served), pid};
}

bool process_alive(pid_t pid) {
  if (pid <= 0) return true; // unknown: only a signal ends the wait
  if (::kill(pid, 0) != 0 && errno == ESRCH) return false;
  // Read with plain syscalls: the process can be reaped between open and read, and then
  // the read fails with ESRCH (a stream would throw from inside its iterator).
  const std::string path = "/proc/" + std::to_string(pid) + "/stat";
  shm::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return errno != ENOENT && errno != ESRCH;
  std::array<char, 512> buf{};
  ssize_t n = -1;
  do {
    n = ::read(fd.get(), buf.data(), buf.size());
  } while (n < 0 && errno == EINTR);
  if (n < 0) return errno != ESRCH;
  // "pid (comm) S ...": the state follows the last ')'. comm is at most 16 bytes, so the
  // state is well inside the first read.
  const std::string_view text(buf.data(), static_cast<std::size_t>(n));
  const auto close = text.rfind(')');
  if (close == std::string_view::npos || close + 2 >= text.size()) return true;
  const char state = text[close + 2];
  return state != 'Z' && state != 'X';
}

} // namespace extpack::apps
