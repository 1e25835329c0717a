// A tiny wire-format transaction builder for crafted test cases: legacy or v0, any header,
// keys, instructions and lookups, optionally signed with deterministic libsodium keys. It
// writes exactly what it is told, so tests can break one rule at a time.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "extpack/txn/view.hpp"

namespace extpack::txn::test {

/// A distinct, random-looking key derived from `seed` (never a well-known id).
Pubkey make_key(std::uint32_t seed);

/// Appends `v` as a canonical compact-u16.
void put_cu16(std::vector<std::uint8_t>& out, std::uint16_t v);

struct TxBuilder {
  struct Ix {
    std::uint8_t program;
    std::vector<std::uint8_t> accounts;
    std::vector<std::uint8_t> data;
  };
  struct Lookup {
    Pubkey table;
    std::vector<std::uint8_t> writable;
    std::vector<std::uint8_t> readonly;
  };

  bool v0 = false;
  std::uint8_t num_required = 1;
  std::uint8_t num_readonly_signed = 0;
  std::uint8_t num_readonly_unsigned = 0;
  /// Signatures written; defaults to num_required.
  std::optional<std::size_t> num_signatures;
  std::vector<Pubkey> keys;
  Hash blockhash{};
  std::vector<Ix> ixs;
  std::vector<Lookup> lookups;
  /// When set, signer i's key is the public key of libsodium seed `i + signing_seed` and the
  /// signatures are real; keys[i] for i < num_required is overwritten.
  std::optional<std::uint32_t> signing_seed;

  /// Fee payer + `n_other` further keys (writable unsigned) + `programs` readonly programs.
  static TxBuilder with_keys(std::size_t n_other, std::vector<Pubkey> programs);

  /// Appends a compute-budget instruction with raw data; the builder must hold the program id.
  TxBuilder& add_ix(std::uint8_t program, std::vector<std::uint8_t> accounts,
                    std::vector<std::uint8_t> data);

  [[nodiscard]] std::vector<std::uint8_t> message() const;
  [[nodiscard]] std::vector<std::uint8_t> build();
};

/// Little-endian instruction data: tag byte then the value's bytes.
std::vector<std::uint8_t> cb_data(std::uint8_t tag, std::uint64_t value, std::size_t value_bytes);

} // namespace extpack::txn::test
