// The fee payers' balance table; see payers.hpp.
#include "extpack/sched/payers.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <utility>

namespace extpack::sched {

PayerBook::PayerBook(std::size_t slots) {
  const std::size_t n = std::bit_ceil(std::max<std::size_t>(slots, WAYS));
  ways_.resize(n);
  mask_ = n / WAYS - 1;
}

std::size_t PayerBook::set_of(const txn::Pubkey& k) const {
  // Public keys are hashes already (or ed25519 points): any 8 bytes are well spread.
  std::uint64_t h = 0;
  std::memcpy(&h, k.data() + 8, sizeof h);
  return static_cast<std::size_t>(h) & mask_;
}

const PayerBook::Way* PayerBook::find(const txn::Pubkey& k) const {
  const Way* set = &ways_[set_of(k) * WAYS];
  for (std::size_t i = 0; i < WAYS; ++i) {
    if (set[i].used && set[i].key == k) return &set[i];
  }
  return nullptr;
}

PayerBook::Way* PayerBook::find(const txn::Pubkey& k) {
  return const_cast<Way*>(std::as_const(*this).find(k));
}

PayerBook::Way* PayerBook::find_or_take(const txn::Pubkey& k) {
  Way* set = &ways_[set_of(k) * WAYS];
  Way* victim = nullptr;
  for (std::size_t i = 0; i < WAYS; ++i) {
    Way& w = set[i];
    if (w.used && w.key == k) return &w;
    if (w.used && w.in_flight > 0) continue;
    if (victim == nullptr || !w.used || (victim->used && w.age < victim->age)) victim = &w;
  }
  if (victim == nullptr) return nullptr;
  *victim = Way{};
  victim->key = k;
  victim->used = true;
  return victim;
}

bool PayerBook::affordable(const txn::Pubkey& payer, std::uint64_t fee, bool& in_flight) const {
  const Way* w = find(payer);
  in_flight = w != nullptr && w->in_flight > 0;
  if (w == nullptr || !w->known) return true;
  return w->balance >= fee && w->balance - fee >= w->in_flight_fees;
}

bool PayerBook::add_in_flight(const txn::Pubkey& payer, std::uint64_t fee) {
  Way* w = find_or_take(payer);
  if (w == nullptr) {
    ++untracked_;
    return false;
  }
  ++w->in_flight;
  w->in_flight_fees += fee;
  w->age = ++tick_;
  return true;
}

void PayerBook::release(const txn::Pubkey& payer, std::uint64_t fee, const std::uint64_t* balance) {
  Way* w = find(payer);
  if (w == nullptr || w->in_flight == 0) return; // cannot happen for a tracked one
  --w->in_flight;
  w->in_flight_fees -= std::min(w->in_flight_fees, fee);
  if (balance != nullptr) {
    w->balance = *balance;
    w->known = true;
  }
  w->age = ++tick_;
}

} // namespace extpack::sched
