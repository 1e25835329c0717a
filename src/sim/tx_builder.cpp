// Wire-format serialization and signing (see tx_builder.hpp).
#include "extpack/sim/tx_builder.hpp"

#include <cstring>

#include <sodium.h>

namespace extpack::sim {

namespace {
void append_le(std::vector<std::uint8_t>& out, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i)
    out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
void append_bytes(std::vector<std::uint8_t>& out, std::span<const std::uint8_t> b) {
  out.insert(out.end(), b.begin(), b.end());
}
} // namespace

void append_compact_u16(std::vector<std::uint8_t>& out, std::uint16_t v) {
  std::uint32_t rest = v;
  for (;;) {
    std::uint8_t byte = rest & 0x7f;
    rest >>= 7;
    if (rest == 0) {
      out.push_back(byte);
      return;
    }
    out.push_back(byte | 0x80);
  }
}

std::vector<std::uint8_t> serialize_message(const MessageSpec& m) {
  std::vector<std::uint8_t> out;
  out.reserve(64 + 32 * m.static_keys.size() + 64 * m.instructions.size());
  if (m.v0) out.push_back(0x80); // version prefix: top bit set, version 0
  out.push_back(m.num_required_signatures);
  out.push_back(m.num_readonly_signed);
  out.push_back(m.num_readonly_unsigned);
  append_compact_u16(out, static_cast<std::uint16_t>(m.static_keys.size()));
  for (const auto& k : m.static_keys)
    append_bytes(out, k);
  append_bytes(out, m.recent_blockhash);
  append_compact_u16(out, static_cast<std::uint16_t>(m.instructions.size()));
  for (const auto& ix : m.instructions) {
    out.push_back(ix.program_index);
    append_compact_u16(out, static_cast<std::uint16_t>(ix.accounts.size()));
    append_bytes(out, ix.accounts);
    append_compact_u16(out, static_cast<std::uint16_t>(ix.data.size()));
    append_bytes(out, ix.data);
  }
  if (m.v0) {
    append_compact_u16(out, static_cast<std::uint16_t>(m.lookups.size()));
    for (const auto& l : m.lookups) {
      append_bytes(out, l.table);
      append_compact_u16(out, static_cast<std::uint16_t>(l.writable.size()));
      append_bytes(out, l.writable);
      append_compact_u16(out, static_cast<std::uint16_t>(l.readonly.size()));
      append_bytes(out, l.readonly);
    }
  }
  return out;
}

std::vector<std::uint8_t> build_transaction(const MessageSpec& m,
                                            std::span<const Keypair* const> signers) {
  const std::vector<std::uint8_t> msg = serialize_message(m);
  std::vector<std::uint8_t> out;
  out.reserve(3 + 64 * m.num_required_signatures + msg.size());
  append_compact_u16(out, m.num_required_signatures);
  for (std::size_t i = 0; i < m.num_required_signatures; ++i) {
    std::uint8_t sig[64] = {};
    if (i < signers.size() && signers[i] != nullptr) {
      crypto_sign_detached(sig, nullptr, msg.data(), msg.size(), signers[i]->secret.data());
    }
    out.insert(out.end(), sig, sig + 64);
  }
  append_bytes(out, msg);
  return out;
}

std::vector<std::uint8_t> set_compute_unit_limit_data(std::uint32_t units) {
  std::vector<std::uint8_t> d{2};
  append_le(d, units, 4);
  return d;
}

std::vector<std::uint8_t> set_compute_unit_price_data(std::uint64_t micro_lamports) {
  std::vector<std::uint8_t> d{3};
  append_le(d, micro_lamports, 8);
  return d;
}

std::vector<std::uint8_t> system_transfer_data(std::uint64_t lamports) {
  std::vector<std::uint8_t> d;
  append_le(d, 2, 4);
  append_le(d, lamports, 8);
  return d;
}

} // namespace extpack::sim
