// Ed25519 signature verification of a parsed transaction (libsodium).
#pragma once

#include "extpack/txn/view.hpp"

namespace extpack::txn {

/// True if every signature i verifies against static key i over the message bytes.
[[nodiscard]] bool verify_signatures(const TransactionView& tx);

}  // namespace extpack::txn
