// Seed-mode session directories: named files plus a TOML manifest, created by pack or a
// setup process and only opened by the validator side.
#include "extpack/session/regions.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <sstream>
#include <system_error>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <toml++/toml.h>

namespace extpack::session {

namespace fs = std::filesystem;

namespace {

std::string worker_file(const char* prefix, std::uint32_t i) {
  return std::string(prefix) + "_" + std::to_string(i);
}

bool pid_alive(long pid) {
  if (pid <= 0) return false;
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

Result<shm::UniqueFd> open_file(const fs::path& p, bool create) {
  int flags = O_RDWR | O_CLOEXEC | (create ? (O_CREAT | O_EXCL) : 0);
  int fd = ::open(p.c_str(), flags, 0600);
  if (fd < 0) {
    return make_error("cannot {} {}: {}", create ? "create" : "open", p.string(),
                      std::strerror(errno));
  }
  return shm::UniqueFd(fd);
}

Result<SessionFds> open_all(const fs::path& dir, std::uint32_t workers, bool create) {
  SessionFds fds;
  auto one = [&](const std::string& name, shm::UniqueFd& out) -> Result<void> {
    auto f = open_file(dir / name, create);
    if (!f) return f.error();
    out = std::move(*f);
    return {};
  };
  if (auto r = one(ALLOCATOR_FILE, fds.allocator); !r) return r.error();
  if (auto r = one(TPU_TO_PACK_FILE, fds.tpu_to_pack); !r) return r.error();
  if (auto r = one(PROGRESS_TRACKER_FILE, fds.progress_tracker); !r) return r.error();
  fds.pack_to_worker.resize(workers);
  fds.worker_to_pack.resize(workers);
  for (std::uint32_t i = 0; i < workers; ++i) {
    if (auto r = one(worker_file("pack_to_worker", i), fds.pack_to_worker[i]); !r) {
      return r.error();
    }
    if (auto r = one(worker_file("worker_to_pack", i), fds.worker_to_pack[i]); !r) {
      return r.error();
    }
  }
  return fds;
}

std::string render_manifest(const Manifest& m) {
  const auto& c = m.config;
  toml::table t{
      {"format", m.format},
      {"creator_pid", static_cast<std::int64_t>(m.creator_pid)},
      {"num_workers", static_cast<std::int64_t>(c.num_workers)},
      {"allocator_handles", static_cast<std::int64_t>(c.allocator_handles)},
      {"allocator_size", static_cast<std::int64_t>(c.allocator_size)},
      {"tpu_to_pack_capacity", static_cast<std::int64_t>(c.tpu_to_pack_capacity)},
      {"progress_tracker_capacity", static_cast<std::int64_t>(c.progress_tracker_capacity)},
      {"pack_to_worker_capacity", static_cast<std::int64_t>(c.pack_to_worker_capacity)},
      {"worker_to_pack_capacity", static_cast<std::int64_t>(c.worker_to_pack_capacity)},
  };
  std::ostringstream out;
  out << "# extpack seed-mode session (protocol: agave-scheduler-bindings 3.1)\n" << t << "\n";
  return out.str();
}

Result<void> check_size(const shm::UniqueFd& fd, std::uint64_t want, const std::string& what) {
  auto sz = shm::file_size(fd.get());
  if (!sz) return sz.error();
  if (*sz != want) {
    return make_error("{} is {} bytes; the manifest implies {}", what, *sz, want);
  }
  return {};
}

} // namespace

Result<Manifest> read_manifest(const fs::path& dir) {
  const fs::path path = dir / MANIFEST_FILE;
  toml::table t;
  try {
    t = toml::parse_file(path.string());
  } catch (const toml::parse_error& e) {
    return make_error("cannot read session manifest {}: {}", path.string(), e.description());
  }
  Manifest m;
  auto get = [&](const char* key, auto& out) -> Result<void> {
    auto v = t[key].value<std::int64_t>();
    if (!v || *v < 0)
      return make_error("manifest {}: missing or invalid key '{}'", path.string(), key);
    out = static_cast<std::remove_reference_t<decltype(out)>>(*v);
    return {};
  };
  auto& c = m.config;
  for (auto r : {get("format", m.format), get("creator_pid", m.creator_pid),
                 get("num_workers", c.num_workers), get("allocator_handles", c.allocator_handles),
                 get("allocator_size", c.allocator_size),
                 get("tpu_to_pack_capacity", c.tpu_to_pack_capacity),
                 get("progress_tracker_capacity", c.progress_tracker_capacity),
                 get("pack_to_worker_capacity", c.pack_to_worker_capacity),
                 get("worker_to_pack_capacity", c.worker_to_pack_capacity)}) {
    if (!r) return r.error();
  }
  if (m.format != 1)
    return make_error("manifest {}: unsupported format {}", path.string(), m.format);
  if (auto r = c.validate(); !r)
    return make_error("manifest {}: {}", path.string(), r.error().message);
  return m;
}

Result<SessionFds> open_regions(const fs::path& dir) {
  auto m = read_manifest(dir);
  if (!m) return m.error();
  const auto& c = m->config;
  auto fds = open_all(dir, c.num_workers, false);
  if (!fds) return fds.error();
  using namespace abi;
  if (auto r = check_size(fds->allocator, c.allocator_size, "allocator"); !r) return r.error();
  if (auto r = check_size(fds->tpu_to_pack,
                          shm::queue_minimum_file_size<TpuToPackMessage>(c.tpu_to_pack_capacity),
                          "tpu_to_pack");
      !r) {
    return r.error();
  }
  if (auto r =
          check_size(fds->progress_tracker,
                     shm::queue_minimum_file_size<ProgressMessage>(c.progress_tracker_capacity),
                     "progress_tracker");
      !r) {
    return r.error();
  }
  for (std::uint32_t i = 0; i < c.num_workers; ++i) {
    if (auto r =
            check_size(fds->pack_to_worker[i],
                       shm::queue_minimum_file_size<PackToWorkerMessage>(c.pack_to_worker_capacity),
                       worker_file("pack_to_worker", i));
        !r) {
      return r.error();
    }
    if (auto r =
            check_size(fds->worker_to_pack[i],
                       shm::queue_minimum_file_size<WorkerToPackMessage>(c.worker_to_pack_capacity),
                       worker_file("worker_to_pack", i));
        !r) {
      return r.error();
    }
  }
  return fds;
}

Regions::~Regions() {
  remove();
}

Regions::Regions(Regions&& o) noexcept : dir_(std::move(o.dir_)) {
  o.dir_.clear();
}

Regions& Regions::operator=(Regions&& o) noexcept {
  if (this != &o) {
    remove();
    dir_ = std::move(o.dir_);
    o.dir_.clear();
  }
  return *this;
}

void Regions::remove() {
  if (dir_.empty()) return;
  std::error_code ec;
  fs::remove_all(dir_, ec);
  dir_.clear();
}

Result<Regions> Regions::create(const fs::path& dir, const SessionConfig& cfg) {
  if (auto r = cfg.validate(); !r) return r.error();
  std::error_code ec;
  if (fs::exists(dir, ec)) {
    auto m = read_manifest(dir);
    if (m && pid_alive(m->creator_pid)) {
      return make_error("session directory {} is in use by running process {}", dir.string(),
                        m->creator_pid);
    }
    if (m) {
      return make_error("stale session directory {} left by process {}, which is no longer "
                        "running; remove it (rm -r {}) before starting a new session",
                        dir.string(), m->creator_pid, dir.string());
    }
    return make_error("{} already exists and is not a complete session directory ({}); "
                      "remove it or choose another path",
                      dir.string(), m.error().message);
  }
  if (::mkdir(dir.c_str(), 0700) != 0) {
    return make_error("cannot create session directory {}: {}", dir.string(), std::strerror(errno));
  }
  Regions regions;
  regions.dir_ = dir; // from here on, failure removes what was made
  auto fds = open_all(dir, cfg.num_workers, true);
  if (!fds) return fds.error();
  if (auto r = initialize_regions(*fds, cfg); !r) return r.error();

  Manifest m;
  m.config = cfg;
  m.creator_pid = static_cast<long>(::getpid());
  const fs::path tmp = dir / (std::string(MANIFEST_FILE) + ".tmp");
  {
    std::ofstream out(tmp);
    out << render_manifest(m);
    if (!out.good()) return make_error("cannot write {}", tmp.string());
  }
  fs::rename(tmp, dir / MANIFEST_FILE, ec);
  if (ec) return make_error("cannot publish manifest in {}: {}", dir.string(), ec.message());
  return regions;
}

} // namespace extpack::session
