// Names of the exit statuses; see exit_codes.hpp.
#include "extpack/ops/exit_codes.hpp"

namespace extpack::ops {

const char* exit_code_name(int code) {
  switch (code) {
  case status(ExitCode::Clean):
    return "clean";
  case status(ExitCode::RuntimeFailure):
    return "runtime failure";
  case status(ExitCode::Usage):
    return "usage or configuration error";
  case status(ExitCode::SessionSetup):
    return "session setup failure";
  case status(ExitCode::PeerLost):
    return "peer lost";
  case status(ExitCode::OutputFailure):
    return "output failure";
  default:
    return "unknown";
  }
}

} // namespace extpack::ops
