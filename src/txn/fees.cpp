// calculate_fees() and calculate_priority(): Agave's fee and scheduling-priority arithmetic,
// integer only.
#include "extpack/txn/fees.hpp"

namespace extpack::txn {
namespace {

// 128-bit arithmetic for price * limit (a GCC/Clang extension; C++20 has no standard type).
__extension__ typedef unsigned __int128 u128;

/// Micro-lamports per lamport (compute-unit prices are in micro-lamports).
constexpr u128 kMicroLamportsPerLamport = 1'000'000;
/// calculate_priority_and_cost scales the reward by this before dividing by the cost.
constexpr std::uint64_t kPriorityMultiplier = 1'000'000;

std::uint64_t sat_add(std::uint64_t a, std::uint64_t b) {
  const std::uint64_t s = a + b;
  return s < a ? UINT64_MAX : s;
}

std::uint64_t sat_mul(std::uint64_t a, std::uint64_t b) {
  std::uint64_t p = 0;
  return __builtin_mul_overflow(a, b, &p) ? UINT64_MAX : p;
}

} // namespace

FeeDetails calculate_fees(const TransactionCost& cost, const ComputeBudgetLimits& budget) {
  FeeDetails f;
  // Transaction signatures plus every precompile signature (SignatureCounts in Agave's fee crate).
  std::uint64_t sigs = sat_add(cost.num_transaction_signatures, cost.num_secp256k1_signatures);
  sigs = sat_add(sigs, cost.num_ed25519_signatures);
  sigs = sat_add(sigs, cost.num_secp256r1_signatures);
  f.signature_fee = sat_mul(sigs, LAMPORTS_PER_SIGNATURE);
  // ceil(price * limit / 1e6); the product needs up to 96 bits.
  const u128 micro = static_cast<u128>(budget.compute_unit_price) * budget.compute_unit_limit;
  const u128 lamports = (micro + kMicroLamportsPerLamport - 1) / kMicroLamportsPerLamport;
  f.priority_fee = lamports > UINT64_MAX ? UINT64_MAX : static_cast<std::uint64_t>(lamports);
  return f;
}

std::uint64_t calculate_priority(std::uint64_t reward, std::uint64_t cost) {
  return sat_mul(reward, kPriorityMultiplier) / sat_add(cost, 1);
}

} // namespace extpack::txn
