// collect_account_locks(): Agave's SanitizedMessage::is_writable for every key, then the lock
// validation (validate_account_locks: the count limit first, then duplicates).
//
// Writability: a key the header (or a lookup's writable list) asks to write stays writable
// unless it is a reserved account key, or it is the program id of some instruction while the
// BPF upgradeable loader is not among the transaction's keys (Agave's demote_program_id; the
// loader exception lets a deploy or upgrade write the program account it also names).
#include "extpack/txn/account_locks.hpp"

#include <algorithm>
#include <array>

#include "extpack/txn/program_ids.hpp"
#include "key_set.hpp"

namespace extpack::txn {
namespace {

// Agave's reserved account keys (sdk reserved_account_keys.rs), the set the scheduler and the
// runtime demote to read-only. Entries marked "feature" joined the set through a feature gate:
// add_new_reserved_account_keys (SIMD-0100) or, for secp256r1, enable_secp256r1_precompile. We
// treat them as active, as they are on mainnet today; the rest have always been reserved.
// The incinerator is deliberately absent: Agave does not reserve it.
constexpr std::array kReservedKeys = {
    // Builtin programs.
    ADDRESS_LOOKUP_TABLE_PROGRAM_ID, // feature
    BPF_LOADER_ID, BPF_LOADER_DEPRECATED_ID, BPF_LOADER_UPGRADEABLE_ID,
    COMPUTE_BUDGET_PROGRAM_ID, // feature
    CONFIG_PROGRAM_ID,
    ED25519_PROGRAM_ID, // feature
    FEATURE_PROGRAM_ID,
    LOADER_V4_ID,         // feature
    SECP256K1_PROGRAM_ID, // feature
    SECP256R1_PROGRAM_ID, // feature (enable_secp256r1_precompile)
    STAKE_CONFIG_ID, STAKE_PROGRAM_ID, SYSTEM_PROGRAM_ID, VOTE_PROGRAM_ID,
    ZK_ELGAMAL_PROOF_PROGRAM_ID, // feature
    ZK_TOKEN_PROOF_PROGRAM_ID,   // feature
    // Sysvars.
    SYSVAR_CLOCK_ID,
    SYSVAR_EPOCH_REWARDS_ID, // feature
    SYSVAR_EPOCH_SCHEDULE_ID, SYSVAR_FEES_ID, SYSVAR_INSTRUCTIONS_ID,
    SYSVAR_LAST_RESTART_SLOT_ID, // feature
    SYSVAR_RECENT_BLOCKHASHES_ID, SYSVAR_RENT_ID, SYSVAR_REWARDS_ID, SYSVAR_SLOT_HASHES_ID,
    SYSVAR_SLOT_HISTORY_ID, SYSVAR_STAKE_HISTORY_ID,
    // Other.
    NATIVE_LOADER_ID,
    SYSVAR_OWNER_ID, // feature
};

constexpr bool all_end_in_zero_bytes() {
  for (const Pubkey& k : kReservedKeys) {
    if (k[30] != 0 || k[31] != 0) return false;
  }
  return true;
}
static_assert(all_end_in_zero_bytes(), "may_be_well_known_id() would reject a reserved key");

/// True if some instruction of `tx` names static key `index` as its program.
bool is_called_as_program(const TransactionView& tx, std::size_t index) {
  for (std::size_t i = 0; i < tx.num_instructions(); ++i) {
    if (tx.program_index(i) == index) return true;
  }
  return false;
}

} // namespace

bool is_reserved_account_key(const Pubkey& key) {
  if (!may_be_well_known_id(key)) return false;
  return std::find(kReservedKeys.begin(), kReservedKeys.end(), key) != kReservedKeys.end();
}

LockError collect_account_locks(const TransactionView& tx, std::span<const Pubkey> loaded_writable,
                                std::span<const Pubkey> loaded_readonly, AccountLocks& out) {
  out.count = 0;
  if (loaded_writable.size() != tx.num_loaded_writable() ||
      loaded_readonly.size() != tx.num_loaded_readonly()) {
    return LockError::LoadedCountMismatch;
  }
  const std::size_t num_static = tx.num_static_keys();
  const std::size_t num_w = loaded_writable.size();
  const std::size_t total = num_static + num_w + loaded_readonly.size();
  if (total > MAX_TX_ACCOUNT_LOCKS) return LockError::TooManyAccountLocks;

  auto key_at = [&](std::size_t i) -> const Pubkey& {
    if (i < num_static) return tx.static_key(i);
    if (i < num_static + num_w) return loaded_writable[i - num_static];
    return loaded_readonly[i - num_static - num_w];
  };
  if (detail::has_duplicate_keys(total, key_at)) return LockError::AccountLoadedTwice;

  bool upgradeable_loader_present = false;
  for (std::size_t i = 0; i < total && !upgradeable_loader_present; ++i) {
    upgradeable_loader_present = key_at(i) == BPF_LOADER_UPGRADEABLE_ID;
  }

  for (std::size_t i = 0; i < total; ++i) {
    const Pubkey& key = key_at(i);
    bool writable = i < num_static ? tx.is_static_writable_requested(i) : i < num_static + num_w;
    if (writable && is_reserved_account_key(key)) writable = false;
    if (writable && i < num_static && !upgradeable_loader_present && is_called_as_program(tx, i)) {
      writable = false;
    }
    out.locks[i] = AccountLock{key, writable};
  }
  out.count = static_cast<std::uint8_t>(total);
  return LockError::Ok;
}

const char* to_string(LockError e) {
  switch (e) {
  case LockError::Ok:
    return "ok";
  case LockError::TooManyAccountLocks:
    return "more than 64 account locks";
  case LockError::AccountLoadedTwice:
    return "an account key appears twice";
  case LockError::LoadedCountMismatch:
    return "resolved keys do not match the lookups' index counts";
  }
  return "unknown lock error";
}

} // namespace extpack::txn
