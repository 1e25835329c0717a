// verify_signatures(): libsodium's Ed25519 verification of each signature against its signer.
//
// libsodium rejects small-order public keys and R points and non-canonical S, which matches
// the ed25519-dalek verify_strict that Agave's sigverify uses for transaction signatures.
#include "extpack/txn/sigverify.hpp"

#include <sodium.h>

namespace extpack::txn {
namespace {

bool sodium_ready() {
  // A function-local static is initialised once, thread-safely; sodium_init is idempotent.
  static const bool ready = sodium_init() >= 0;
  return ready;
}

} // namespace

bool verify_signature(const TransactionView& tx, std::size_t i) {
  if (!sodium_ready() || i >= tx.num_signatures() || i >= tx.num_static_keys()) return false;
  const std::span<const std::uint8_t> msg = tx.message();
  return crypto_sign_verify_detached(tx.signature(i).data(), msg.data(), msg.size(),
                                     tx.static_key(i).data()) == 0;
}

bool verify_signatures(const TransactionView& tx) {
  if (tx.num_signatures() == 0) return false;
  for (std::size_t i = 0; i < tx.num_signatures(); ++i) {
    if (!verify_signature(tx, i)) return false;
  }
  return true;
}

} // namespace extpack::txn
