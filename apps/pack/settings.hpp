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

/// The SessionConfig pack asks for in its 3.1 logon (socket mode): the [session] shape keys
/// of `cfg`. In 3.1 the client states the worker count, allocator size and queue sizes; the
/// validator creates them. The loader checked each key; this checks them together.
[[nodiscard]] Result<session::SessionConfig> session_config(const ops::PackConfig& cfg);

/// The runtime configuration `cfg` describes.
[[nodiscard]] pack::RuntimeConfig runtime_config(const ops::PackConfig& cfg);

/// The policy `cfg` names. Errors: unknown name, or parameters given to a policy (the
/// shipped policies take none); the message names the key.
[[nodiscard]] Result<std::unique_ptr<sched::Policy>>
make_configured_policy(const ops::PackConfig& cfg);

/// Every effective value, "key=value" separated by spaces, for the startup log.
[[nodiscard]] std::string describe(const ops::PackConfig& cfg);

} // namespace extpack::apps
