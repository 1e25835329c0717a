// parse_compute_budget(): the Compute Budget program's instructions, decoded the way Agave's
// borsh try_from_slice_unchecked does (u8 tag, little-endian payload, trailing bytes ignored,
// short payload rejected), then sanitized into limits with the SIMD-0170 default CU limit.
#include "extpack/txn/compute_budget.hpp"

#include <algorithm>
#include <optional>

namespace extpack::txn {
namespace {

/// Borsh enum tags of ComputeBudgetInstruction.
enum Tag : std::uint8_t {
  kRequestUnitsDeprecated = 0,         ///< removed; always invalid
  kRequestHeapFrame = 1,               ///< u32 bytes
  kSetComputeUnitLimit = 2,            ///< u32 compute units
  kSetComputeUnitPrice = 3,            ///< u64 micro-lamports per compute unit
  kSetLoadedAccountsDataSizeLimit = 4, ///< u32 bytes
};

/// Heap frames come in whole KiB.
constexpr std::uint32_t kHeapFrameGranularity = 1024;

template <typename T> std::optional<T> read_le(std::span<const std::uint8_t> data) {
  if (data.size() < 1 + sizeof(T)) return std::nullopt;
  T v = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i)
    v |= static_cast<T>(data[1 + i]) << (8 * i);
  return v;
}

/// A requested value and the instruction that carried it.
template <typename T> struct Requested {
  bool present = false;
  T value = 0;
  std::uint8_t index = 0;
};

ComputeBudgetError fail(ComputeBudgetLimits& out, ComputeBudgetError e, std::size_t index) {
  out.compute_unit_limit = 0;
  out.error_instruction = static_cast<std::uint8_t>(index);
  return e;
}

template <typename T>
ComputeBudgetError record(Requested<T>& slot, std::optional<T> v, std::size_t index,
                          ComputeBudgetLimits& out) {
  if (!v) return fail(out, ComputeBudgetError::InvalidInstructionData, index);
  if (slot.present) return fail(out, ComputeBudgetError::DuplicateInstruction, index);
  slot = {true, *v, static_cast<std::uint8_t>(index)};
  return ComputeBudgetError::Ok;
}

} // namespace

ComputeBudgetError parse_compute_budget(const TransactionView& tx, ComputeBudgetLimits& out) {
  out = ComputeBudgetLimits{};
  Requested<std::uint32_t> heap, limit, loaded;
  Requested<std::uint64_t> price;
  std::uint32_t builtin_ixs = 0;
  std::uint32_t other_ixs = 0;

  for (std::size_t i = 0; i < tx.num_instructions(); ++i) {
    const std::uint8_t program = tx.program_index(i);
    // A sanitized view never has an out-of-range program; count one as an ordinary program.
    const ProgramKind kind = program < tx.num_static_keys()
                                 ? classify_program(tx.static_key(program))
                                 : ProgramKind::Other;
    if (is_default_cost_builtin(kind)) {
      ++builtin_ixs;
    } else {
      ++other_ixs;
    }
    if (kind != ProgramKind::ComputeBudget) continue;

    const std::span<const std::uint8_t> data = tx.instruction_data(i);
    ComputeBudgetError e = ComputeBudgetError::InvalidInstructionData;
    switch (data.empty() ? std::uint8_t{kRequestUnitsDeprecated} : data[0]) {
    case kRequestHeapFrame:
      e = record(heap, read_le<std::uint32_t>(data), i, out);
      break;
    case kSetComputeUnitLimit:
      e = record(limit, read_le<std::uint32_t>(data), i, out);
      break;
    case kSetComputeUnitPrice:
      e = record(price, read_le<std::uint64_t>(data), i, out);
      break;
    case kSetLoadedAccountsDataSizeLimit:
      e = record(loaded, read_le<std::uint32_t>(data), i, out);
      break;
    default:
      return fail(out, ComputeBudgetError::InvalidInstructionData, i);
    }
    if (e != ComputeBudgetError::Ok) return e;
  }

  if (heap.present) {
    if (heap.value < MIN_HEAP_FRAME_BYTES || heap.value > MAX_HEAP_FRAME_BYTES ||
        heap.value % kHeapFrameGranularity != 0) {
      return fail(out, ComputeBudgetError::InvalidInstructionData, heap.index);
    }
    out.heap_bytes = heap.value;
  }
  if (loaded.present) {
    if (loaded.value == 0) {
      return fail(out, ComputeBudgetError::InvalidLoadedAccountsDataSizeLimit, loaded.index);
    }
    out.loaded_accounts_bytes = std::min(loaded.value, MAX_LOADED_ACCOUNTS_DATA_SIZE_BYTES);
  }
  if (limit.present) {
    out.has_compute_unit_limit = true;
    out.compute_unit_limit = std::min(limit.value, MAX_COMPUTE_UNIT_LIMIT);
  } else {
    // At most MAX_INSTRUCTIONS (64) instructions, so neither product overflows 32 bits.
    const std::uint32_t by_default = builtin_ixs * MAX_BUILTIN_ALLOCATION_COMPUTE_UNIT_LIMIT +
                                     other_ixs * DEFAULT_INSTRUCTION_COMPUTE_UNIT_LIMIT;
    out.compute_unit_limit = std::min(by_default, MAX_COMPUTE_UNIT_LIMIT);
  }
  out.compute_unit_price = price.present ? price.value : 0;
  return ComputeBudgetError::Ok;
}

const char* to_string(ComputeBudgetError e) {
  switch (e) {
  case ComputeBudgetError::Ok:
    return "ok";
  case ComputeBudgetError::InvalidInstructionData:
    return "invalid compute-budget instruction data";
  case ComputeBudgetError::DuplicateInstruction:
    return "duplicate compute-budget instruction";
  case ComputeBudgetError::InvalidLoadedAccountsDataSizeLimit:
    return "loaded-accounts data size limit of 0";
  }
  return "unknown compute-budget error";
}

} // namespace extpack::txn
