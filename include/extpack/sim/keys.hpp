// Keys for the simulated cluster: ed25519 keypairs and plain addresses derived from a
// (domain, seed, index) triple with BLAKE2b, so every run with the same seed sees the same
// validators, users and accounts, plus the well-known program ids the generator uses.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "extpack/txn/view.hpp"

namespace extpack::sim {

using txn::Hash;
using txn::Pubkey;
using txn::Signature;

/// An ed25519 signing key: libsodium's 64-byte secret (seed followed by the public key).
struct Keypair {
  Pubkey pubkey{};
  std::array<std::uint8_t, 64> secret{};
};

/// A 32-byte BLAKE2b digest of (domain, seed, index).
[[nodiscard]] std::array<std::uint8_t, 32> derive_bytes(std::string_view domain, std::uint64_t seed,
                                                        std::uint64_t index);
/// A keypair whose ed25519 seed is derive_bytes(domain, seed, index).
[[nodiscard]] Keypair derive_keypair(std::string_view domain, std::uint64_t seed,
                                     std::uint64_t index);
/// An address that nobody can sign for (a hash, almost surely not a curve point).
[[nodiscard]] Pubkey derive_address(std::string_view domain, std::uint64_t seed,
                                    std::uint64_t index);

/// Vote111111111111111111111111111111111111111
[[nodiscard]] const Pubkey& vote_program_id();
/// 11111111111111111111111111111111 (all zero bytes)
[[nodiscard]] const Pubkey& system_program_id();
/// TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA
[[nodiscard]] const Pubkey& token_program_id();
/// SysvarC1ock11111111111111111111111111111111
[[nodiscard]] const Pubkey& clock_sysvar_id();

/// A 32-byte key for hash maps: its first 8 bytes. Keys are hashes or curve points, so
/// this spreads well; a peer crafting colliding keys only slows the map down.
struct KeyHash {
  std::size_t operator()(const Pubkey& k) const;
};

} // namespace extpack::sim
