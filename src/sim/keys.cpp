// Deterministic key derivation and the well-known program ids (see keys.hpp).
#include "extpack/sim/keys.hpp"

#include <cstring>
#include <stdexcept>
#include <string>

#include <sodium.h>

#include "extpack/common/encoding.hpp"

namespace extpack::sim {

namespace {
Pubkey decode_key(const char* base58) {
  auto bytes = base58_decode(base58);
  Pubkey k{};
  if (!bytes || bytes->size() != k.size()) {
    // A constant in this file is wrong: a programming error, not an input error.
    throw std::logic_error(std::string("bad built-in base58 key ") + base58);
  }
  std::memcpy(k.data(), bytes->data(), k.size());
  return k;
}
} // namespace

std::array<std::uint8_t, 32> derive_bytes(std::string_view domain, std::uint64_t seed,
                                          std::uint64_t index) {
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, 32);
  crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(domain.data()),
                            domain.size());
  std::uint8_t tail[16];
  std::memcpy(tail, &seed, 8);
  std::memcpy(tail + 8, &index, 8);
  crypto_generichash_update(&st, tail, sizeof tail);
  std::array<std::uint8_t, 32> out{};
  crypto_generichash_final(&st, out.data(), out.size());
  return out;
}

Keypair derive_keypair(std::string_view domain, std::uint64_t seed, std::uint64_t index) {
  static_assert(crypto_sign_SECRETKEYBYTES == 64 && crypto_sign_PUBLICKEYBYTES == 32);
  const auto s = derive_bytes(domain, seed, index);
  Keypair kp;
  crypto_sign_seed_keypair(kp.pubkey.data(), kp.secret.data(), s.data());
  return kp;
}

Pubkey derive_address(std::string_view domain, std::uint64_t seed, std::uint64_t index) {
  return derive_bytes(domain, seed, index);
}

const Pubkey& vote_program_id() {
  static const Pubkey k = decode_key("Vote111111111111111111111111111111111111111");
  return k;
}
const Pubkey& system_program_id() {
  static const Pubkey k{};
  return k;
}
const Pubkey& token_program_id() {
  static const Pubkey k = decode_key("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA");
  return k;
}
const Pubkey& clock_sysvar_id() {
  static const Pubkey k = decode_key("SysvarC1ock11111111111111111111111111111111");
  return k;
}

std::size_t KeyHash::operator()(const Pubkey& k) const {
  std::uint64_t v = 0;
  std::memcpy(&v, k.data(), sizeof v);
  return static_cast<std::size_t>(v);
}

} // namespace extpack::sim
