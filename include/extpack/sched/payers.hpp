// PayerBook: what pack knows about fee payers' balances, so that it never sends a
// transaction whose payer cannot pay for it.
//
// The only balance pack ever learns is ExecutionResponse::fee_payer_balance, the payer's
// balance right after one of its transactions was included. From then on, a transaction
// of that payer is affordable only if that balance covers its fee plus the fees of the
// payer's transactions already in flight (they are charged first). One that is not:
//   * with nothing of the payer in flight, is dropped (DropReason::Unaffordable): the bank
//     would refuse it with INSUFFICIENT_FUNDS_FOR_FEE, having spent a batch slot and a
//     worker's time on it;
//   * with transactions in flight, waits: their answers bring a newer balance.
// So the payer's queued transactions are checked against everything it has committed, in
// the order the policy reaches them, and the ones its balance cannot reach are dropped as
// they come up rather than failing one by one in the bank.
//
// The balance can also rise (a transfer in) or fall (other transactions in other
// leaders' blocks) outside pack's view; a stale balance errs both ways, and a payer pack
// has no balance for is always affordable. A balance is forgotten when its table set is
// needed for another payer (see below), which again only makes pack more permissive.
//
// Storage: a fixed 4-way set-associative table keyed by the payer's public key, sized at
// construction: no allocation per transaction. Payers with transactions in flight are
// never evicted (their in-flight sums must stay exact); if all four ways of a set are
// such payers, a new payer is not tracked (PayerSlot::untracked) and its transactions
// are always affordable. With a table of several times the in-flight limit that needs
// four colliding payers in flight at once.
#pragma once

#include <cstdint>
#include <vector>

#include "extpack/txn/view.hpp"

namespace extpack::sched {

class PayerBook {
public:
  /// `slots` rounded up to a power of two, at least 4.
  explicit PayerBook(std::size_t slots);

  /// True if a transaction of `payer` with total fee `fee` can be sent now: no known
  /// balance, or known balance >= fee + fees in flight. `in_flight` is set to whether the
  /// payer has transactions in flight.
  [[nodiscard]] bool affordable(const txn::Pubkey& payer, std::uint64_t fee, bool& in_flight) const;
  /// A transaction of `payer` with fee `fee` was sent. Returns false if the payer could
  /// not be tracked (then the matching release must not be called).
  bool add_in_flight(const txn::Pubkey& payer, std::uint64_t fee);
  /// A tracked in-flight transaction came back; `balance` if it was included.
  void release(const txn::Pubkey& payer, std::uint64_t fee, const std::uint64_t* balance);

  /// Payers that could not be tracked (all four ways of their set busy in flight).
  [[nodiscard]] std::uint64_t untracked() const { return untracked_; }

private:
  struct Way {
    txn::Pubkey key{};
    std::uint64_t balance = 0;
    std::uint64_t in_flight_fees = 0;
    std::uint32_t in_flight = 0;
    std::uint32_t age = 0; ///< tick of the last use, for replacement
    bool used = false;
    bool known = false; ///< balance is valid
  };
  static constexpr std::size_t WAYS = 4;

  [[nodiscard]] std::size_t set_of(const txn::Pubkey& k) const;
  [[nodiscard]] const Way* find(const txn::Pubkey& k) const;
  Way* find(const txn::Pubkey& k);
  /// The way for `k`, taking the least recently used way without in-flight work; nullptr
  /// if every way of the set has some.
  Way* find_or_take(const txn::Pubkey& k);

  std::vector<Way> ways_;
  std::size_t mask_ = 0; ///< sets - 1
  std::uint32_t tick_ = 0;
  std::uint64_t untracked_ = 0;
};

} // namespace extpack::sched
