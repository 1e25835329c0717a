// The 3.1 handshake: a full session between two processes, every malformed logon answered
// with its reason and no descriptor leaked, and a client that survives a broken server.
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <thread>

#include <gtest/gtest.h>

#include "extpack/session/handshake.hpp"

namespace {

namespace fs = std::filesystem;
namespace abi = extpack::abi;
namespace session = extpack::session;
namespace shm = extpack::shm;
using namespace std::chrono_literals;

fs::path socket_path(const char* tag) {
  return fs::temp_directory_path() / fmt::format("extpack-hs-{}-{}.sock", tag, ::getpid());
}

std::size_t open_fd_count() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator("/proc/self/fd"))
    ++n;
  return n;
}

session::ClientLogon good_logon(std::uint64_t workers = 2) {
  session::SessionConfig cfg;
  cfg.num_workers = static_cast<std::uint32_t>(workers);
  cfg.allocator_handles = 1;
  cfg.allocator_size = 8ull * 1024 * 1024;
  cfg.tpu_to_pack_capacity = 64;
  cfg.progress_tracker_capacity = 8;
  cfg.pack_to_worker_capacity = 8;
  cfg.worker_to_pack_capacity = 8;
  return session::to_logon(cfg);
}

/// Connects a raw socket to `path` and sends `bytes` (possibly fewer than 1024).
int raw_client(const fs::path& path, const std::uint8_t* bytes, std::size_t len) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) return -1;
  if (len > 0) {
    EXPECT_EQ(::send(fd, bytes, len, 0), static_cast<ssize_t>(len));
  }
  return fd;
}

/// Reads the server's failure answer [0x02, len, reason] from a raw client socket.
std::string read_failure(int fd) {
  std::uint8_t buf[300] = {};
  ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
  if (n < 2 || buf[0] != session::LOGON_FAILURE) return "<no failure answer>";
  return std::string(reinterpret_cast<char*>(buf + 2), std::min<std::size_t>(buf[1], n - 2));
}

TEST(Handshake, LogonBytesAreVersionThenClientLogonThenZeros) {
  session::ClientLogon l{3, 1u << 30, 2, 1000, 2000, 3000, 4000};
  auto b = session::encode_logon(l);
  EXPECT_EQ(b[0], 1);
  for (int i = 1; i < 8; ++i)
    EXPECT_EQ(b[i], 0);
  std::uint64_t v = 0;
  std::memcpy(&v, b.data() + 8, 8);
  EXPECT_EQ(v, 3u);
  std::memcpy(&v, b.data() + 16, 8);
  EXPECT_EQ(v, 1u << 30);
  std::memcpy(&v, b.data() + 56, 8);
  EXPECT_EQ(v, 4000u);
  for (std::size_t i = 64; i < b.size(); ++i)
    ASSERT_EQ(b[i], 0) << i;
}

// Server (Agave side) in this process, client (pack) in a forked child.
TEST(Handshake, FullSessionBetweenTwoProcessesCarriesTraffic) {
  const auto path = socket_path("full");
  auto server = session::HandshakeServer::listen(path);
  ASSERT_TRUE(server) << server.error().message;

  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto fds = session::connect_handshake(path, good_logon(2), 2000ms);
    if (!fds) ::_exit(10);
    auto pack = session::PackSession::join(*fds, 1);
    if (!pack) ::_exit(11);
    if (pack->allocators[0].worker_id() != 3) ::_exit(12);
    // Wait for one transaction and one progress message, then answer on every worker.
    const abi::TpuToPackMessage* m = nullptr;
    for (int i = 0; i < 3000 && m == nullptr; ++i) {
      pack->tpu_to_pack.sync();
      m = pack->tpu_to_pack.try_read();
      if (m == nullptr) ::usleep(1000);
    }
    if (m == nullptr || m->transaction.length != 128) ::_exit(13);
    auto& alloc = pack->allocators[0];
    if (!alloc.check_region(m->transaction.offset, 128)) ::_exit(14);
    if (alloc.ptr_from_offset(m->transaction.offset)[5] != 42) ::_exit(15);
    alloc.free(alloc.ptr_from_offset(m->transaction.offset));
    pack->tpu_to_pack.finalize();
    for (std::uint32_t w = 0; w < 2; ++w) {
      abi::PackToWorkerMessage msg{};
      msg.flags = abi::pack_message_flags::RESOLVE;
      msg.max_execution_slot = 9 + w;
      if (!pack->pack_to_worker[w].try_write(msg)) ::_exit(16);
      pack->pack_to_worker[w].commit();
    }
    ::_exit(0);
  }

  auto accepted = server->accept(5000ms);
  ASSERT_TRUE(accepted) << accepted.error().message;
  EXPECT_EQ(accepted->logon.worker_count, 2u);
  auto agave = session::AgaveSession::join(accepted->fds);
  ASSERT_TRUE(agave) << agave.error().message;
  EXPECT_EQ(agave->tpu_allocator.layout().num_workers, 1u + 2u + 1u);
  EXPECT_EQ(agave->tpu_allocator.layout().slab_size, 2u * 1024 * 1024);
  auto* tx = static_cast<std::uint8_t*>(agave->tpu_allocator.allocate(128));
  ASSERT_NE(tx, nullptr);
  std::memset(tx, 42, 128);
  abi::TpuToPackMessage m{};
  m.transaction = {agave->tpu_allocator.offset(tx), 128, 0};
  ASSERT_TRUE(agave->tpu_to_pack.try_write(m));
  agave->tpu_to_pack.commit();

  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0) << "client failed at step " << WEXITSTATUS(status);
  for (std::uint32_t w = 0; w < 2; ++w) {
    auto& q = agave->workers[w].pack_to_worker;
    q.sync();
    const auto* msg = q.try_read();
    ASSERT_NE(msg, nullptr);
    EXPECT_EQ(msg->flags, abi::pack_message_flags::RESOLVE);
    EXPECT_EQ(msg->max_execution_slot, 9u + w);
  }
  agave->tpu_allocator.clean_remote_free_lists();
  EXPECT_EQ(agave->tpu_allocator.usage(0).allocations, 0u);
}

struct BadLogon {
  const char* name;
  std::uint64_t version;
  session::ClientLogon logon;
  const char* reason;
};

class MalformedLogon : public ::testing::TestWithParam<BadLogon> {};

TEST_P(MalformedLogon, IsAnsweredWithItsReasonAndLeaksNothing) {
  const auto& p = GetParam();
  const auto path = socket_path(p.name);
  auto server = session::HandshakeServer::listen(path);
  ASSERT_TRUE(server) << server.error().message;
  const std::size_t fds_before = open_fd_count();

  auto bytes = session::encode_logon(p.logon);
  for (int i = 0; i < 8; ++i)
    bytes[i] = static_cast<std::uint8_t>(p.version >> (8 * i));
  int client = raw_client(path, bytes.data(), bytes.size());
  ASSERT_GE(client, 0);
  auto accepted = server->accept(2000ms);
  ASSERT_FALSE(accepted);
  EXPECT_EQ(accepted.error().message.rfind(p.reason, 0), 0u) << accepted.error().message;
  EXPECT_EQ(read_failure(client).rfind(p.reason, 0), 0u);
  ::close(client);
  EXPECT_EQ(open_fd_count(), fds_before) << "descriptors leaked by a failed handshake";
}

session::ClientLogon with(session::ClientLogon l, std::uint64_t session::ClientLogon::*f,
                          std::uint64_t v) {
  l.*f = v;
  return l;
}

INSTANTIATE_TEST_SUITE_P(
    Reasons, MalformedLogon,
    ::testing::Values(
        BadLogon{"version", 2, good_logon(), "Version; server=1; client=2"},
        BadLogon{"workers0", 1, with(good_logon(), &session::ClientLogon::worker_count, 0),
                 "Worker count; count=0"},
        BadLogon{"workers65", 1, with(good_logon(), &session::ClientLogon::worker_count, 65),
                 "Worker count; count=65"},
        BadLogon{"handles0", 1, with(good_logon(), &session::ClientLogon::allocator_handles, 0),
                 "Allocator handles; count=0"},
        BadLogon{"handles129", 1, with(good_logon(), &session::ClientLogon::allocator_handles, 129),
                 "Allocator handles; count=129"},
        BadLogon{"tinyqueue", 1, with(good_logon(), &session::ClientLogon::tpu_to_pack_size, 100),
                 "Shaq; err="},
        BadLogon{"tinyalloc", 1, with(good_logon(), &session::ClientLogon::allocator_size, 4096),
                 "Rts alloc; err="}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(Handshake, ClientThatStallsAfterTenBytesTimesOut) {
  const auto path = socket_path("stall");
  auto server = session::HandshakeServer::listen(path);
  ASSERT_TRUE(server);
  const std::size_t fds_before = open_fd_count();
  auto bytes = session::encode_logon(good_logon());
  int client = raw_client(path, bytes.data(), 10);
  const auto start = std::chrono::steady_clock::now();
  auto accepted = server->accept(2000ms);
  ASSERT_FALSE(accepted);
  EXPECT_EQ(accepted.error().message, "Timeout");
  EXPECT_EQ(read_failure(client), "Timeout");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s) << "the server must not hang";
  ::close(client);
  EXPECT_EQ(open_fd_count(), fds_before);
}

TEST(Handshake, ClientThatDisconnectsMidLogonIsReported) {
  const auto path = socket_path("hangup");
  auto server = session::HandshakeServer::listen(path);
  ASSERT_TRUE(server);
  auto bytes = session::encode_logon(good_logon());
  int client = raw_client(path, bytes.data(), 100);
  ::close(client);
  auto accepted = server->accept(2000ms);
  ASSERT_FALSE(accepted);
  EXPECT_EQ(accepted.error().message, "Close during handshake");
  // The server keeps serving: a good client succeeds next.
  std::thread t([&] {
    auto fds = session::connect_handshake(path, good_logon(1), 2000ms);
    EXPECT_TRUE(fds) << fds.error().message;
  });
  auto ok = server->accept(3000ms);
  t.join();
  EXPECT_TRUE(ok) << ok.error().message;
}

TEST(Handshake, ClientSeesTheServersReason) {
  const auto path = socket_path("reason");
  auto server = session::HandshakeServer::listen(path);
  ASSERT_TRUE(server);
  std::thread t([&] { (void)server->accept(3000ms); });
  auto fds = session::connect_handshake(
      path, with(good_logon(), &session::ClientLogon::worker_count, 99), 2000ms);
  t.join();
  ASSERT_FALSE(fds);
  EXPECT_NE(fds.error().message.find("Worker count; count=99"), std::string::npos)
      << fds.error().message;
}

/// A fake server answering `answer` with `nfds` descriptors of /dev/null.
void fake_server(const fs::path& path, std::vector<std::uint8_t> answer, int nfds) {
  int l = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  ASSERT_EQ(::bind(l, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(::listen(l, 1), 0);
  std::thread([l, path, answer, nfds] {
    int c = ::accept(l, nullptr, nullptr);
    std::uint8_t buf[1024];
    std::size_t have = 0;
    while (have < sizeof(buf)) {
      ssize_t n = ::recv(c, buf + have, sizeof(buf) - have, 0);
      if (n <= 0) break;
      have += static_cast<std::size_t>(n);
    }
    std::vector<int> fds;
    for (int i = 0; i < nfds; ++i)
      fds.push_back(::open("/dev/null", O_RDWR));
    iovec iov{const_cast<std::uint8_t*>(answer.data()), answer.size()};
    std::vector<char> control(CMSG_SPACE(sizeof(int) * std::max(nfds, 1)), 0);
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    if (nfds > 0) {
      msg.msg_control = control.data();
      msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
      cmsghdr* cm = CMSG_FIRSTHDR(&msg);
      cm->cmsg_level = SOL_SOCKET;
      cm->cmsg_type = SCM_RIGHTS;
      cm->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
      std::memcpy(CMSG_DATA(cm), fds.data(), sizeof(int) * nfds);
    }
    ::sendmsg(c, &msg, MSG_NOSIGNAL);
    for (int f : fds)
      ::close(f);
    ::close(c);
    ::close(l);
    ::unlink(path.c_str());
  }).detach();
}

TEST(Handshake, ClientRejectsGarbageAndTooFewDescriptors) {
  const std::size_t fds_before = open_fd_count();
  {
    const auto path = socket_path("garbage");
    fake_server(path, {0x07, 0x00}, 0);
    auto fds = session::connect_handshake(path, good_logon(2), 2000ms);
    ASSERT_FALSE(fds);
    EXPECT_NE(fds.error().message.find("protocol violation"), std::string::npos)
        << fds.error().message;
  }
  {
    const auto path = socket_path("fewfds");
    fake_server(path, {0x01}, 4); // 2 workers need 3 + 4 = 7
    auto fds = session::connect_handshake(path, good_logon(2), 2000ms);
    ASSERT_FALSE(fds);
    EXPECT_NE(fds.error().message.find("received 4 descriptors, expected 7"), std::string::npos)
        << fds.error().message;
  }
  {
    const auto path = socket_path("nofds");
    fake_server(path, {0x01}, 0);
    auto fds = session::connect_handshake(path, good_logon(2), 2000ms);
    ASSERT_FALSE(fds);
  }
  // Let the fake servers' (detached) threads close their ends, however slowly they run.
  for (int i = 0; i < 500 && open_fd_count() != fds_before; ++i)
    std::this_thread::sleep_for(10ms);
  EXPECT_EQ(open_fd_count(), fds_before) << "received descriptors must be closed on failure";
}

} // namespace
