// Test helpers for the simulator (see sim_test_util.hpp).
#include "sim_test_util.hpp"

#include <gtest/gtest.h>

#include "extpack/shm/mapping.hpp"
#include "extpack/sim/keys.hpp"
#include "extpack/txn/compute_budget.hpp"

namespace extpack::sim::test {

std::unique_ptr<MemSession> make_session(std::uint32_t workers,
                                         std::uint64_t worker_queue_capacity) {
  auto s = std::make_unique<MemSession>();
  auto fd = [](const char* name) {
    auto f = shm::memfd(name);
    EXPECT_TRUE(f.ok()) << (f.ok() ? "" : f.error().message);
    return f.ok() ? std::move(*f) : shm::UniqueFd{};
  };
  s->fds.allocator = fd("sim-test-alloc");
  s->fds.tpu_to_pack = fd("sim-test-tpu");
  s->fds.progress_tracker = fd("sim-test-progress");
  for (std::uint32_t i = 0; i < workers; ++i) {
    s->fds.pack_to_worker.push_back(fd("sim-test-p2w"));
    s->fds.worker_to_pack.push_back(fd("sim-test-w2p"));
  }
  session::SessionConfig cfg;
  cfg.num_workers = workers;
  cfg.allocator_handles = 1;
  cfg.allocator_size = 32ull * 1024 * 1024;
  cfg.tpu_to_pack_capacity = 1u << 14;
  cfg.progress_tracker_capacity = 1u << 10;
  cfg.pack_to_worker_capacity = worker_queue_capacity;
  cfg.worker_to_pack_capacity = worker_queue_capacity;
  if (auto r = session::initialize_regions(s->fds, cfg); !r) {
    ADD_FAILURE() << r.error().message;
    return nullptr;
  }
  auto a = session::AgaveSession::join(s->fds);
  if (!a) {
    ADD_FAILURE() << a.error().message;
    return nullptr;
  }
  s->agave = std::move(*a);
  auto p = session::PackSession::join(s->fds, 1);
  if (!p) {
    ADD_FAILURE() << p.error().message;
    return nullptr;
  }
  s->pack = std::move(*p);
  return s;
}

Keypair key(std::uint64_t i) {
  return derive_keypair("sim-test/key", 7, i);
}
Pubkey addr(std::uint64_t i) {
  return derive_address("sim-test/addr", 7, i);
}

std::vector<std::uint8_t>
transfer_with_budget_data(const Keypair& payer, const Pubkey& to, const Hash& blockhash,
                          const std::vector<std::vector<std::uint8_t>>& budget_ixs) {
  MessageSpec m;
  m.static_keys = {payer.pubkey, to, system_program_id()};
  if (!budget_ixs.empty()) m.static_keys.push_back(txn::COMPUTE_BUDGET_PROGRAM_ID);
  m.num_readonly_unsigned = budget_ixs.empty() ? 1 : 2;
  m.recent_blockhash = blockhash;
  for (const auto& d : budget_ixs)
    m.instructions.push_back({3, {}, d});
  m.instructions.push_back({2, {0, 1}, system_transfer_data(1)});
  const Keypair* signers[] = {&payer};
  return build_transaction(m, signers);
}

std::vector<std::uint8_t> transfer(const Keypair& payer, const Pubkey& to, const Hash& blockhash,
                                   std::optional<std::uint32_t> cu_limit,
                                   std::optional<std::uint64_t> cu_price, std::uint64_t lamports) {
  std::vector<std::vector<std::uint8_t>> cb;
  if (cu_limit) cb.push_back(set_compute_unit_limit_data(*cu_limit));
  if (cu_price) cb.push_back(set_compute_unit_price_data(*cu_price));
  MessageSpec m;
  m.static_keys = {payer.pubkey, to, system_program_id()};
  if (!cb.empty()) m.static_keys.push_back(txn::COMPUTE_BUDGET_PROGRAM_ID);
  m.num_readonly_unsigned = cb.empty() ? 1 : 2;
  m.recent_blockhash = blockhash;
  for (const auto& d : cb)
    m.instructions.push_back({3, {}, d});
  m.instructions.push_back({2, {0, 1}, system_transfer_data(lamports)});
  const Keypair* signers[] = {&payer};
  return build_transaction(m, signers);
}

std::vector<std::uint8_t> vote(const Keypair& authority, const Pubkey& vote_account,
                               const Hash& blockhash, std::uint64_t n) {
  MessageSpec m;
  m.num_readonly_unsigned = 1;
  m.static_keys = {authority.pubkey, vote_account, vote_program_id()};
  m.recent_blockhash = blockhash;
  std::vector<std::uint8_t> d = {14, 0, 0, 0};
  for (int i = 0; i < 8; ++i)
    d.push_back(static_cast<std::uint8_t>(n >> (8 * i)));
  m.instructions.push_back({2, {1, 0}, d});
  const Keypair* signers[] = {&authority};
  return build_transaction(m, signers);
}

std::vector<abi::ExecutionResponse> execute(Bank& bank, const AltRegistry& alts,
                                            const std::vector<std::vector<std::uint8_t>>& txs,
                                            std::uint64_t max_slot, bool verify) {
  std::vector<PreparedTx> prepared(txs.size());
  for (std::size_t i = 0; i < txs.size(); ++i) {
    prepare_transaction(txs[i], alts, verify, prepared[i]);
  }
  std::vector<abi::ExecutionResponse> out(txs.size());
  const auto ticket = bank.execute(prepared, max_slot, 0, out);
  bank.release(ticket);
  return out;
}

} // namespace extpack::sim::test
