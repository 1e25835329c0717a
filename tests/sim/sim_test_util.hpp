// Helpers for the simulator tests: a whole session over memfds joined from both sides,
// and small transaction builders with known keys.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "extpack/session/session.hpp"
#include "extpack/sim/bank.hpp"
#include "extpack/sim/tx_builder.hpp"

namespace extpack::sim::test {

/// Agave's and pack's endpoints of one in-memory session.
struct MemSession {
  session::SessionFds fds;
  session::AgaveSession agave;
  session::PackSession pack;
};
/// Creates the session (fails the test and returns nullptr on error).
std::unique_ptr<MemSession> make_session(std::uint32_t workers,
                                         std::uint64_t worker_queue_capacity = 64);

Keypair key(std::uint64_t i);
Pubkey addr(std::uint64_t i);

/// payer -> to System transfer, with optional compute-budget instructions.
std::vector<std::uint8_t> transfer(const Keypair& payer, const Pubkey& to, const Hash& blockhash,
                                   std::optional<std::uint32_t> cu_limit = std::nullopt,
                                   std::optional<std::uint64_t> cu_price = std::nullopt,
                                   std::uint64_t lamports = 1);
/// A simple vote: authority pays, writes `vote_account`.
std::vector<std::uint8_t> vote(const Keypair& authority, const Pubkey& vote_account,
                               const Hash& blockhash, std::uint64_t n);
/// A transfer with extra raw compute-budget instruction data (for invalid budgets).
std::vector<std::uint8_t>
transfer_with_budget_data(const Keypair& payer, const Pubkey& to, const Hash& blockhash,
                          const std::vector<std::vector<std::uint8_t>>& budget_ixs);

/// Prepares and executes `txs` as one batch and releases its locks; one response each.
std::vector<abi::ExecutionResponse> execute(Bank& bank, const AltRegistry& alts,
                                            const std::vector<std::vector<std::uint8_t>>& txs,
                                            std::uint64_t max_slot = UINT64_MAX,
                                            bool verify = false);

} // namespace extpack::sim::test
