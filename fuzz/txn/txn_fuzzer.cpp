// libFuzzer target: arbitrary bytes through the whole transaction pipeline (parse, sanitize,
// compute budget, cost, fees, priority, account locks). Any crash, sanitizer report or broken
// invariant below is a bug: the bytes come from an untrusted peer's shared memory.
#include <cstdint>
#include <cstdlib>
#include <span>

#include "extpack/txn/account_locks.hpp"
#include "extpack/txn/analyze.hpp"

namespace {

using namespace extpack::txn;

void check(bool ok) {
  if (!ok) std::abort();
}

/// Touches every byte the view hands out, so an out-of-bounds span shows up under ASan.
std::uint64_t walk(const TransactionView& v) {
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < v.num_signatures(); ++i)
    sum += v.signature(i)[63];
  for (std::size_t i = 0; i < v.num_static_keys(); ++i) {
    sum += v.static_key(i)[31] + (v.is_static_writable_requested(i) ? 1 : 0);
  }
  sum += v.recent_blockhash()[31];
  std::size_t data_bytes = 0;
  for (std::size_t i = 0; i < v.num_instructions(); ++i) {
    const InstructionView ix = v.instruction(i);
    for (std::uint8_t a : ix.accounts)
      sum += a;
    for (std::uint8_t d : ix.data)
      sum += d;
    data_bytes += ix.data.size();
  }
  check(data_bytes == v.instruction_data_bytes());
  std::size_t w = 0, r = 0;
  for (std::size_t i = 0; i < v.num_lookups(); ++i) {
    const LookupView l = v.lookup(i);
    sum += (*l.table)[0];
    for (std::uint8_t x : l.writable)
      sum += x;
    for (std::uint8_t x : l.readonly)
      sum += x;
    w += l.writable.size();
    r += l.readonly.size();
  }
  check(w == v.num_loaded_writable() && r == v.num_loaded_readonly());
  check(v.num_requested_write_locks() <= v.num_total_keys());
  check(v.message().size() < v.bytes().size() || v.num_signatures() == 0);
  return sum;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> bytes(data, size);
  Analysis a;
  const AnalyzeStatus status = analyze(bytes, a);
  if (status == AnalyzeStatus::ParseFailed) {
    check(a.parse_error != ParseError::Ok);
    return 0;
  }
  check(size <= PACKET_DATA_SIZE);
  volatile std::uint64_t sink = walk(a.view);
  (void)sink;

  // The pieces on their own, including on views sanitize() rejected.
  ComputeBudgetLimits budget;
  const ComputeBudgetError be = parse_compute_budget(a.view, budget);
  check(budget.compute_unit_limit <= MAX_COMPUTE_UNIT_LIMIT);
  check(budget.loaded_accounts_bytes <= MAX_LOADED_ACCOUNTS_DATA_SIZE_BYTES);
  const TransactionCost cost = calculate_cost(a.view, budget, be == ComputeBudgetError::Ok);
  const FeeDetails fees = calculate_fees(cost, budget);
  check(fees.leader_reward() <= fees.total());
  (void)calculate_priority(fees.leader_reward(), cost.sum());
  check(executed_cost(cost, 0, 0) <= cost.sum() || cost.simple_vote);

  if (status == AnalyzeStatus::Ok) {
    check(a.cost.sum() == cost.sum() && a.fees.total() == fees.total());
    check(a.view.num_total_keys() <= MAX_TX_ACCOUNT_LOCKS);
  }

  // Locks with stand-in resolved keys taken from the input itself (duplicates included).
  std::array<Pubkey, 256> loaded{};
  const std::size_t w = a.view.num_loaded_writable(), r = a.view.num_loaded_readonly();
  if (w + r <= loaded.size()) {
    for (std::size_t i = 0; i < w + r; ++i) {
      loaded[i][0] = data[i % size];
      loaded[i][1] = static_cast<std::uint8_t>(i);
    }
    AccountLocks locks;
    const LockError le =
        collect_account_locks(a.view, {loaded.data(), w}, {loaded.data() + w, r}, locks);
    check(le != LockError::Ok || locks.count == a.view.num_total_keys());
    if (le == LockError::Ok) {
      std::size_t writable = 0;
      for (const AccountLock& l : locks.view())
        writable += l.writable ? 1 : 0;
      check(writable <= a.view.num_requested_write_locks());
    }
  }
  return 0;
}
