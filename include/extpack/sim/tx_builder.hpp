// Builds Solana wire-format transactions (legacy and v0) from a message description and
// signs them with ed25519. The simulator's generator and the tests use it; it checks only
// what it needs to serialize, so tests can also build deliberately invalid transactions.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "extpack/sim/keys.hpp"

namespace extpack::sim {

struct InstructionSpec {
  std::uint8_t program_index = 0;
  std::vector<std::uint8_t> accounts; ///< indexes into static then loaded keys
  std::vector<std::uint8_t> data;
};

struct LookupSpec {
  Pubkey table{};
  std::vector<std::uint8_t> writable; ///< indexes into the table
  std::vector<std::uint8_t> readonly;
};

/// A message. Static keys are ordered as the header requires: writable signers, readonly
/// signers, writable non-signers, readonly non-signers.
struct MessageSpec {
  bool v0 = false;
  std::uint8_t num_required_signatures = 1;
  std::uint8_t num_readonly_signed = 0;
  std::uint8_t num_readonly_unsigned = 0;
  std::vector<Pubkey> static_keys;
  Hash recent_blockhash{};
  std::vector<InstructionSpec> instructions;
  std::vector<LookupSpec> lookups; ///< v0 only
};

/// Appends a compact-u16 (short_vec length) to `out`.
void append_compact_u16(std::vector<std::uint8_t>& out, std::uint16_t v);

/// The serialized message (the bytes that are signed).
[[nodiscard]] std::vector<std::uint8_t> serialize_message(const MessageSpec& m);

/// A full transaction: one signature per signer, in order, over the serialized message.
/// `signers.size()` should equal num_required_signatures; missing signers leave zeroed
/// signatures (useful for negative tests).
[[nodiscard]] std::vector<std::uint8_t> build_transaction(const MessageSpec& m,
                                                          std::span<const Keypair* const> signers);

/// Compute-budget instruction data: SetComputeUnitLimit (tag 2, u32 LE) and
/// SetComputeUnitPrice (tag 3, u64 LE micro-lamports per CU).
[[nodiscard]] std::vector<std::uint8_t> set_compute_unit_limit_data(std::uint32_t units);
[[nodiscard]] std::vector<std::uint8_t> set_compute_unit_price_data(std::uint64_t micro_lamports);
/// System program Transfer (tag 2 as u32 LE, then u64 LE lamports).
[[nodiscard]] std::vector<std::uint8_t> system_transfer_data(std::uint64_t lamports);

} // namespace extpack::sim
