// TransactionView: a zero-copy parse of a Solana wire-format transaction (legacy or v0),
// pointing into the caller's bytes (typically shared memory). No heap allocation.
//
// Parsing checks the format only: canonical compact-u16 counts, lengths within the
// buffer, no trailing bytes, at most PACKET_DATA_SIZE bytes, supported version prefix.
// Semantic rules (signature counts, index ranges, duplicate keys, ...) are sanitize()'s job.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace extpack::txn {

using Pubkey = std::array<std::uint8_t, 32>;
using Hash = std::array<std::uint8_t, 32>;
using Signature = std::array<std::uint8_t, 64>;

/// Largest serialized transaction: 1280 (IPv6 MTU) - 40 (IPv6 header) - 8 (UDP header).
inline constexpr std::size_t PACKET_DATA_SIZE = 1232;
/// Most instructions a view records (Firedancer FD_TXN_INSTR_MAX; runtime trace limit 64).
inline constexpr std::size_t MAX_INSTRUCTIONS = 64;
/// Most address-table lookups a view records (each loads >= 1 key; 256 keys at most).
inline constexpr std::size_t MAX_LOOKUPS = 127;

enum class Version : std::uint8_t { Legacy, V0 };

enum class ParseError : std::uint8_t {
  Ok = 0,
  Empty,
  TooLarge,            ///< more than PACKET_DATA_SIZE bytes
  Truncated,           ///< a field runs past the end of the buffer
  TrailingBytes,       ///< bytes left after the message
  NonCanonicalCompactU16,
  CompactU16Overflow,  ///< value above 0xFFFF
  UnsupportedVersion,  ///< version prefix other than 0
  TooManyInstructions, ///< more than MAX_INSTRUCTIONS
  TooManyLookups,      ///< more than MAX_LOOKUPS
  TooManySignatures,   ///< signature count that cannot fit in a packet
  TooManyAccounts,     ///< more than 256 static + loaded keys
};
const char* to_string(ParseError e);

struct InstructionView {
  std::uint8_t program_index;
  std::span<const std::uint8_t> accounts;  ///< account indexes
  std::span<const std::uint8_t> data;
};

struct LookupView {
  const Pubkey* table;                     ///< address of the lookup table account
  std::span<const std::uint8_t> writable;  ///< indexes into the table, loaded writable
  std::span<const std::uint8_t> readonly;  ///< indexes into the table, loaded readonly
};

class TransactionView {
public:
  /// Parses `bytes`; on Ok the view refers into `bytes`, which must outlive it.
  [[nodiscard]] static ParseError parse(std::span<const std::uint8_t> bytes, TransactionView& out);

  [[nodiscard]] Version version() const { return version_; }
  [[nodiscard]] std::span<const std::uint8_t> bytes() const { return bytes_; }
  /// The signed message (everything after the signatures).
  [[nodiscard]] std::span<const std::uint8_t> message() const { return bytes_.subspan(msg_off_); }

  [[nodiscard]] std::size_t num_signatures() const { return num_sigs_; }
  [[nodiscard]] const Signature& signature(std::size_t i) const {
    return *reinterpret_cast<const Signature*>(bytes_.data() + sigs_off_ + 64 * i);
  }
  [[nodiscard]] std::uint8_t num_required_signatures() const { return hdr_[0]; }
  [[nodiscard]] std::uint8_t num_readonly_signed() const { return hdr_[1]; }
  [[nodiscard]] std::uint8_t num_readonly_unsigned() const { return hdr_[2]; }

  [[nodiscard]] std::size_t num_static_keys() const { return num_keys_; }
  [[nodiscard]] const Pubkey& static_key(std::size_t i) const {
    return *reinterpret_cast<const Pubkey*>(bytes_.data() + keys_off_ + 32 * i);
  }
  [[nodiscard]] const Pubkey& fee_payer() const { return static_key(0); }
  [[nodiscard]] const Hash& recent_blockhash() const {
    return *reinterpret_cast<const Hash*>(bytes_.data() + blockhash_off_);
  }

  [[nodiscard]] std::size_t num_instructions() const { return num_ixs_; }
  [[nodiscard]] InstructionView instruction(std::size_t i) const;

  [[nodiscard]] std::size_t num_lookups() const { return num_lookups_; }
  [[nodiscard]] LookupView lookup(std::size_t i) const;
  /// Keys loaded from tables: writable ones come first in the account index space.
  [[nodiscard]] std::size_t num_loaded_writable() const { return loaded_w_; }
  [[nodiscard]] std::size_t num_loaded_readonly() const { return loaded_r_; }
  [[nodiscard]] std::size_t num_total_keys() const { return num_keys_ + loaded_w_ + loaded_r_; }

  /// Writability a static key requests by its position in the header (before demotion).
  [[nodiscard]] bool is_static_writable_requested(std::size_t i) const;
  [[nodiscard]] bool is_signer(std::size_t i) const { return i < hdr_[0]; }

private:
  std::span<const std::uint8_t> bytes_;
  Version version_ = Version::Legacy;
  std::uint8_t hdr_[3] = {0, 0, 0};
  std::uint16_t num_sigs_ = 0, sigs_off_ = 0, msg_off_ = 0;
  std::uint16_t num_keys_ = 0, keys_off_ = 0, blockhash_off_ = 0;
  std::uint16_t num_ixs_ = 0, num_lookups_ = 0, loaded_w_ = 0, loaded_r_ = 0;
  /// Offset of each instruction's program-index byte; the rest is re-decoded on access.
  std::array<std::uint16_t, MAX_INSTRUCTIONS> ix_off_{};
  /// Offset of each lookup's table key.
  std::array<std::uint16_t, MAX_LOOKUPS> lookup_off_{};
};

}  // namespace extpack::txn
