// Uses the installed extpack SDK the way an integrator would: creates a session in memfds
// as the 3.1 handshake server does, joins both sides in this one process, hands a
// transaction from the Agave side to the pack side through tpu_to_pack, and analyzes it.
// Prints one line per step and "sdk-consumer: ok" last; any failure exits non-zero.
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <span>
#include <vector>

#include <extpack/common/encoding.hpp>
#include <extpack/session/session.hpp>
#include <extpack/shm/mapping.hpp>
#include <extpack/txn/analyze.hpp>
#include <extpack/txn/program_ids.hpp>

namespace {

using Bytes = std::vector<std::uint8_t>;

int fail(const char* step, const std::string& why) {
  std::fprintf(stderr, "sdk-consumer: %s: %s\n", step, why.c_str());
  return 1;
}

void put_u32(Bytes& b, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
void put_u64(Bytes& b, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
void put_key(Bytes& b, const extpack::txn::Pubkey& k) { b.insert(b.end(), k.begin(), k.end()); }

// A legacy transaction: set CU limit 1,000 and price 10,000 micro-lamports, then transfer
// 1 SOL. Signatures are zero bytes: analyze() does not verify them.
Bytes make_transfer(const extpack::txn::Pubkey& payer, const extpack::txn::Pubkey& to) {
  Bytes b;
  b.push_back(1);                       // one signature
  b.insert(b.end(), 64, 0);
  b.insert(b.end(), {1, 0, 2});         // header: 1 signer, both programs read-only
  b.push_back(4);                       // accounts
  put_key(b, payer);
  put_key(b, to);
  put_key(b, extpack::txn::SYSTEM_PROGRAM_ID);
  put_key(b, extpack::txn::COMPUTE_BUDGET_PROGRAM_ID);
  b.insert(b.end(), 32, 7);             // recent blockhash
  b.push_back(3);                       // instructions
  b.insert(b.end(), {3, 0, 5, 2});      // SetComputeUnitLimit
  put_u32(b, 1000);
  b.insert(b.end(), {3, 0, 9, 3});      // SetComputeUnitPrice
  put_u64(b, 10000);
  b.insert(b.end(), {2, 2, 0, 1, 12});  // system Transfer from account 0 to account 1
  put_u32(b, 2);
  put_u64(b, 1000000000);
  return b;
}

}  // namespace

int main() {
  using namespace extpack;

  session::SessionConfig cfg;
  cfg.num_workers = 1;
  cfg.allocator_handles = 1;
  cfg.allocator_size = 8ull << 20;  // the smallest size a session accepts
  cfg.tpu_to_pack_capacity = 64;
  cfg.progress_tracker_capacity = 16;
  cfg.pack_to_worker_capacity = 16;
  cfg.worker_to_pack_capacity = 16;

  session::SessionFds fds;
  auto make_fd = [](const char* name, shm::UniqueFd& out) -> Result<void> {
    auto fd = shm::memfd(name);
    if (!fd) return fd.error();
    out = std::move(*fd);
    return {};
  };
  fds.pack_to_worker.resize(cfg.num_workers);
  fds.worker_to_pack.resize(cfg.num_workers);
  for (auto [name, fd] : {std::pair{"allocator", &fds.allocator},
                          std::pair{"tpu_to_pack", &fds.tpu_to_pack},
                          std::pair{"progress_tracker", &fds.progress_tracker},
                          std::pair{"pack_to_worker", &fds.pack_to_worker[0]},
                          std::pair{"worker_to_pack", &fds.worker_to_pack[0]}}) {
    if (auto r = make_fd(name, *fd); !r) return fail("memfd", r.error().message);
  }
  if (auto r = session::initialize_regions(fds, cfg); !r) {
    return fail("initialize_regions", r.error().message);
  }
  auto agave = session::AgaveSession::join(fds);
  if (!agave) return fail("AgaveSession::join", agave.error().message);
  auto pack = session::PackSession::join(fds, cfg.allocator_handles);
  if (!pack) return fail("PackSession::join", pack.error().message);
  std::printf("session: workers=%u pack_allocators=%zu\n", pack->num_workers(),
              pack->allocators.size());

  // Agave side: the transaction goes into the shared allocator, its place onto the queue.
  txn::Pubkey payer{};
  txn::Pubkey to{};
  payer.fill(0x22);
  to.fill(0x33);
  const Bytes tx = make_transfer(payer, to);
  void* slot = agave->tpu_allocator.allocate(static_cast<std::uint32_t>(tx.size()));
  if (slot == nullptr) return fail("allocate", "allocator is full");
  std::memcpy(slot, tx.data(), tx.size());
  abi::TpuToPackMessage out{};
  out.transaction.offset = agave->tpu_allocator.offset(slot);
  out.transaction.length = static_cast<std::uint32_t>(tx.size());
  out.src_addr[10] = out.src_addr[11] = 0xff;  // ::ffff:127.0.0.1
  out.src_addr[12] = 127;
  out.src_addr[15] = 1;
  if (!agave->tpu_to_pack.try_write(out)) return fail("tpu_to_pack", "queue full");
  agave->tpu_to_pack.commit();

  // Pack side: read the message, check the region before trusting it, analyze the bytes.
  pack->tpu_to_pack.sync();
  const abi::TpuToPackMessage* in = pack->tpu_to_pack.try_read();
  if (in == nullptr) return fail("tpu_to_pack", "nothing arrived");
  const abi::TpuToPackMessage msg = *in;
  pack->tpu_to_pack.finalize();
  shm::Allocator& alloc = pack->allocators[0];
  if (auto r = alloc.check_region(msg.transaction.offset, msg.transaction.length); !r) {
    return fail("check_region", r.error().message);
  }
  std::printf("tpu_to_pack: received %u bytes at offset %llu\n", msg.transaction.length,
              static_cast<unsigned long long>(msg.transaction.offset));

  std::uint8_t* bytes = alloc.ptr_from_offset(msg.transaction.offset);
  txn::Analysis a;
  const auto status = txn::analyze(std::span<const std::uint8_t>(bytes, msg.transaction.length), a);
  std::printf("analyze: %s payer=%s instructions=%zu cu_limit=%u cost=%llu fee=%llu "
              "priority_fee=%llu\n",
              txn::to_string(status), base58_encode(a.view.fee_payer()).c_str(),
              a.view.num_instructions(), a.budget.compute_unit_limit,
              static_cast<unsigned long long>(a.cost.sum()),
              static_cast<unsigned long long>(a.fees.total()),
              static_cast<unsigned long long>(a.fees.priority_fee));
  // Pack owns the transaction now and frees it; the slot goes back to the TPU's slab.
  alloc.free(bytes);

  if (status != txn::AnalyzeStatus::Ok) return fail("analyze", txn::to_string(status));
  // 5,000 lamports for the signature plus ceil(10,000 * 1,000 / 1e6) for priority.
  if (a.fees.total() != 5010 || a.budget.compute_unit_limit != 1000) {
    return fail("analyze", "unexpected fee or compute-unit limit");
  }
  std::printf("sdk-consumer: ok\n");
  return 0;
}
