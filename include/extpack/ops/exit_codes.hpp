// Process exit statuses of extpack-pack, agave-sim and extpack-report, so that systemd,
// the demo and scripts can tell a configuration mistake from a crash or a lost validator
// without reading logs. docs/OPERATIONS.md lists them for operators.
#pragma once

namespace extpack::ops {

enum class ExitCode : int {
  /// Ran to completion, or stopped by SIGTERM/SIGINT and drained within the grace period.
  Clean = 0,
  /// Failed while running (an invariant broke, a queue or the allocator was corrupt).
  RuntimeFailure = 1,
  /// Bad command line or configuration file; nothing was started. Fix the input.
  Usage = 2,
  /// The session could not be created or joined (missing or wrong-sized files, handshake
  /// refused, socket unreachable). Usually the other side is not up yet or disagrees on shape.
  SessionSetup = 3,
  /// The peer went away: no message from the validator for timeouts.validator_silence_ms,
  /// or the session was torn down. Restarting is the right reaction.
  PeerLost = 4,
  /// An output could not be produced: the metrics listener could not bind, or a stats
  /// file, block record or report could not be written.
  OutputFailure = 5,
};

/// The value to return from main().
[[nodiscard]] constexpr int status(ExitCode c) {
  return static_cast<int>(c);
}

/// "clean", "runtime failure", ...; "unknown" for a value that is not an ExitCode.
[[nodiscard]] const char* exit_code_name(int code);

} // namespace extpack::ops
