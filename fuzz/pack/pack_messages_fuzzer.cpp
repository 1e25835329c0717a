// libFuzzer target: the fuzz input is the stream of choices of a hostile validator
// (tests/pack/hostile_peer.hpp) that writes transactions, progress and worker responses
// into a small session over memfds while a real PackRuntime polls the other side. Whatever
// the input, pack must not crash, must keep received == included + dropped, must end with
// zero allocations outstanding for its own allocator id, and once the peer has freed what
// pack refused, the whole allocator must be empty with no chain broken by a double free.
#include <cstdint>
#include <cstdlib>

#include <spdlog/spdlog.h>

#include "extpack/sched/policies.hpp"
#include "hostile_peer.hpp"

namespace {

using namespace extpack;

/// Steps per input: enough to fill batches and the container, small enough to stay fast.
constexpr std::size_t MAX_STEPS = 2048;

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  spdlog::set_level(spdlog::level::off); // rejections are counted; logging them is noise here
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  test::HostilePeer peer;
  if (!peer.ok()) std::abort();
  pack::PackRuntime rt(peer.pack, test::HostilePeer::runtime_config(), sched::make_policy("fifo"));
  test::Choices choices(data, size);
  peer.run(choices, rt, MAX_STEPS);
  rt.shutdown();
  const pack::PackStats& s = rt.stats();
  if (rt.owned_regions() != 0 || rt.in_flight_batches() != 0) std::abort();
  if (peer.outstanding(peer.pack_id()) != 0) std::abort();
  if (s.received != rt.scheduler().counters().included + s.total_dropped()) std::abort();
  if (peer.pack.allocators[0].stats().rejected_frees != 0) std::abort();
  if (!peer.settle() || peer.outstanding_total() != 0) std::abort();
  return 0;
}
