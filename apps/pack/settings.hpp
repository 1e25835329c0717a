// From extpack-pack's checked configuration (ops::PackConfig) to what the runtime takes,
// and the one-line description of the effective configuration logged at startup.
#pragma once

#include <memory>
#include <string>

#include "extpack/common/result.hpp"
#include "extpack/ops/pack_config.hpp"
#include "extpack/pack/runtime.hpp"
#include "extpack/sched/pass.hpp"
#include "extpack/session/session.hpp"

namespace extpack::apps {

/// The shape pack asks for in its 3.1 logon (socket mode). In 3.1 the client states the
/// worker count, allocator size and queue sizes; the validator creates them.
struct LogonShape {
  std::uint32_t workers = 4;
  std::uint64_t allocator_mib = 512;
  std::uint64_t tpu_to_pack_capacity = 1u << 16;
  std::uint64_t progress_tracker_capacity = 1u << 10;
  std::uint64_t pack_to_worker_capacity = 1u << 10;
  std::uint64_t worker_to_pack_capacity = 1u << 10;
};

/// The SessionConfig `shape` describes with `allocator_handles` handles; validated.
[[nodiscard]] Result<session::SessionConfig> session_config(const LogonShape& shape,
                                                            std::uint32_t allocator_handles);

/// The runtime configuration `cfg` describes.
[[nodiscard]] pack::RuntimeConfig runtime_config(const ops::PackConfig& cfg);

/// The policy `cfg` names. Errors: unknown name, or parameters given to a policy (the
/// shipped policies take none); the message names the key.
[[nodiscard]] Result<std::unique_ptr<sched::Policy>>
make_configured_policy(const ops::PackConfig& cfg);

/// Every effective value, "key=value" separated by spaces, for the startup log.
[[nodiscard]] std::string describe(const ops::PackConfig& cfg);

} // namespace extpack::apps
