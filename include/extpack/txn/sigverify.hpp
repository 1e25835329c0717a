// Ed25519 signature verification of a parsed transaction (libsodium). Each signature i signs
// the message bytes with the secret key of static key i. Thread-safe.
#pragma once

#include <cstddef>

#include "extpack/txn/view.hpp"

namespace extpack::txn {

/// True if every signature i verifies against static key i over the message bytes. A
/// transaction without signatures proves nothing and returns false.
[[nodiscard]] bool verify_signatures(const TransactionView& tx);

/// True if signature i verifies (false if i has no signature or no matching static key).
[[nodiscard]] bool verify_signature(const TransactionView& tx, std::size_t i);

} // namespace extpack::txn
