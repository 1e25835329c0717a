// The Compute Budget program's instructions as Agave interprets them: limits, price,
// heap frame and loaded-accounts-data size, with SIMD-0170 defaults.
#pragma once

#include <cstdint>

#include "extpack/txn/program_ids.hpp" // COMPUTE_BUDGET_PROGRAM_ID
#include "extpack/txn/view.hpp"

namespace extpack::txn {

inline constexpr std::uint32_t MAX_COMPUTE_UNIT_LIMIT = 1'400'000;
inline constexpr std::uint32_t DEFAULT_INSTRUCTION_COMPUTE_UNIT_LIMIT = 200'000;
/// SIMD-0170: default per builtin instruction (compute-budget instructions included).
inline constexpr std::uint32_t MAX_BUILTIN_ALLOCATION_COMPUTE_UNIT_LIMIT = 3'000;
inline constexpr std::uint32_t MIN_HEAP_FRAME_BYTES = 32 * 1024;
inline constexpr std::uint32_t MAX_HEAP_FRAME_BYTES = 256 * 1024;
/// Default and maximum loaded-accounts-data size (bytes).
inline constexpr std::uint32_t MAX_LOADED_ACCOUNTS_DATA_SIZE_BYTES = 64 * 1024 * 1024;

enum class ComputeBudgetError : std::uint8_t {
  Ok = 0,
  InvalidInstructionData,            ///< unknown/deprecated tag, short payload, bad heap size
  DuplicateInstruction,              ///< the same compute-budget instruction twice
  InvalidLoadedAccountsDataSizeLimit ///< SetLoadedAccountsDataSizeLimit(0)
};
const char* to_string(ComputeBudgetError e);

struct ComputeBudgetLimits {
  std::uint32_t compute_unit_limit = 0; ///< sanitized: requested or default, <= 1.4M
  std::uint64_t compute_unit_price = 0; ///< micro-lamports per CU
  std::uint32_t loaded_accounts_bytes = MAX_LOADED_ACCOUNTS_DATA_SIZE_BYTES;
  std::uint32_t heap_bytes = MIN_HEAP_FRAME_BYTES;
  bool has_compute_unit_limit = false;
  /// Instruction index of the failing compute-budget instruction when not Ok.
  std::uint8_t error_instruction = 0;
};

/// Reads every compute-budget instruction of `tx` (Agave's ComputeBudgetInstructionDetails and
/// sanitize_and_convert_to_compute_budget_limits); the view must be sanitized. On an error the
/// transaction can never execute: `out.compute_unit_limit` is then 0 and `error_instruction`
/// names the offending instruction.
[[nodiscard]] ComputeBudgetError parse_compute_budget(const TransactionView& tx,
                                                      ComputeBudgetLimits& out);

} // namespace extpack::txn
