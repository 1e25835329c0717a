// Seed mode: the shared memory is created outside the validator, as named files in a
// directory (e.g. /dev/shm/extpack-<name>/), with a manifest the other side reads to join.
// The validator side only opens the files; it never creates or deletes them. The creator
// removes them on clean exit. A directory left by a crashed creator is detected (its
// manifest names a pid that no longer runs) and reported, never silently reused.
#pragma once

#include <filesystem>
#include <string>

#include "extpack/common/result.hpp"
#include "extpack/session/session.hpp"

namespace extpack::session {

/// File names inside a session directory.
inline constexpr const char* MANIFEST_FILE = "manifest";
inline constexpr const char* ALLOCATOR_FILE = "allocator";
inline constexpr const char* TPU_TO_PACK_FILE = "tpu_to_pack";
inline constexpr const char* PROGRESS_TRACKER_FILE = "progress_tracker";
// Per worker: "pack_to_worker_<i>" and "worker_to_pack_<i>".

/// What the manifest records: the session's shape and who created it.
struct Manifest {
  std::uint32_t format = 1;
  SessionConfig config;
  long creator_pid = 0;
};

/// The creator's handle on a session directory; removes the directory when destroyed
/// unless release()d.
class Regions {
public:
  Regions() = default;
  ~Regions();
  Regions(Regions&& o) noexcept;
  Regions& operator=(Regions&& o) noexcept;
  Regions(const Regions&) = delete;
  Regions& operator=(const Regions&) = delete;

  /// Creates `dir` (which must not exist; a stale one is reported with its pid), the
  /// files, the allocator and the queues, then writes the manifest last.
  static Result<Regions> create(const std::filesystem::path& dir, const SessionConfig& cfg);

  [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }
  /// Deletes the session files and the directory now.
  void remove();
  /// Keeps the files on destruction (another process took over their removal).
  void release() { dir_.clear(); }

private:
  std::filesystem::path dir_;
};

/// Reads and validates `dir`/manifest.
Result<Manifest> read_manifest(const std::filesystem::path& dir);

/// Opens every file of the session in `dir` read-write, checking the manifest and sizes.
Result<SessionFds> open_regions(const std::filesystem::path& dir);

} // namespace extpack::session
