// Names of the ABI's reason codes, for logs and reports.
#include <array>
#include <cstdio>

#include "extpack/abi/messages.hpp"

namespace extpack::abi::not_included_reasons {

const char* name(std::uint8_t reason) {
  static constexpr std::array<const char*, 4> kLow = {"NONE", "BANK_NOT_AVAILABLE", "SLOT_MISMATCH",
                                                      "ALL_OR_NOTHING_BATCH_FAILURE"};
  static constexpr std::array<const char*, 38> kSdk = {"ACCOUNT_IN_USE",
                                                       "ACCOUNT_LOADED_TWICE",
                                                       "ACCOUNT_NOT_FOUND",
                                                       "PROGRAM_ACCOUNT_NOT_FOUND",
                                                       "INSUFFICIENT_FUNDS_FOR_FEE",
                                                       "INVALID_ACCOUNT_FOR_FEE",
                                                       "ALREADY_PROCESSED",
                                                       "BLOCKHASH_NOT_FOUND",
                                                       "INSTRUCTION_ERROR",
                                                       "CALL_CHAIN_TOO_DEEP",
                                                       "MISSING_SIGNATURE_FOR_FEE",
                                                       "INVALID_ACCOUNT_INDEX",
                                                       "SIGNATURE_FAILURE",
                                                       "INVALID_PROGRAM_FOR_EXECUTION",
                                                       "SANITIZE_FAILURE",
                                                       "CLUSTER_MAINTENANCE",
                                                       "ACCOUNT_BORROW_OUTSTANDING",
                                                       "WOULD_EXCEED_MAX_BLOCK_COST_LIMIT",
                                                       "UNSUPPORTED_VERSION",
                                                       "INVALID_WRITABLE_ACCOUNT",
                                                       "WOULD_EXCEED_MAX_ACCOUNT_COST_LIMIT",
                                                       "WOULD_EXCEED_ACCOUNT_DATA_BLOCK_LIMIT",
                                                       "TOO_MANY_ACCOUNT_LOCKS",
                                                       "ADDRESS_LOOKUP_TABLE_NOT_FOUND",
                                                       "INVALID_ADDRESS_LOOKUP_TABLE_OWNER",
                                                       "INVALID_ADDRESS_LOOKUP_TABLE_DATA",
                                                       "INVALID_ADDRESS_LOOKUP_TABLE_INDEX",
                                                       "INVALID_RENT_PAYING_ACCOUNT",
                                                       "WOULD_EXCEED_MAX_VOTE_COST_LIMIT",
                                                       "WOULD_EXCEED_ACCOUNT_DATA_TOTAL_LIMIT",
                                                       "DUPLICATE_INSTRUCTION",
                                                       "INSUFFICIENT_FUNDS_FOR_RENT",
                                                       "MAX_LOADED_ACCOUNTS_DATA_SIZE_EXCEEDED",
                                                       "INVALID_LOADED_ACCOUNTS_DATA_SIZE_LIMIT",
                                                       "RESANITIZATION_NEEDED",
                                                       "PROGRAM_EXECUTION_TEMPORARILY_RESTRICTED",
                                                       "UNBALANCED_TRANSACTION",
                                                       "PROGRAM_CACHE_HIT_MAX_LIMIT"};
  static_assert(64 + kSdk.size() - 1 == MAX_DEFINED);
  if (reason < kLow.size()) return kLow[reason];
  if (reason >= 64 && reason <= MAX_DEFINED) return kSdk[reason - 64];
  return reason < 64 ? "RESERVED" : "UNDEFINED";
}

} // namespace extpack::abi::not_included_reasons
