// Well-known Solana program and sysvar ids, decoded from base58 at compile time, and the
// classification the cost model and compute-budget code need ("which builtin is this?").
//
// Every id here is a "vanity" address: a readable name padded with base58 '1' digits, so its
// 32-byte value is the name's number times a power of 58 and therefore ends in zero bits. The
// shortest padding in the list is 20 digits, so the last two bytes of every id are zero; the
// classifiers use that as a one-load rejection for ordinary (random) keys.
#pragma once

#include <cstdint>
#include <string_view>

#include "extpack/txn/view.hpp"

namespace extpack::txn {

namespace detail {

consteval int base58_digit(char c) {
  constexpr std::string_view alphabet =
      "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
  for (std::size_t i = 0; i < alphabet.size(); ++i) {
    if (alphabet[i] == c) return static_cast<int>(i);
  }
  throw "not a base58 digit"; // a compile error in a constant expression
}

} // namespace detail

/// Decodes a base58 pubkey at compile time. A string that does not fit 32 bytes, or that is not
/// exactly 43 characters (or 32 '1's, the all-zero key), fails to compile: every id below has
/// that length, so a dropped or doubled '1' cannot slip through as a different key.
consteval Pubkey pubkey_from_base58(std::string_view text) {
  if (text.size() != 43 && text != "11111111111111111111111111111111") {
    throw "unexpected pubkey length";
  }
  Pubkey out{};
  for (char c : text) {
    std::uint32_t carry = static_cast<std::uint32_t>(detail::base58_digit(c));
    for (std::size_t i = out.size(); i-- > 0;) {
      carry += static_cast<std::uint32_t>(out[i]) * 58;
      out[i] = static_cast<std::uint8_t>(carry & 0xff);
      carry >>= 8;
    }
    if (carry != 0) throw "base58 value does not fit 32 bytes";
  }
  return out;
}

// Builtin programs (the runtime implements them natively or as precompiles).
inline constexpr Pubkey SYSTEM_PROGRAM_ID = pubkey_from_base58("11111111111111111111111111111111");
inline constexpr Pubkey VOTE_PROGRAM_ID =
    pubkey_from_base58("Vote111111111111111111111111111111111111111");
inline constexpr Pubkey STAKE_PROGRAM_ID =
    pubkey_from_base58("Stake11111111111111111111111111111111111111");
/// The stake program's legacy config account (a reserved key, not a program).
inline constexpr Pubkey STAKE_CONFIG_ID =
    pubkey_from_base58("StakeConfig11111111111111111111111111111111");
/// Bytes 03 06 46 6f e5 21 17 32 ff ec ad ba 72 c3 9b e7 bc 8c e5 bb c5 f7 12 6b 2c 43 9b 3a
/// 40 00 00 00.
inline constexpr Pubkey COMPUTE_BUDGET_PROGRAM_ID =
    pubkey_from_base58("ComputeBudget111111111111111111111111111111");
inline constexpr Pubkey CONFIG_PROGRAM_ID =
    pubkey_from_base58("Config1111111111111111111111111111111111111");
inline constexpr Pubkey ADDRESS_LOOKUP_TABLE_PROGRAM_ID =
    pubkey_from_base58("AddressLookupTab1e1111111111111111111111111");
inline constexpr Pubkey BPF_LOADER_DEPRECATED_ID =
    pubkey_from_base58("BPFLoader1111111111111111111111111111111111");
inline constexpr Pubkey BPF_LOADER_ID =
    pubkey_from_base58("BPFLoader2111111111111111111111111111111111");
inline constexpr Pubkey BPF_LOADER_UPGRADEABLE_ID =
    pubkey_from_base58("BPFLoaderUpgradeab1e11111111111111111111111");
inline constexpr Pubkey LOADER_V4_ID =
    pubkey_from_base58("LoaderV411111111111111111111111111111111111");
inline constexpr Pubkey NATIVE_LOADER_ID =
    pubkey_from_base58("NativeLoader1111111111111111111111111111111");
inline constexpr Pubkey FEATURE_PROGRAM_ID =
    pubkey_from_base58("Feature111111111111111111111111111111111111");
inline constexpr Pubkey ED25519_PROGRAM_ID =
    pubkey_from_base58("Ed25519SigVerify111111111111111111111111111");
inline constexpr Pubkey SECP256K1_PROGRAM_ID =
    pubkey_from_base58("KeccakSecp256k11111111111111111111111111111");
inline constexpr Pubkey SECP256R1_PROGRAM_ID =
    pubkey_from_base58("Secp256r1SigVerify1111111111111111111111111");
inline constexpr Pubkey ZK_TOKEN_PROOF_PROGRAM_ID =
    pubkey_from_base58("ZkTokenProof1111111111111111111111111111111");
inline constexpr Pubkey ZK_ELGAMAL_PROOF_PROGRAM_ID =
    pubkey_from_base58("ZkE1Gama1Proof11111111111111111111111111111");

// Sysvars.
inline constexpr Pubkey SYSVAR_OWNER_ID =
    pubkey_from_base58("Sysvar1111111111111111111111111111111111111");
inline constexpr Pubkey SYSVAR_CLOCK_ID =
    pubkey_from_base58("SysvarC1ock11111111111111111111111111111111");
inline constexpr Pubkey SYSVAR_EPOCH_REWARDS_ID =
    pubkey_from_base58("SysvarEpochRewards1111111111111111111111111");
inline constexpr Pubkey SYSVAR_EPOCH_SCHEDULE_ID =
    pubkey_from_base58("SysvarEpochSchedu1e111111111111111111111111");
inline constexpr Pubkey SYSVAR_FEES_ID =
    pubkey_from_base58("SysvarFees111111111111111111111111111111111");
inline constexpr Pubkey SYSVAR_INSTRUCTIONS_ID =
    pubkey_from_base58("Sysvar1nstructions1111111111111111111111111");
inline constexpr Pubkey SYSVAR_LAST_RESTART_SLOT_ID =
    pubkey_from_base58("SysvarLastRestartS1ot1111111111111111111111");
inline constexpr Pubkey SYSVAR_RECENT_BLOCKHASHES_ID =
    pubkey_from_base58("SysvarRecentB1ockHashes11111111111111111111");
inline constexpr Pubkey SYSVAR_RENT_ID =
    pubkey_from_base58("SysvarRent111111111111111111111111111111111");
inline constexpr Pubkey SYSVAR_REWARDS_ID =
    pubkey_from_base58("SysvarRewards111111111111111111111111111111");
inline constexpr Pubkey SYSVAR_SLOT_HASHES_ID =
    pubkey_from_base58("SysvarS1otHashes111111111111111111111111111");
inline constexpr Pubkey SYSVAR_SLOT_HISTORY_ID =
    pubkey_from_base58("SysvarS1otHistory11111111111111111111111111");
inline constexpr Pubkey SYSVAR_STAKE_HISTORY_ID =
    pubkey_from_base58("SysvarStakeHistory1111111111111111111111111");

/// Programs the transaction code treats specially. Everything else is Other.
enum class ProgramKind : std::uint8_t {
  Other = 0,
  System,
  Vote,
  ComputeBudget,
  BpfLoaderUpgradeable,
  BpfLoaderDeprecated,
  BpfLoader,
  LoaderV4,
  Secp256k1,
  Ed25519,
  Secp256r1,
};

/// Classifies a program id. Two-byte rejection first (see the file comment), so calling this
/// once per instruction costs a load and a compare for ordinary programs.
[[nodiscard]] ProgramKind classify_program(const Pubkey& key);

/// True for the builtins that SIMD-0170 budgets at MAX_BUILTIN_ALLOCATION_COMPUTE_UNIT_LIMIT
/// (3,000 CU) when no SetComputeUnitLimit is given: Agave's builtins-default-costs table without
/// the programs migrated to core BPF (Stake, Config, Address Lookup Table now count 200,000).
[[nodiscard]] constexpr bool is_default_cost_builtin(ProgramKind kind) {
  return kind != ProgramKind::Other && kind != ProgramKind::Secp256r1;
}

/// The low two bytes every well-known id has zero (see the file comment).
[[nodiscard]] inline bool may_be_well_known_id(const Pubkey& key) {
  return key[30] == 0 && key[31] == 0;
}

} // namespace extpack::txn
