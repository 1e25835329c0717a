// TransactionView::parse: a single bounds-checked pass over the wire format.
//
// Layout (all counts compact-u16):
//   signatures: count, count * 64 bytes
//   message:    [0x80 | version] (v0 only), header (3 bytes), static keys: count, count * 32,
//               recent blockhash (32), instructions: count, each
//               { program index (1), account indexes: count, bytes, data: count, bytes },
//               v0 only: lookups: count, each { table key (32), writable: count, bytes,
//               readonly: count, bytes }
// Every count is read from untrusted memory, so each one is checked against the bytes that
// remain before anything is stored.
#include "extpack/txn/view.hpp"

#include <algorithm>

namespace extpack::txn {
namespace {

/// Bits a compact-u16 byte carries and its continuation flag.
constexpr std::uint8_t kCu16ValueMask = 0x7f;
constexpr std::uint8_t kCu16ContinueBit = 0x80;
/// The third byte holds bits 14..15 only, so it may not exceed 0x03 (value <= 0xFFFF).
constexpr std::uint8_t kCu16MaxThirdByte = 0x03;
/// The first message byte with this bit set is a version prefix (legacy headers are < 128).
constexpr std::uint8_t kVersionPrefixBit = 0x80;

/// A read position in the transaction bytes.
class Reader {
public:
  explicit Reader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}

  [[nodiscard]] std::size_t offset() const { return off_; }
  [[nodiscard]] std::size_t remaining() const { return bytes_.size() - off_; }

  /// Canonical compact-u16 (Solana short_vec): 1-3 little-endian 7-bit groups, no zero byte
  /// after the first (that would be a longer encoding of a smaller value).
  ParseError read_cu16(std::uint16_t& out) {
    std::uint32_t value = 0;
    for (unsigned i = 0; i < 3; ++i) {
      if (off_ >= bytes_.size()) return ParseError::Truncated;
      const std::uint8_t b = bytes_[off_++];
      if (i > 0 && b == 0) return ParseError::NonCanonicalCompactU16;
      if (i == 2 && b > kCu16MaxThirdByte) return ParseError::CompactU16Overflow;
      value |= static_cast<std::uint32_t>(b & kCu16ValueMask) << (7 * i);
      if ((b & kCu16ContinueBit) == 0) break;
    }
    out = static_cast<std::uint16_t>(value);
    return ParseError::Ok;
  }

  /// Skips `n` bytes, remembering where they start.
  ParseError take(std::size_t n, std::uint16_t& start) {
    if (n > remaining()) return ParseError::Truncated;
    start = static_cast<std::uint16_t>(off_);
    off_ += n;
    return ParseError::Ok;
  }

  ParseError read_u8(std::uint8_t& out) {
    if (off_ >= bytes_.size()) return ParseError::Truncated;
    out = bytes_[off_++];
    return ParseError::Ok;
  }

  [[nodiscard]] std::uint8_t peek() const { return bytes_[off_]; }

private:
  std::span<const std::uint8_t> bytes_;
  std::size_t off_ = 0;
};

#define EXTPACK_TRY(expr)                                                                          \
  do {                                                                                             \
    if (const ParseError e_ = (expr); e_ != ParseError::Ok) return e_;                             \
  } while (0)

} // namespace

ParseError TransactionView::parse(std::span<const std::uint8_t> bytes, TransactionView& out) {
  if (bytes.empty()) return ParseError::Empty;
  if (bytes.size() > PACKET_DATA_SIZE) return ParseError::TooLarge;
  out.bytes_ = bytes;
  Reader r(bytes);

  std::uint16_t count = 0;
  EXTPACK_TRY(r.read_cu16(count));
  if (count > MAX_SIGNATURES) return ParseError::TooManySignatures;
  out.num_sigs_ = count;
  EXTPACK_TRY(r.take(std::size_t{64} * count, out.sigs_off_));

  out.msg_off_ = static_cast<std::uint16_t>(r.offset());
  if (r.remaining() == 0) return ParseError::Truncated;
  out.version_ = Version::Legacy;
  if ((r.peek() & kVersionPrefixBit) != 0) {
    std::uint8_t prefix = 0;
    EXTPACK_TRY(r.read_u8(prefix));
    if ((prefix & ~kVersionPrefixBit) != 0) return ParseError::UnsupportedVersion;
    out.version_ = Version::V0;
  }
  for (std::uint8_t& h : out.hdr_)
    EXTPACK_TRY(r.read_u8(h));

  EXTPACK_TRY(r.read_cu16(count));
  if (count > MAX_ACCOUNT_KEYS) return ParseError::TooManyAccounts;
  out.num_keys_ = count;
  EXTPACK_TRY(r.take(std::size_t{32} * count, out.keys_off_));
  EXTPACK_TRY(r.take(32, out.blockhash_off_));

  EXTPACK_TRY(r.read_cu16(count));
  if (count > MAX_INSTRUCTIONS) return ParseError::TooManyInstructions;
  out.num_ixs_ = count;
  std::size_t data_bytes = 0;
  for (std::size_t i = 0; i < out.num_ixs_; ++i) {
    IxRecord& ix = out.ixs_[i];
    EXTPACK_TRY(r.read_u8(ix.program));
    EXTPACK_TRY(r.read_cu16(ix.num_accounts));
    EXTPACK_TRY(r.take(ix.num_accounts, ix.accounts_off));
    EXTPACK_TRY(r.read_cu16(ix.data_len));
    EXTPACK_TRY(r.take(ix.data_len, ix.data_off));
    data_bytes += ix.data_len;
  }
  out.ix_data_bytes_ = static_cast<std::uint16_t>(data_bytes); // < PACKET_DATA_SIZE

  out.num_lookups_ = 0;
  out.loaded_w_ = 0;
  out.loaded_r_ = 0;
  if (out.version_ == Version::V0) {
    EXTPACK_TRY(r.read_cu16(count));
    if (count > MAX_LOOKUPS) return ParseError::TooManyLookups;
    out.num_lookups_ = count;
    for (std::size_t i = 0; i < out.num_lookups_; ++i) {
      std::uint16_t skipped = 0;
      EXTPACK_TRY(r.take(32, out.lookup_off_[i]));
      EXTPACK_TRY(r.read_cu16(count));
      EXTPACK_TRY(r.take(count, skipped));
      out.loaded_w_ = static_cast<std::uint16_t>(out.loaded_w_ + count); // < PACKET_DATA_SIZE
      EXTPACK_TRY(r.read_cu16(count));
      EXTPACK_TRY(r.take(count, skipped));
      out.loaded_r_ = static_cast<std::uint16_t>(out.loaded_r_ + count);
    }
  }
  if (r.remaining() != 0) return ParseError::TrailingBytes;
  return ParseError::Ok;
}

#undef EXTPACK_TRY

LookupView TransactionView::lookup(std::size_t i) const {
  // Parse validated this lookup, so the counts are canonical and in bounds.
  Reader r(bytes_.subspan(lookup_off_[i]));
  std::uint16_t key_off = 0, w_off = 0, r_off = 0, w_len = 0, r_len = 0;
  (void)r.take(32, key_off);
  (void)r.read_cu16(w_len);
  (void)r.take(w_len, w_off);
  (void)r.read_cu16(r_len);
  (void)r.take(r_len, r_off);
  const std::size_t base = lookup_off_[i];
  return {reinterpret_cast<const Pubkey*>(bytes_.data() + base),
          bytes_.subspan(base + w_off, w_len), bytes_.subspan(base + r_off, r_len)};
}

bool TransactionView::is_static_writable_requested(std::size_t i) const {
  if (i >= num_keys_) return false;
  // Signed arithmetic: an unsanitized header may have more readonly keys than keys.
  const long required = hdr_[0];
  const long index = static_cast<long>(i);
  if (index < required) return index < required - hdr_[1];
  return index < static_cast<long>(num_keys_) - hdr_[2];
}

std::size_t TransactionView::num_requested_write_locks() const {
  // Same rule as is_static_writable_requested, counted: signers [0, required - readonly_signed)
  // and unsigned keys [required, keys - readonly_unsigned), clamped for unsanitized headers.
  const long required = hdr_[0];
  const long keys = num_keys_;
  const long signed_writable = std::max(0L, std::min(keys, required - hdr_[1]));
  const long unsigned_writable = std::max(0L, keys - hdr_[2] - required);
  return static_cast<std::size_t>(signed_writable + unsigned_writable) + loaded_w_;
}

const char* to_string(ParseError e) {
  switch (e) {
  case ParseError::Ok:
    return "ok";
  case ParseError::Empty:
    return "empty transaction";
  case ParseError::TooLarge:
    return "transaction larger than 1232 bytes";
  case ParseError::Truncated:
    return "transaction truncated";
  case ParseError::TrailingBytes:
    return "trailing bytes after the message";
  case ParseError::NonCanonicalCompactU16:
    return "non-canonical compact-u16";
  case ParseError::CompactU16Overflow:
    return "compact-u16 above 0xFFFF";
  case ParseError::UnsupportedVersion:
    return "unsupported message version";
  case ParseError::TooManyInstructions:
    return "more than 64 instructions";
  case ParseError::TooManyLookups:
    return "more than 127 address-table lookups";
  case ParseError::TooManySignatures:
    return "more than 12 signatures";
  case ParseError::TooManyAccounts:
    return "more than 256 static account keys";
  }
  return "unknown parse error";
}

} // namespace extpack::txn
