// Writes small seed corpora for the libFuzzer targets that had none in the repository:
//   txn/corpus/txn_fuzzer/          transactions: the generator's signed mainnet-like mix
//                                   (votes, transfers, oracle updates, legacy and v0 swaps
//                                   with lookup tables) and hand-made edge cases
//                                   (compute-budget instructions, lookups, truncated,
//                                   oversize, malformed headers);
//   shm/corpus/shm_alloc_fuzzer/    the three input modes of the allocator target;
//   shm/corpus/shm_queue_fuzzer/    raw queue images and operation streams;
//   sim/corpus/sim_worker_fuzzer/   PackToWorkerMessages with their batch array and
//                                   transaction slots (execute and RESOLVE).
// Usage: extpack-fuzz-corpus <repo>/fuzz. Deterministic: the same files every run. The
// input layouts are the ones documented at the top of each fuzz target.
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <unistd.h>

#include "extpack/abi/messages.hpp"
#include "extpack/shm/allocator.hpp"
#include "extpack/shm/mapping.hpp"
#include "extpack/shm/queue.hpp"
#include "extpack/sim/generator.hpp"
#include "extpack/sim/tx_builder.hpp"
#include "extpack/txn/program_ids.hpp"

namespace {

namespace fs = std::filesystem;
namespace abi = extpack::abi;
namespace shm = extpack::shm;
namespace sim = extpack::sim;
using Bytes = std::vector<std::uint8_t>;

std::size_t g_files = 0;
std::uint64_t g_bytes = 0;

void put(const fs::path& dir, const std::string& name, const Bytes& b) {
  fs::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary)
      .write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
  ++g_files;
  g_bytes += b.size();
}

template <class T> void append(Bytes& b, const T& v) {
  const auto* p = reinterpret_cast<const std::uint8_t*>(&v);
  b.insert(b.end(), p, p + sizeof v);
}

// ---- transactions ------------------------------------------------------------------

bool is_v0(const Bytes& tx) {
  if (tx.empty()) return false;
  const std::size_t msg = 1 + std::size_t{tx[0]} * 64; // < 128 signatures: one-byte count
  return msg < tx.size() && (tx[msg] & 0x80) != 0;
}

struct Txs {
  std::vector<Bytes> votes, legacy, v0;
};

Txs generated(std::size_t want_each) {
  sim::GeneratorConfig cfg;
  cfg.seed = 20261204;
  sim::Generator gen(cfg);
  sim::Hash bh{};
  bh.fill(0x42);
  Txs t;
  for (int i = 0; i < 20000; ++i) {
    sim::GeneratedTx g = gen.next(bh);
    auto& bucket = g.vote ? t.votes : is_v0(g.bytes) ? t.v0 : t.legacy;
    if (bucket.size() < want_each) bucket.push_back(std::move(g.bytes));
    if (t.votes.size() >= want_each && t.legacy.size() >= want_each && t.v0.size() >= want_each)
      break;
  }
  return t;
}

const sim::Keypair& signer(std::uint64_t i) {
  static std::vector<sim::Keypair> keys = [] {
    std::vector<sim::Keypair> v;
    for (std::uint64_t k = 0; k < 4; ++k)
      v.push_back(sim::derive_keypair("fuzz-corpus", 1, k));
    return v;
  }();
  return keys[i % keys.size()];
}

Bytes u32le(std::uint8_t tag, std::uint32_t v) {
  Bytes d{tag};
  append(d, v);
  return d;
}

/// payer, a destination, System and ComputeBudget programs, plus `cb` compute-budget
/// instructions and one transfer.
Bytes with_budget(const std::vector<Bytes>& cb, bool v0 = false,
                  std::vector<sim::LookupSpec> lookups = {}) {
  sim::MessageSpec m;
  m.v0 = v0;
  m.num_required_signatures = 1;
  m.num_readonly_unsigned = 2;
  m.static_keys = {signer(0).pubkey, sim::derive_address("fuzz-dest", 1, 0),
                   sim::system_program_id(), extpack::txn::COMPUTE_BUDGET_PROGRAM_ID};
  m.recent_blockhash.fill(7);
  for (const Bytes& d : cb)
    m.instructions.push_back({3, {}, d});
  m.instructions.push_back({2, {0, 1}, sim::system_transfer_data(5000)});
  m.lookups = std::move(lookups);
  const sim::Keypair* s[] = {&signer(0)};
  return sim::build_transaction(m, s);
}

void txn_corpus(const fs::path& root, const Txs& t) {
  const fs::path dir = root / "txn" / "corpus" / "txn_fuzzer";
  int n = 0;
  for (const auto* bucket : {&t.votes, &t.legacy, &t.v0}) {
    const char* kind = bucket == &t.votes ? "vote" : bucket == &t.legacy ? "legacy" : "v0";
    int i = 0;
    for (const Bytes& b : *bucket)
      put(dir, "gen-" + std::string(kind) + "-" + std::to_string(i++) + ".bin", b), ++n;
  }
  // Compute-budget instructions: each kind, duplicates, out-of-range and malformed data.
  const Bytes limit = sim::set_compute_unit_limit_data(200'000);
  const Bytes price = sim::set_compute_unit_price_data(12'345);
  put(dir, "cb-limit-price.bin", with_budget({limit, price}));
  put(dir, "cb-none.bin", with_budget({}));
  put(dir, "cb-duplicate-limit.bin", with_budget({limit, limit}));
  put(dir, "cb-duplicate-price.bin", with_budget({price, price}));
  put(dir, "cb-limit-over-max.bin", with_budget({sim::set_compute_unit_limit_data(5'000'000)}));
  put(dir, "cb-price-max.bin", with_budget({sim::set_compute_unit_price_data(~0ull)}));
  put(dir, "cb-heap-frame.bin", with_budget({u32le(1, 256 * 1024), limit}));
  put(dir, "cb-heap-frame-odd.bin", with_budget({u32le(1, 1000)}));
  put(dir, "cb-loaded-data-limit.bin", with_budget({u32le(4, 64 * 1024), price}));
  put(dir, "cb-loaded-data-zero.bin", with_budget({u32le(4, 0)}));
  put(dir, "cb-truncated-data.bin", with_budget({Bytes{2, 0x40}}));
  put(dir, "cb-unknown-tag.bin", with_budget({Bytes{9, 1, 2, 3}}));
  put(dir, "cb-deprecated-tag0.bin", with_budget({Bytes{0, 1, 0, 0, 0, 1, 0, 0, 0}}));
  // v0 lookups: two tables, an empty one, and indexes that repeat.
  sim::LookupSpec a{sim::derive_address("fuzz-alt", 1, 0), {0, 1}, {2}};
  sim::LookupSpec b{sim::derive_address("fuzz-alt", 1, 1), {}, {5, 6, 7}};
  sim::LookupSpec empty{sim::derive_address("fuzz-alt", 1, 2), {}, {}};
  sim::LookupSpec dup{sim::derive_address("fuzz-alt", 1, 0), {3, 3}, {3}};
  put(dir, "v0-alt-two-tables.bin", with_budget({limit, price}, true, {a, b}));
  put(dir, "v0-alt-empty-table.bin", with_budget({}, true, {empty}));
  put(dir, "v0-alt-repeated.bin", with_budget({limit}, true, {a, dup}));
  put(dir, "v0-no-lookups.bin", with_budget({price}, true));
  // Cut and grown copies of a generated v0 swap.
  const Bytes& swap = t.v0.empty() ? t.legacy.front() : t.v0.front();
  for (std::size_t cut : {std::size_t{1}, std::size_t{65}, std::size_t{100}, swap.size() / 2,
                          swap.size() - 1}) {
    put(dir, "truncated-" + std::to_string(cut) + ".bin", Bytes(swap.begin(), swap.begin() + cut));
  }
  Bytes trailing = swap;
  trailing.push_back(0);
  put(dir, "trailing-byte.bin", trailing);
  Bytes oversize = swap;
  oversize.resize(1233, 0xAB); // one byte over PACKET_DATA_SIZE
  put(dir, "oversize-1233.bin", oversize);
  Bytes max = swap;
  max.resize(1232, 0);
  put(dir, "padded-1232.bin", max);
  // Header edge cases.
  put(dir, "empty.bin", {});
  put(dir, "zero-signatures.bin", Bytes{0, 1, 0, 0});
  Bytes many(1 + 64 * 12, 0);
  many[0] = 12;
  put(dir, "twelve-signatures-no-message.bin", many);
  put(dir, "noncanonical-cu16.bin", Bytes{0x81, 0x00, 0x01});
  put(dir, "cu16-overflow.bin", Bytes{0xff, 0xff, 0x04});
  Bytes v1 = swap;
  if (is_v0(v1)) v1[1 + std::size_t{v1[0]} * 64] = 0x81; // version 1: unsupported
  put(dir, "version-1.bin", v1);
  std::printf("txn_fuzzer: %d generated + crafted seeds\n", n);
}

// ---- allocator -----------------------------------------------------------------------

constexpr std::uint64_t kAllocFile = 128 * 1024; // as alloc_fuzzer.cpp
constexpr std::uint32_t kAllocSlab = 16384;

Bytes alloc_image(bool busy) {
  auto fd = shm::memfd("corpus-alloc").value();
  auto a = shm::Allocator::create(fd.get(), kAllocFile, 3, kAllocSlab, 0).value();
  auto b = shm::Allocator::join(fd.get(), 1).value();
  if (busy) {
    std::vector<void*> live;
    for (std::uint32_t i = 0; i < 40; ++i)
      live.push_back(a.allocate(100 + (i * 331) % 4000));
    for (std::size_t i = 0; i < live.size(); i += 3)
      b.free(live[i]); // remote frees left on the chains
  }
  Bytes img(a.layout().slabs_offset);
  std::memcpy(img.data(), a.base(), img.size());
  return img;
}

void alloc_corpus(const fs::path& root) {
  const fs::path dir = root / "shm" / "corpus" / "shm_alloc_fuzzer";
  // Mode 0: a valid file, then (u16 offset, u8 value) patches over its metadata.
  const std::vector<std::vector<std::pair<std::uint16_t, std::uint8_t>>> patches = {
      {},
      {{64, 0xFF}, {65, 0xFF}},  // global free-list head
      {{16, 0x40}},              // num_slabs
      {{8, 2}},                  // version
      {{128, 0x07}, {132, 0x03}} // worker 0's class-0 list heads
  };
  int i = 0;
  for (const auto& p : patches) {
    Bytes b{0, static_cast<std::uint8_t>(i % 4)};
    for (auto [at, v] : p) {
      append(b, at);
      b.push_back(v);
    }
    put(dir, "patch-" + std::to_string(i++), b);
  }
  // Mode 1: raw images (metadata part of a valid file; the slabs read as zeros).
  for (bool busy : {false, true}) {
    Bytes b{1, 0};
    const Bytes img = alloc_image(busy);
    b.insert(b.end(), img.begin(), img.end());
    put(dir, busy ? "image-busy" : "image-fresh", b);
    b[1] = 2; // joined as another id
    put(dir, busy ? "image-busy-id2" : "image-fresh-id2", b);
  }
  // Mode 2: operation streams (op byte: handle in the high nibble, op % 8 below).
  std::mt19937_64 rng(7);
  for (int s = 0; s < 16; ++s) {
    Bytes b{2};
    const bool hostile = s >= 12;
    for (int k = 0; k < 40 + s * 6; ++k) {
      const std::uint8_t h = static_cast<std::uint8_t>(rng() % 3) << 4;
      const std::uint64_t pick = rng() % 100;
      if (pick < 35) { // allocate
        b.push_back(h | 0);
        append(b, static_cast<std::uint16_t>(rng() % (s % 2 ? 4200 : 600)));
      } else if (pick < 60) { // free (often by another handle: remote)
        b.push_back(h | 1);
        b.push_back(static_cast<std::uint8_t>(rng()));
      } else if (pick < 70) {
        b.push_back(h | 2); // clean remote frees
      } else if (pick < 74) {
        b.push_back(h | 3); // usage
      } else if (pick < 80) { // check_region
        b.push_back(h | 4);
        append(b, static_cast<std::uint32_t>(rng() % (kAllocFile + 4096)));
        append(b, static_cast<std::uint16_t>(rng() % 5000));
      } else if (pick < 96 || !hostile) { // hand a slot over again: check_reuse
        b.push_back(h | 7);
        b.push_back(static_cast<std::uint8_t>(rng()));
        b.push_back(static_cast<std::uint8_t>(rng()));
      } else if (pick < 98) { // scribble
        b.push_back(h | 5);
        append(b, static_cast<std::uint16_t>(rng()));
        b.push_back(static_cast<std::uint8_t>(rng()));
      } else { // free an arbitrary pointer
        b.push_back(h | 6);
        append(b, static_cast<std::uint32_t>(rng() % kAllocFile));
      }
    }
    put(dir, "ops-" + std::to_string(s), b);
  }
}

// ---- queue ---------------------------------------------------------------------------

struct QItem { // as queue_fuzzer.cpp
  std::uint64_t a;
  std::uint32_t b;
  std::uint32_t c;
};

void queue_corpus(const fs::path& root) {
  const fs::path dir = root / "shm" / "corpus" / "shm_queue_fuzzer";
  for (std::size_t cap : {std::size_t{1}, std::size_t{8}, std::size_t{64}}) {
    for (std::size_t fill : {std::size_t{0}, cap / 2 + 1, cap}) {
      auto fd = shm::memfd("corpus-queue").value();
      const std::size_t size = shm::queue_minimum_file_size<QItem>(cap);
      auto p = shm::Producer<QItem>::create(fd.get(), size).value();
      for (std::size_t k = 0; k < fill; ++k)
        (void)p.try_write(QItem{k, 1, 2});
      p.commit();
      Bytes b{0};
      b.resize(1 + size);
      if (::pread(fd.get(), b.data() + 1, size, 0) != static_cast<ssize_t>(size)) continue;
      put(dir, "image-cap" + std::to_string(cap) + "-fill" + std::to_string(fill), b);
    }
  }
  std::mt19937_64 rng(11);
  for (int s = 0; s < 12; ++s) {
    Bytes b{1};
    for (int k = 0; k < 30 + 8 * s; ++k) {
      std::uint8_t op = static_cast<std::uint8_t>(rng() % (s < 8 ? 6 : 8)); // 6, 7: hostile
      op |= static_cast<std::uint8_t>((rng() % 32) << 3);
      b.push_back(op);
    }
    put(dir, "ops-" + std::to_string(s), b);
  }
}

// ---- worker --------------------------------------------------------------------------

constexpr std::size_t kSlots = 8;           // as worker_fuzzer.cpp
constexpr std::size_t kSlotBytes = 2048;
constexpr std::size_t kArrayEntries = 64;

/// Message, then the 64-entry batch array (offsets < 8 name the fuzzer's slots), then the
/// slots' contents, 2048 bytes each.
Bytes worker_input(std::uint16_t flags, std::uint8_t num, const std::vector<Bytes>& txs,
                   std::uint64_t max_slot = 5) {
  abi::PackToWorkerMessage m{};
  m.flags = flags;
  m.max_execution_slot = max_slot;
  m.batch.num_transactions = num;
  m.batch.transactions_offset = 0;
  Bytes b;
  append(b, m);
  for (std::size_t i = 0; i < kArrayEntries; ++i) {
    abi::SharableTransactionRegion r{};
    r.offset = i < txs.size() ? i % kSlots : 0;
    r.length = i < txs.size() ? static_cast<std::uint32_t>(txs[i].size()) : 0;
    append(b, r);
  }
  for (std::size_t i = 0; i < txs.size() && i < kSlots; ++i) {
    Bytes slot = txs[i];
    slot.resize(kSlotBytes, 0);
    b.insert(b.end(), slot.begin(), slot.end());
  }
  return b;
}

void worker_corpus(const fs::path& root, const Txs& t) {
  const fs::path dir = root / "sim" / "corpus" / "sim_worker_fuzzer";
  const std::uint16_t resolve = abi::pack_message_flags::RESOLVE;
  put(dir, "exec-vote", worker_input(0, 1, {t.votes.at(0)}));
  put(dir, "exec-mix", worker_input(0, 3, {t.votes.at(1), t.legacy.at(0), t.v0.at(0)}));
  put(dir, "exec-legacy-4", worker_input(0, 4, {t.legacy.at(1), t.legacy.at(2), t.legacy.at(3),
                                                t.legacy.at(4)}));
  put(dir, "exec-expired-slot", worker_input(0, 1, {t.legacy.at(0)}, 0));
  put(dir, "resolve-v0-2", worker_input(resolve, 2, {t.v0.at(1), t.v0.at(2)}));
  put(dir, "resolve-legacy", worker_input(resolve, 1, {t.legacy.at(5)}));
  put(dir, "exec-empty-batch", worker_input(0, 0, {}));
  put(dir, "exec-count-65", worker_input(0, 65, {t.votes.at(2)}));
  put(dir, "bad-flags", worker_input(0xFFFF, 1, {t.votes.at(3)}));
  Bytes garbage_tx(300, 0xEE);
  put(dir, "exec-garbage-tx", worker_input(0, 1, {garbage_tx}));
  Bytes long_region = worker_input(0, 1, {t.votes.at(4)});
  // First array entry: length beyond the slot (and beyond PACKET_DATA_SIZE).
  const std::uint32_t big = 4000;
  std::memcpy(long_region.data() + sizeof(abi::PackToWorkerMessage) + 8, &big, sizeof big);
  put(dir, "exec-region-too-long", long_region);
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <repo>/fuzz\n", argv[0]);
    return 2;
  }
  const fs::path root = argv[1];
  const Txs t = generated(8);
  txn_corpus(root, t);
  alloc_corpus(root);
  queue_corpus(root);
  worker_corpus(root, t);
  std::printf("%zu files, %llu bytes\n", g_files, static_cast<unsigned long long>(g_bytes));
  return 0;
}
