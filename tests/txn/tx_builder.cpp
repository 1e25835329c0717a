#include "tx_builder.hpp"

#include <algorithm>

#include <sodium.h>

namespace extpack::txn::test {

Pubkey make_key(std::uint32_t seed) {
  Pubkey k{};
  std::uint64_t x = 0x9E3779B97F4A7C15ull * (seed + 1);
  for (auto& b : k) {
    x ^= x >> 29;
    x *= 0xBF58476D1CE4E5B9ull;
    x ^= x >> 32;
    b = static_cast<std::uint8_t>(x);
  }
  k[31] |= 0x01; // never ends in zero bytes like the well-known ids
  return k;
}

void put_cu16(std::vector<std::uint8_t>& out, std::uint16_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<std::uint8_t>((v & 0x7f) | 0x80));
    v = static_cast<std::uint16_t>(v >> 7);
  }
  out.push_back(static_cast<std::uint8_t>(v));
}

TxBuilder TxBuilder::with_keys(std::size_t n_other, std::vector<Pubkey> programs) {
  TxBuilder b;
  b.keys.push_back(make_key(0));
  for (std::size_t i = 0; i < n_other; ++i)
    b.keys.push_back(make_key(100 + static_cast<std::uint32_t>(i)));
  for (const Pubkey& p : programs)
    b.keys.push_back(p);
  b.num_readonly_unsigned = static_cast<std::uint8_t>(programs.size());
  b.blockhash = make_key(7);
  return b;
}

TxBuilder& TxBuilder::add_ix(std::uint8_t program, std::vector<std::uint8_t> accounts,
                             std::vector<std::uint8_t> data) {
  ixs.push_back(Ix{program, std::move(accounts), std::move(data)});
  return *this;
}

std::vector<std::uint8_t> TxBuilder::message() const {
  std::vector<std::uint8_t> m;
  if (v0) m.push_back(0x80);
  m.push_back(num_required);
  m.push_back(num_readonly_signed);
  m.push_back(num_readonly_unsigned);
  put_cu16(m, static_cast<std::uint16_t>(keys.size()));
  for (const Pubkey& k : keys)
    m.insert(m.end(), k.begin(), k.end());
  m.insert(m.end(), blockhash.begin(), blockhash.end());
  put_cu16(m, static_cast<std::uint16_t>(ixs.size()));
  for (const Ix& ix : ixs) {
    m.push_back(ix.program);
    put_cu16(m, static_cast<std::uint16_t>(ix.accounts.size()));
    m.insert(m.end(), ix.accounts.begin(), ix.accounts.end());
    put_cu16(m, static_cast<std::uint16_t>(ix.data.size()));
    m.insert(m.end(), ix.data.begin(), ix.data.end());
  }
  if (v0) {
    put_cu16(m, static_cast<std::uint16_t>(lookups.size()));
    for (const Lookup& l : lookups) {
      m.insert(m.end(), l.table.begin(), l.table.end());
      put_cu16(m, static_cast<std::uint16_t>(l.writable.size()));
      m.insert(m.end(), l.writable.begin(), l.writable.end());
      put_cu16(m, static_cast<std::uint16_t>(l.readonly.size()));
      m.insert(m.end(), l.readonly.begin(), l.readonly.end());
    }
  }
  return m;
}

std::vector<std::uint8_t> TxBuilder::build() {
  const std::size_t nsig = num_signatures.value_or(num_required);
  std::vector<std::array<std::uint8_t, crypto_sign_SECRETKEYBYTES>> secrets;
  if (signing_seed) {
    if (sodium_init() < 0) return {};
    for (std::size_t i = 0; i < num_required && i < keys.size(); ++i) {
      std::array<std::uint8_t, crypto_sign_SEEDBYTES> seed{};
      const std::uint32_t s = *signing_seed + static_cast<std::uint32_t>(i);
      std::copy_n(reinterpret_cast<const std::uint8_t*>(&s), sizeof s, seed.begin());
      secrets.emplace_back();
      crypto_sign_seed_keypair(keys[i].data(), secrets.back().data(), seed.data());
    }
  }
  const std::vector<std::uint8_t> msg = message();
  std::vector<std::uint8_t> tx;
  put_cu16(tx, static_cast<std::uint16_t>(nsig));
  for (std::size_t i = 0; i < nsig; ++i) {
    std::array<std::uint8_t, 64> sig{};
    if (i < secrets.size()) {
      crypto_sign_detached(sig.data(), nullptr, msg.data(), msg.size(), secrets[i].data());
    }
    tx.insert(tx.end(), sig.begin(), sig.end());
  }
  tx.insert(tx.end(), msg.begin(), msg.end());
  return tx;
}

std::vector<std::uint8_t> cb_data(std::uint8_t tag, std::uint64_t value, std::size_t value_bytes) {
  std::vector<std::uint8_t> d{tag};
  for (std::size_t i = 0; i < value_bytes; ++i)
    d.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
  return d;
}

} // namespace extpack::txn::test
