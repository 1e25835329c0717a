// The "fifo" baseline: arrival order, stop at the first blocked transaction.
#include <cstdint>
#include <memory>

#include "extpack/sched/pass.hpp"

namespace extpack::sched {

std::unique_ptr<Policy> make_fifo_policy();

namespace {

class FifoPolicy final : public Policy {
public:
  const char* name() const override { return "fifo"; }
  // Equal ranks: the container falls back to arrival order (and evicts the newest).
  std::uint64_t rank(const NewTx&) const override { return 0; }

  void schedule(SchedulePass& pass) override {
    for (std::uint32_t w : pass.workers()) {
      while (pass.can_open(w)) {
        while (pass.open_size(w) < pass.max_batch()) {
          EntryId id = pass.next();
          if (id == NO_ENTRY) return;
          Admit a = pass.admit(id, w);
          if (a == Admit::Admitted || a == Admit::Dropped) continue;
          pass.skip(id);
          if (a == Admit::BatchFull) break;
          return; // head-of-line blocking: the oldest transaction must go first
        }
        pass.close(w);
      }
    }
  }
};

} // namespace

std::unique_ptr<Policy> make_fifo_policy() {
  return std::make_unique<FifoPolicy>();
}

} // namespace extpack::sched
