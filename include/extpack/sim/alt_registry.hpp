// The simulated bank's address lookup tables. Every table key resolves: entry i of table T
// is BLAKE2b("extpack-sim/alt-entry" || T || i), the table holds `table_len` entries
// (default 256, the most a u8 index can address) and is never deactivated. This serves
// both generated v0 transactions and real mainnet ones without any on-chain state.
// Known simplification: no table is ever missing, owned by another program or deactivated,
// so ADDRESS_LOOKUP_TABLE_NOT_FOUND and deactivation never occur; an index at or past
// table_len is the only way a lookup fails.
#pragma once

#include <cstdint>
#include <limits>
#include <span>

#include "extpack/sim/keys.hpp"
#include "extpack/txn/view.hpp"

namespace extpack::sim {

/// Deactivation slot of a table that was never deactivated (u64::MAX, as Agave writes it).
inline constexpr std::uint64_t ALT_NOT_DEACTIVATED = std::numeric_limits<std::uint64_t>::max();

struct AltResolution {
  bool ok = false;
  std::size_t num_writable = 0;
  std::size_t num_readonly = 0;
  /// Minimum deactivation slot over the tables used; ALT_NOT_DEACTIVATED if none.
  std::uint64_t min_deactivation_slot = ALT_NOT_DEACTIVATED;
  std::size_t bad_lookup = 0; ///< when !ok: which lookup had an index out of range
  std::uint8_t bad_index = 0;
};

class AltRegistry {
public:
  explicit AltRegistry(std::uint32_t table_len = 256) : table_len_(table_len) {}

  [[nodiscard]] std::uint32_t table_len() const { return table_len_; }
  /// Entry `index` of `table`, assuming index < table_len().
  [[nodiscard]] Pubkey entry(const Pubkey& table, std::uint8_t index) const;

  /// Resolves every lookup of `tx` into `writable` (all tables' writable indexes, in order)
  /// then `readonly`. Both spans must hold tx.num_loaded_writable() / num_loaded_readonly().
  [[nodiscard]] AltResolution resolve(const txn::TransactionView& tx, std::span<Pubkey> writable,
                                      std::span<Pubkey> readonly) const;

private:
  std::uint32_t table_len_;
};

} // namespace extpack::sim
