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
/// Most signatures a packet can carry: each needs 64 signature bytes and a 32-byte signer key,
/// and 1232 / 96 = 12 (Agave transaction-view MAX_SIGNATURES_PER_PACKET; FD_TXN_SIG_MAX).
inline constexpr std::size_t MAX_SIGNATURES = 12;
/// The account index space is one byte, so no message can address more than 256 keys.
inline constexpr std::size_t MAX_ACCOUNT_KEYS = 256;

enum class Version : std::uint8_t { Legacy, V0 };

enum class ParseError : std::uint8_t {
  Ok = 0,
  Empty,
  TooLarge,      ///< more than PACKET_DATA_SIZE bytes
  Truncated,     ///< a field runs past the end of the buffer
  TrailingBytes, ///< bytes left after the message
  NonCanonicalCompactU16,
  CompactU16Overflow,  ///< value above 0xFFFF
  UnsupportedVersion,  ///< version prefix other than 0
  TooManyInstructions, ///< more than MAX_INSTRUCTIONS
  TooManyLookups,      ///< more than MAX_LOOKUPS
  TooManySignatures,   ///< more than MAX_SIGNATURES signatures
  TooManyAccounts,     ///< more than MAX_ACCOUNT_KEYS static keys (static + loaded: sanitize)
};
const char* to_string(ParseError e);

struct InstructionView {
  std::uint8_t program_index;
  std::span<const std::uint8_t> accounts; ///< account indexes
  std::span<const std::uint8_t> data;
};

struct LookupView {
  const Pubkey* table;                    ///< address of the lookup table account
  std::span<const std::uint8_t> writable; ///< indexes into the table, loaded writable
  std::span<const std::uint8_t> readonly; ///< indexes into the table, loaded readonly
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
  [[nodiscard]] InstructionView instruction(std::size_t i) const {
    const IxRecord& r = ixs_[i];
    return {r.program, bytes_.subspan(r.accounts_off, r.num_accounts),
            bytes_.subspan(r.data_off, r.data_len)};
  }
  [[nodiscard]] std::uint8_t program_index(std::size_t i) const { return ixs_[i].program; }
  [[nodiscard]] std::span<const std::uint8_t> instruction_data(std::size_t i) const {
    return bytes_.subspan(ixs_[i].data_off, ixs_[i].data_len);
  }
  /// Program id of instruction i; only for a sanitized view (program index < static keys).
  [[nodiscard]] const Pubkey& program_id(std::size_t i) const {
    return static_key(ixs_[i].program);
  }
  /// Sum of all instructions' data lengths (bytes).
  [[nodiscard]] std::size_t instruction_data_bytes() const { return ix_data_bytes_; }

  [[nodiscard]] std::size_t num_lookups() const { return num_lookups_; }
  [[nodiscard]] LookupView lookup(std::size_t i) const;
  /// Keys loaded from tables: writable ones come first in the account index space.
  [[nodiscard]] std::size_t num_loaded_writable() const { return loaded_w_; }
  [[nodiscard]] std::size_t num_loaded_readonly() const { return loaded_r_; }
  [[nodiscard]] std::size_t num_total_keys() const { return num_keys_ + loaded_w_ + loaded_r_; }

  /// Writability a static key requests by its position in the header (before demotion).
  [[nodiscard]] bool is_static_writable_requested(std::size_t i) const;
  /// Static keys the header marks writable plus table-loaded writable keys, before demotion
  /// (Agave's num_requested_write_locks; the cost model charges each one).
  [[nodiscard]] std::size_t num_requested_write_locks() const;
  [[nodiscard]] bool is_signer(std::size_t i) const { return i < hdr_[0]; }

private:
  /// Where instruction i's parts sit in bytes_ (all offsets fit: bytes_ <= PACKET_DATA_SIZE).
  struct IxRecord {
    std::uint16_t accounts_off;
    std::uint16_t num_accounts;
    std::uint16_t data_off;
    std::uint16_t data_len;
    std::uint8_t program;
  };

  std::span<const std::uint8_t> bytes_;
  Version version_ = Version::Legacy;
  std::uint8_t hdr_[3] = {0, 0, 0};
  std::uint16_t num_sigs_ = 0, sigs_off_ = 0, msg_off_ = 0;
  std::uint16_t num_keys_ = 0, keys_off_ = 0, blockhash_off_ = 0;
  std::uint16_t num_ixs_ = 0, num_lookups_ = 0, loaded_w_ = 0, loaded_r_ = 0;
  std::uint16_t ix_data_bytes_ = 0;
  std::array<IxRecord, MAX_INSTRUCTIONS> ixs_{};
  /// Offset of each lookup's table key; the index lists are re-decoded on access.
  std::array<std::uint16_t, MAX_LOOKUPS> lookup_off_{};
};

} // namespace extpack::txn
