// Deterministic lookup-table contents (see alt_registry.hpp).
#include "extpack/sim/alt_registry.hpp"

#include <sodium.h>

namespace extpack::sim {

Pubkey AltRegistry::entry(const Pubkey& table, std::uint8_t index) const {
  static constexpr char DOMAIN[] = "extpack-sim/alt-entry";
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, 32);
  crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(DOMAIN), sizeof DOMAIN - 1);
  crypto_generichash_update(&st, table.data(), table.size());
  crypto_generichash_update(&st, &index, 1);
  Pubkey out{};
  crypto_generichash_final(&st, out.data(), out.size());
  return out;
}

AltResolution AltRegistry::resolve(const txn::TransactionView& tx, std::span<Pubkey> writable,
                                   std::span<Pubkey> readonly) const {
  AltResolution r;
  if (writable.size() < tx.num_loaded_writable() || readonly.size() < tx.num_loaded_readonly()) {
    return r;
  }
  for (std::size_t i = 0; i < tx.num_lookups(); ++i) {
    const txn::LookupView l = tx.lookup(i);
    for (int pass = 0; pass < 2; ++pass) {
      const auto idx = pass == 0 ? l.writable : l.readonly;
      for (std::uint8_t ix : idx) {
        if (ix >= table_len_) {
          r.bad_lookup = i;
          r.bad_index = ix;
          return r;
        }
        if (pass == 0) {
          writable[r.num_writable++] = entry(*l.table, ix);
        } else {
          readonly[r.num_readonly++] = entry(*l.table, ix);
        }
      }
    }
    // Every table here is active forever; a real bank would take the minimum of the
    // tables' deactivation slots.
  }
  r.ok = true;
  return r;
}

} // namespace extpack::sim
