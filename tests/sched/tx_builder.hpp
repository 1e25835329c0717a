// Builds wire-format Solana transactions for tests: one fee payer, chosen writable and
// readonly accounts, optional compute-budget instructions, optional address-table
// lookups (v0). Signatures are arbitrary bytes (analyze() does not verify them).
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

#include "extpack/txn/compute_budget.hpp"
#include "extpack/txn/view.hpp"

namespace extpack::test {

/// A deterministic distinct key for a small integer.
inline txn::Pubkey key(std::uint32_t n, std::uint8_t tag = 0x11) {
  txn::Pubkey k{};
  for (std::size_t i = 0; i < k.size(); ++i)
    k[i] = static_cast<std::uint8_t>(tag + i * 7);
  std::memcpy(k.data(), &n, sizeof n);
  k[31] = 0x5a;
  return k;
}

struct TxSpec {
  std::uint32_t payer = 0;             ///< key(payer) pays and is write-locked
  std::vector<std::uint32_t> writable; ///< extra writable non-signer accounts
  std::vector<std::uint32_t> readonly; ///< extra readonly accounts
  std::uint32_t cu_limit = 10'000;     ///< 0 = no SetComputeUnitLimit
  std::uint64_t cu_price = 0;          ///< micro-lamports per CU (0 = no instruction)
  std::uint64_t salt = 0;              ///< goes into the signature and blockhash
  /// v0 lookups: one table with this many writable and readonly indexes (0,0 = legacy).
  std::uint8_t lookup_writable = 0;
  std::uint8_t lookup_readonly = 0;
};

namespace detail {
inline void put_cu16(std::vector<std::uint8_t>& b, std::uint16_t v) {
  while (v >= 0x80) {
    b.push_back(static_cast<std::uint8_t>(v | 0x80));
    v >>= 7;
  }
  b.push_back(static_cast<std::uint8_t>(v));
}
inline void put_key(std::vector<std::uint8_t>& b, const txn::Pubkey& k) {
  b.insert(b.end(), k.begin(), k.end());
}
} // namespace detail

/// The program every test transaction calls (not a builtin, so default CU is 200k).
inline txn::Pubkey test_program() {
  return key(0xABCDEF, 0x33);
}

inline std::vector<std::uint8_t> build_tx(const TxSpec& s) {
  using detail::put_cu16;
  using detail::put_key;
  const bool v0 = s.lookup_writable + s.lookup_readonly > 0;
  const bool budget = s.cu_limit != 0 || s.cu_price != 0;
  // Static keys: payer, writable..., readonly..., [compute budget], program.
  std::vector<txn::Pubkey> keys;
  keys.push_back(key(s.payer));
  for (auto w : s.writable)
    keys.push_back(key(w));
  for (auto r : s.readonly)
    keys.push_back(key(r));
  std::uint8_t ro_unsigned = static_cast<std::uint8_t>(s.readonly.size() + 1);
  std::uint8_t cb_index = 0;
  if (budget) {
    cb_index = static_cast<std::uint8_t>(keys.size());
    keys.push_back(txn::COMPUTE_BUDGET_PROGRAM_ID);
    ++ro_unsigned;
  }
  const auto program_index = static_cast<std::uint8_t>(keys.size());
  keys.push_back(test_program());

  std::vector<std::uint8_t> b;
  put_cu16(b, 1);
  for (int i = 0; i < 64; ++i)
    b.push_back(static_cast<std::uint8_t>((s.salt >> (i % 8)) + i));
  std::memcpy(b.data() + 1, &s.salt, sizeof s.salt);
  if (v0) b.push_back(0x80);
  b.push_back(1); // required signatures
  b.push_back(0); // readonly signed
  b.push_back(ro_unsigned);
  put_cu16(b, static_cast<std::uint16_t>(keys.size()));
  for (const auto& k : keys)
    put_key(b, k);
  txn::Hash bh{};
  std::memcpy(bh.data(), &s.salt, sizeof s.salt);
  b.insert(b.end(), bh.begin(), bh.end());

  std::vector<std::vector<std::uint8_t>> ix_data;
  std::vector<std::uint8_t> ix_prog;
  std::vector<std::vector<std::uint8_t>> ix_accounts;
  if (s.cu_limit != 0) {
    std::vector<std::uint8_t> d{2, 0, 0, 0, 0};
    std::memcpy(d.data() + 1, &s.cu_limit, 4);
    ix_prog.push_back(cb_index);
    ix_data.push_back(d);
    ix_accounts.emplace_back();
  }
  if (s.cu_price != 0) {
    std::vector<std::uint8_t> d(9, 0);
    d[0] = 3;
    std::memcpy(d.data() + 1, &s.cu_price, 8);
    ix_prog.push_back(cb_index);
    ix_data.push_back(d);
    ix_accounts.emplace_back();
  }
  // The main instruction names every account (static and loaded).
  std::vector<std::uint8_t> accts;
  for (std::size_t i = 0; i < program_index; ++i) {
    if (budget && i == cb_index) continue;
    accts.push_back(static_cast<std::uint8_t>(i));
  }
  const std::size_t loaded = s.lookup_writable + s.lookup_readonly;
  for (std::size_t i = 0; i < loaded; ++i) {
    accts.push_back(static_cast<std::uint8_t>(keys.size() + i));
  }
  ix_prog.push_back(program_index);
  ix_data.push_back({1, 2, 3, 4});
  ix_accounts.push_back(accts);

  put_cu16(b, static_cast<std::uint16_t>(ix_prog.size()));
  for (std::size_t i = 0; i < ix_prog.size(); ++i) {
    b.push_back(ix_prog[i]);
    put_cu16(b, static_cast<std::uint16_t>(ix_accounts[i].size()));
    b.insert(b.end(), ix_accounts[i].begin(), ix_accounts[i].end());
    put_cu16(b, static_cast<std::uint16_t>(ix_data[i].size()));
    b.insert(b.end(), ix_data[i].begin(), ix_data[i].end());
  }
  if (v0) {
    put_cu16(b, 1);
    put_key(b, key(0x7AB1E, 0x44));
    put_cu16(b, s.lookup_writable);
    for (std::uint8_t i = 0; i < s.lookup_writable; ++i)
      b.push_back(i);
    put_cu16(b, s.lookup_readonly);
    for (std::uint8_t i = 0; i < s.lookup_readonly; ++i) {
      b.push_back(static_cast<std::uint8_t>(100 + i));
    }
  }
  return b;
}

} // namespace extpack::test
