// system_instruction_allocation(): a bincode (fixed-width little-endian, u32 enum tag, u64
// string length) reader for the SystemInstruction enum, checking exactly what deserialization
// would reject: a short buffer, an unknown tag, or a seed that is not valid UTF-8.
#include "system_allocation.hpp"

#include <cstddef>
#include <optional>

namespace extpack::txn::detail {
namespace {

/// SystemInstruction variants (bincode u32 tags) and what follows each tag.
enum SystemTag : std::uint32_t {
  kCreateAccount = 0,          ///< lamports u64, space u64, owner
  kAssign = 1,                 ///< owner
  kTransfer = 2,               ///< lamports u64
  kCreateAccountWithSeed = 3,  ///< base, seed string, lamports u64, space u64, owner
  kAdvanceNonceAccount = 4,    ///< nothing
  kWithdrawNonceAccount = 5,   ///< lamports u64
  kInitializeNonceAccount = 6, ///< authority
  kAuthorizeNonceAccount = 7,  ///< authority
  kAllocate = 8,               ///< space u64
  kAllocateWithSeed = 9,       ///< base, seed string, space u64, owner
  kAssignWithSeed = 10,        ///< base, seed string, owner
  kTransferWithSeed = 11,      ///< lamports u64, seed string, owner
  kUpgradeNonceAccount = 12,   ///< nothing
};

constexpr std::size_t kPubkeyBytes = 32;

/// True if `s` is well-formed UTF-8 as Rust's String::from_utf8 requires: shortest forms only,
/// no UTF-16 surrogates (U+D800..U+DFFF), nothing above U+10FFFF.
bool is_valid_utf8(std::span<const std::uint8_t> s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const std::uint8_t b = s[i];
    if (b < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    std::uint8_t lo = 0x80, hi = 0xBF; // allowed range of the second byte
    if (b >= 0xC2 && b <= 0xDF) {
      len = 2;
    } else if (b >= 0xE0 && b <= 0xEF) {
      len = 3;
      if (b == 0xE0) lo = 0xA0; // no overlong 3-byte forms
      if (b == 0xED) hi = 0x9F; // no surrogates
    } else if (b >= 0xF0 && b <= 0xF4) {
      len = 4;
      if (b == 0xF0) lo = 0x90; // no overlong 4-byte forms
      if (b == 0xF4) hi = 0x8F; // nothing above U+10FFFF
    } else {
      return false;
    }
    if (s.size() - i < len) return false;
    if (s[i + 1] < lo || s[i + 1] > hi) return false;
    for (std::size_t k = 2; k < len; ++k) {
      if (s[i + k] < 0x80 || s[i + k] > 0xBF) return false;
    }
    i += len;
  }
  return true;
}

class BincodeReader {
public:
  explicit BincodeReader(std::span<const std::uint8_t> data) : data_(data) {}

  bool skip(std::size_t n) {
    if (data_.size() - off_ < n) return false;
    off_ += n;
    return true;
  }

  template <typename T> std::optional<T> read() {
    if (data_.size() - off_ < sizeof(T)) return std::nullopt;
    T v = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i)
      v |= static_cast<T>(data_[off_ + i]) << (8 * i);
    off_ += sizeof(T);
    return v;
  }

  /// A bincode String: u64 length, then that many UTF-8 bytes.
  bool skip_string() {
    const std::optional<std::uint64_t> len = read<std::uint64_t>();
    if (!len || *len > data_.size() - off_) return false;
    const auto n = static_cast<std::size_t>(*len);
    if (!is_valid_utf8(data_.subspan(off_, n))) return false;
    off_ += n;
    return true;
  }

private:
  std::span<const std::uint8_t> data_;
  std::size_t off_ = 0;
};

SystemAllocation allocation_of(std::optional<std::uint64_t> space) {
  if (!space || *space > MAX_PERMITTED_DATA_LENGTH) return {AllocationKind::Failed, 0};
  return {AllocationKind::Some, *space};
}

constexpr SystemAllocation kNone{AllocationKind::None, 0};
constexpr SystemAllocation kFailed{AllocationKind::Failed, 0};

} // namespace

SystemAllocation system_instruction_allocation(std::span<const std::uint8_t> data) {
  BincodeReader r(data);
  const std::optional<std::uint32_t> tag = r.read<std::uint32_t>();
  if (!tag) return kFailed;
  switch (*tag) {
  case kCreateAccount: {
    if (!r.skip(8)) return kFailed; // lamports
    const auto space = r.read<std::uint64_t>();
    if (!r.skip(kPubkeyBytes)) return kFailed;
    return allocation_of(space);
  }
  case kCreateAccountWithSeed: {
    if (!r.skip(kPubkeyBytes) || !r.skip_string() || !r.skip(8)) return kFailed;
    const auto space = r.read<std::uint64_t>();
    if (!r.skip(kPubkeyBytes)) return kFailed;
    return allocation_of(space);
  }
  case kAllocate:
    return allocation_of(r.read<std::uint64_t>());
  case kAllocateWithSeed: {
    if (!r.skip(kPubkeyBytes) || !r.skip_string()) return kFailed;
    const auto space = r.read<std::uint64_t>();
    if (!r.skip(kPubkeyBytes)) return kFailed;
    return allocation_of(space);
  }
  case kAssign:
  case kInitializeNonceAccount:
  case kAuthorizeNonceAccount:
    return r.skip(kPubkeyBytes) ? kNone : kFailed;
  case kTransfer:
  case kWithdrawNonceAccount:
    return r.skip(8) ? kNone : kFailed;
  case kAssignWithSeed:
    return r.skip(kPubkeyBytes) && r.skip_string() && r.skip(kPubkeyBytes) ? kNone : kFailed;
  case kTransferWithSeed:
    return r.skip(8) && r.skip_string() && r.skip(kPubkeyBytes) ? kNone : kFailed;
  case kAdvanceNonceAccount:
  case kUpgradeNonceAccount:
    return kNone;
  default:
    return kFailed; // unknown variant: deserialization fails
  }
}

} // namespace extpack::txn::detail
