// The "extpack" policy: priority order, skip what is blocked; see policies.hpp.
#include <cstdint>
#include <memory>

#include "extpack/sched/pass.hpp"
#include "extpack/txn/cost_model.hpp"

namespace extpack::sched {

std::unique_ptr<Policy> make_extpack_policy();

namespace {

/// Below this many cost units left nothing useful fits: the cheapest transaction that
/// writes an account costs one signature plus one write lock (720 + 300, fd_pack_cost.h).
constexpr std::uint64_t MIN_TRANSACTION_COST = txn::SIGNATURE_COST + txn::WRITE_LOCK_UNITS;

class ExtpackPolicy final : public Policy {
public:
  const char* name() const override { return "extpack"; }
  std::uint64_t rank(const NewTx& tx) const override { return tx.priority; }

  void schedule(SchedulePass& pass) override {
    // Round robin: one batch per worker per round, so the backlog spreads over workers.
    bool progress = true;
    while (progress) {
      progress = false;
      for (std::uint32_t w : pass.workers()) {
        if (!pass.can_open(w)) continue;
        bool stop = false;
        fill(pass, w, stop);
        bool sent = pass.open_size(w) > 0;
        pass.close(w);
        if (stop) return;
        progress = progress || sent;
      }
    }
  }

private:
  static void fill(SchedulePass& pass, std::uint32_t w, bool& stop) {
    while (pass.open_size(w) < pass.max_batch()) {
      if (pass.available() < MIN_TRANSACTION_COST) {
        stop = true;
        return;
      }
      EntryId id = pass.next();
      if (id == NO_ENTRY) {
        stop = true;
        return;
      }
      switch (pass.admit(id, w)) {
      case Admit::Admitted:
      case Admit::Dropped:
        break;
      case Admit::BatchFull:
        pass.skip(id);
        return;
      case Admit::Conflict:
      case Admit::OverBlock:
      case Admit::OverAccount:
      case Admit::OverVote:
      case Admit::OverInFlight:
        pass.skip(id);
        break;
      }
    }
  }
};

} // namespace

std::unique_ptr<Policy> make_extpack_policy() {
  return std::make_unique<ExtpackPolicy>();
}

} // namespace extpack::sched
