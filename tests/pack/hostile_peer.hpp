// HostilePeer: a validator stand-in that writes random and adversarial messages into every
// queue of a session (over memfds, in this process) while a PackRuntime runs on the other
// side. Shared by the many-round hostile test (tests/pack) and the pack fuzz target
// (fuzz/pack), so it uses no test framework: every choice comes from a Choices source (a
// seeded PRNG or the fuzzer's bytes) and every check returns a value.
//
// What it sends, per step, one of:
//   tpu_to_pack       well-formed legacy and v0 transactions, garbage bytes in a proper
//                     allocation, unallocated or misaligned offsets, offsets already handed
//                     over, offsets of worker allocations, unknown flag bits;
//   progress_tracker  plausible progress (leader on and off, slots moving forward) and
//                     random fields (leader states, slots going backwards, progress > 100);
//   worker_to_pack    answers to the batches pack sent: correct ones, wrong counts, tags and
//                     processed values, NOT_PROCESSED, response arrays that are unallocated,
//                     free, pack's own or a transaction's; RESOLVE answers with wrong key
//                     counts, success values and key arrays; the same batch answered twice;
//                     answers to batches never sent; batches never answered;
//   any queue         a torn write position (a consumer must abandon the queue).
// The peer remembers every allocation it made. settle() runs after pack has shut down: it
// frees (as the owner) whatever is still allocated — what pack rightly refused — so that
// the allocator must end empty. A slot pack freed twice would show up as a broken chain
// (corrupt_metadata) or a refused free when the owners clean their remote-free stacks.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "extpack/pack/runtime.hpp"
#include "extpack/session/session.hpp"
#include "extpack/shm/mapping.hpp"
#include "tx_builder.hpp"

namespace extpack::test {

/// Where the peer's choices come from: a seeded PRNG, or bytes (a fuzz input) that run out.
class Choices {
public:
  explicit Choices(std::uint64_t seed) : rng_(seed), from_bytes_(false) {}
  Choices(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}

  /// A value in [0, bound); bound 0 or 1 gives 0. From bytes: 0 once they are used up.
  std::uint64_t next(std::uint64_t bound) {
    if (bound <= 1) return 0;
    std::uint64_t v = 0;
    if (!from_bytes_) {
      v = rng_();
    } else {
      const std::size_t want = bound <= 256 ? 1 : bound <= 65536 ? 2 : 8;
      for (std::size_t i = 0; i < want && pos_ < size_; ++i)
        v = v << 8 | data_[pos_++];
    }
    return v % bound;
  }
  [[nodiscard]] bool exhausted() const { return from_bytes_ && pos_ >= size_; }

private:
  std::mt19937_64 rng_{0};
  bool from_bytes_ = true;
  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t pos_ = 0;
};

class HostilePeer {
public:
  /// Which queue to tear: tpu_to_pack, progress_tracker, or worker_to_pack[w] (2 + w).
  static constexpr std::uint32_t NUM_WORKERS = 2;

  HostilePeer() {
    auto fd = [this] {
      auto f = shm::memfd("/extpack-hostile");
      if (!f) {
        ok_ = false;
        return shm::UniqueFd{};
      }
      return std::move(*f);
    };
    fds.allocator = fd();
    fds.tpu_to_pack = fd();
    fds.progress_tracker = fd();
    for (std::uint32_t i = 0; i < NUM_WORKERS; ++i) {
      fds.pack_to_worker.push_back(fd());
      fds.worker_to_pack.push_back(fd());
    }
    cfg.num_workers = NUM_WORKERS;
    cfg.allocator_size = 16ull * 1024 * 1024;
    cfg.tpu_to_pack_capacity = 256;
    cfg.progress_tracker_capacity = 64;
    cfg.pack_to_worker_capacity = 64;
    cfg.worker_to_pack_capacity = 64;
    if (!ok_ || !session::initialize_regions(fds, cfg)) {
      ok_ = false;
      return;
    }
    auto a = session::AgaveSession::join(fds);
    auto p = session::PackSession::join(fds, 1);
    if (!a || !p) {
      ok_ = false;
      return;
    }
    agave = std::move(*a);
    pack = std::move(*p);
  }

  [[nodiscard]] bool ok() const { return ok_; }

  /// Small settings so that inputs are fast and limits are reached.
  static pack::RuntimeConfig runtime_config() {
    pack::RuntimeConfig c;
    c.sched.capacity = 128;
    c.shutdown_wait = std::chrono::milliseconds(0);
    c.clean_interval = 4;
    c.validator_silence = std::chrono::milliseconds(0); // time plays no part here
    return c;
  }

  /// `steps` hostile actions, each followed by one poll of the runtime.
  void run(Choices& c, pack::PackRuntime& rt, std::size_t steps) {
    for (std::size_t i = 0; i < steps && !c.exhausted(); ++i) {
      step(c);
      rt.poll_once();
      collect();
      if (i % 16 == 0) clean_own();
    }
  }

  /// After pack shut down: answer nothing more, free what pack refused, clean every remote
  /// stack. Returns false if an allocator handle saw a corrupt chain or a refused free.
  bool settle() {
    for (std::uint32_t w = 0; w < NUM_WORKERS; ++w)
      (void)take_batches(w); // stale requests: pack already freed their arrays
    for (auto& [id, offs] : live_) {
      shm::Allocator& a = handle(id);
      a.clean_remote_free_lists();
      for (std::uint64_t off : offs) {
        if (!a.slot_status(off).free) a.free(a.ptr_from_offset(off));
      }
      a.clean_remote_free_lists();
    }
    live_.clear();
    bool clean = true;
    settle_report.clear();
    for (shm::Allocator* a : all_handles()) {
      const shm::AllocatorStats& st = a->stats();
      settle_report += "id " + std::to_string(a->worker_id()) + ": corrupt_metadata " +
                       std::to_string(st.corrupt_metadata) + " rejected_frees " +
                       std::to_string(st.rejected_frees) + "; ";
      clean = clean && st.corrupt_metadata == 0 && st.rejected_frees == 0;
    }
    return clean;
  }

  /// Allocations outstanding for `id` (remote frees not yet cleaned count as free).
  [[nodiscard]] std::uint64_t outstanding(std::uint32_t id) const {
    return agave.tpu_allocator.usage(id).allocations;
  }
  [[nodiscard]] std::uint64_t outstanding_total() const {
    std::uint64_t n = 0;
    for (const auto& u : agave.tpu_allocator.usage_all())
      n += u.allocations;
    return n;
  }
  [[nodiscard]] std::uint32_t pack_id() const { return session::pack_allocator_id(NUM_WORKERS, 0); }

  std::uint64_t torn_queues = 0;
  std::string settle_report; ///< per handle, what settle() found
  std::uint64_t answers_sent = 0;

  session::SessionConfig cfg;
  session::SessionFds fds;
  session::AgaveSession agave;
  session::PackSession pack;

private:
  static constexpr std::uint32_t TPU = 0;
  struct Pending {
    std::uint32_t worker;
    abi::PackToWorkerMessage req;
  };

  shm::Allocator& handle(std::uint32_t id) {
    return id == TPU ? agave.tpu_allocator : agave.workers[id - 1].allocator;
  }
  std::vector<shm::Allocator*> all_handles() {
    std::vector<shm::Allocator*> v{&agave.tpu_allocator, &pack.allocators[0]};
    for (auto& w : agave.workers)
      v.push_back(&w.allocator);
    return v;
  }

  /// Allocates `size` bytes as `id` and remembers it; 0 when the allocator is full.
  std::uint64_t alloc(std::uint32_t id, std::uint32_t size) {
    shm::Allocator& a = handle(id);
    void* p = a.allocate(size);
    if (p == nullptr) {
      a.clean_remote_free_lists();
      p = a.allocate(size);
    }
    if (p == nullptr) return 0;
    const std::uint64_t off = a.offset(p);
    live_[id].insert(off);
    return off;
  }

  void clean_own() {
    for (auto& [id, offs] : live_) {
      shm::Allocator& a = handle(id);
      a.clean_remote_free_lists();
      // Forget what pack freed (now free): keeps the sets small.
      for (auto it = offs.begin(); it != offs.end();) {
        it = a.slot_status(*it).free ? offs.erase(it) : std::next(it);
      }
    }
  }

  template <class T> static bool write(shm::Producer<T>& q, const T& m) {
    q.sync();
    if (!q.try_write(m)) return false;
    q.commit();
    return true;
  }

  // ---- tpu_to_pack --------------------------------------------------------------------
  void tpu(Choices& c) {
    if (torn_[0]) return;
    abi::TpuToPackMessage m{};
    switch (c.next(8)) {
    case 0:
    case 1:
    case 2: { // well formed, a few payers so that locks conflict
      const bool v0 = c.next(4) == 0;
      TxSpec s{.payer = static_cast<std::uint32_t>(c.next(16)),
               .cu_limit = static_cast<std::uint32_t>(1'000 + c.next(200'000)),
               .cu_price = c.next(1000),
               .salt = ++salt_};
      if (v0) {
        s.lookup_writable = static_cast<std::uint8_t>(c.next(3));
        s.lookup_readonly = static_cast<std::uint8_t>(1 + c.next(2));
      }
      send_bytes(build_tx(s), 0);
      return;
    }
    case 3: { // garbage in a real allocation
      std::vector<std::uint8_t> b(c.next(1300));
      for (auto& x : b)
        x = static_cast<std::uint8_t>(c.next(256));
      send_bytes(b, static_cast<std::uint8_t>(c.next(3) == 0 ? c.next(256) : 0));
      return;
    }
    case 4: // anywhere in the file
      m.transaction.offset = c.next(cfg.allocator_size + 8192);
      m.transaction.offset &= c.next(2) ? ~std::uint64_t{255} : ~std::uint64_t{0};
      m.transaction.length = static_cast<std::uint32_t>(c.next(2000));
      break;
    case 5: // something already handed over
      if (sent_tx_.empty()) return;
      m.transaction = sent_tx_[c.next(sent_tx_.size())];
      break;
    case 6: { // a worker's allocation
      const std::uint64_t off = alloc(1 + static_cast<std::uint32_t>(c.next(NUM_WORKERS)), 200);
      if (off == 0) return;
      m.transaction.offset = off;
      m.transaction.length = 200;
      break;
    }
    default: // pack's own memory, at or next to a batch array
      if (last_batch_offset_ == 0) return;
      m.transaction.offset = last_batch_offset_ + shm::ALLOC_MIN_SIZE * c.next(3);
      m.transaction.length = 64;
      break;
    }
    m.flags = static_cast<std::uint8_t>(c.next(4) == 0 ? c.next(256) : 0);
    if (free_foreign_slot(m.transaction)) return;
    (void)write(agave.tpu_to_pack, m);
  }

  /// A transaction region naming a free slot of a slab pack does not own, that pack did
  /// not free itself (its last free was the owner's). Pack finds a slot it freed and that
  /// is still free (Allocator::check_reuse), so those are sent; the others are a documented
  /// gap (allocator_inspect.cpp: rts-alloc keeps no per-slot state) and are not sent.
  bool free_foreign_slot(const abi::SharableTransactionRegion& r) {
    const shm::Allocator& a = agave.tpu_allocator;
    if (!a.check_region(r.offset, std::max<std::uint64_t>(r.length, 1))) return false;
    return a.slot_status(r.offset).owner != pack_id() && a.slot_status(r.offset).free &&
           !pack.allocators[0].ledger_has(r.offset);
  }

  void send_bytes(const std::vector<std::uint8_t>& b, std::uint8_t flags) {
    const std::uint64_t off =
        alloc(TPU, static_cast<std::uint32_t>(std::max<std::size_t>(b.size(), 1)));
    if (off == 0) return;
    if (!b.empty()) std::memcpy(agave.tpu_allocator.ptr_from_offset(off), b.data(), b.size());
    abi::TpuToPackMessage m{};
    m.transaction = {off, static_cast<std::uint32_t>(b.size()), 0};
    m.flags = flags;
    if (!write(agave.tpu_to_pack, m)) return; // full: still ours, freed by settle()
    if (sent_tx_.size() < 256) sent_tx_.push_back(m.transaction);
  }

  // ---- progress_tracker ---------------------------------------------------------------
  void progress(Choices& c) {
    if (torn_[1]) return;
    abi::ProgressMessage m{};
    if (c.next(4) != 0) {
      slot_ += c.next(3);
      const bool leader = c.next(2) == 0;
      m.leader_state = leader ? abi::IS_LEADER : abi::IS_NOT_LEADER;
      m.current_slot = slot_;
      m.next_leader_slot = leader ? UINT64_MAX : slot_ + 1 + c.next(8);
      m.leader_range_end = leader ? UINT64_MAX : m.next_leader_slot + c.next(4);
      m.remaining_cost_units = c.next(2) ? 48'000'000 : c.next(2'000'000);
      m.current_slot_progress = static_cast<std::uint8_t>(c.next(101));
    } else {
      m.leader_state = static_cast<std::uint8_t>(c.next(4));
      m.current_slot =
          c.next(2) ? slot_ - std::min<std::uint64_t>(slot_, c.next(4)) : c.next(1u << 20);
      m.next_leader_slot = c.next(2) ? UINT64_MAX : c.next(1u << 20);
      m.leader_range_end = c.next(2) ? UINT64_MAX : c.next(1u << 20);
      m.remaining_cost_units = c.next(UINT64_MAX);
      m.current_slot_progress = static_cast<std::uint8_t>(c.next(256));
    }
    (void)write(agave.progress_tracker, m);
  }

  // ---- worker_to_pack -----------------------------------------------------------------
  std::vector<abi::PackToWorkerMessage> take_batches(std::uint32_t w) {
    std::vector<abi::PackToWorkerMessage> v;
    auto& q = agave.workers[w].pack_to_worker;
    q.sync();
    if (q.corrupt()) return v;
    while (const auto* m = q.try_read())
      v.push_back(*m);
    q.finalize();
    return v;
  }

  void collect() {
    for (std::uint32_t w = 0; w < NUM_WORKERS; ++w) {
      for (const auto& m : take_batches(w)) {
        pending_.push_back({w, m});
        last_batch_offset_ = m.batch.transactions_offset;
      }
    }
  }

  /// Reads the batch array pack sent (pack is trusted here: it is what the test checks).
  std::vector<abi::SharableTransactionRegion> regions(const abi::PackToWorkerMessage& m) {
    std::vector<abi::SharableTransactionRegion> v(
        std::min<std::uint32_t>(m.batch.num_transactions, 64));
    std::memcpy(v.data(), agave.tpu_allocator.ptr_from_offset(m.batch.transactions_offset),
                v.size() * sizeof(abi::SharableTransactionRegion));
    return v;
  }

  /// Loaded-key count of the v0 transaction at `r` (0 if it does not parse).
  std::uint32_t loaded_keys(const abi::SharableTransactionRegion& r) {
    // A stale request's array may have been freed and reused: check before reading.
    if (r.length == 0 || !agave.tpu_allocator.check_region(r.offset, r.length)) return 0;
    txn::TransactionView view;
    std::span<const std::uint8_t> b(agave.tpu_allocator.ptr_from_offset(r.offset), r.length);
    if (txn::TransactionView::parse(b, view) != txn::ParseError::Ok) return 0;
    return static_cast<std::uint32_t>(view.num_loaded_writable() + view.num_loaded_readonly());
  }

  /// A response-array offset: usually a fresh array of `bytes`, else something hostile.
  std::uint64_t response_array(Choices& c, std::uint32_t w, std::uint32_t bytes,
                               const abi::PackToWorkerMessage& req) {
    switch (c.next(12)) {
    case 0:
      return c.next(cfg.allocator_size + 4096) & ~std::uint64_t{255};
    case 1:
      return req.batch.transactions_offset; // pack's own batch array
    case 2:
      return sent_tx_.empty() ? 0 : sent_tx_[c.next(sent_tx_.size())].offset;
    case 3: { // freed by the worker before sending
      const std::uint64_t off = alloc(1 + w, bytes);
      if (off != 0) {
        handle(1 + w).free(handle(1 + w).ptr_from_offset(off));
        live_[1 + w].erase(off);
      }
      return off;
    }
    case 4:
      return last_response_; // possibly already freed by pack
    default:
      return last_response_ = alloc(1 + w, bytes);
    }
  }

  void answer(Choices& c) {
    if (pending_.empty()) return;
    const std::size_t i = c.next(pending_.size());
    const Pending p = pending_[i];
    if (c.next(8) != 0) {
      pending_[i] = pending_.back();
      pending_.pop_back();
    } // else: the same batch will be answered again later
    if (torn_[2 + p.worker]) return;
    const std::uint32_t n = p.req.batch.num_transactions;
    const bool resolve = (p.req.flags & abi::pack_message_flags::RESOLVE) != 0;
    abi::WorkerToPackMessage m{};
    m.batch = p.req.batch;
    m.processed = abi::PROCESSED;
    switch (c.next(16)) {
    case 0:
      m.batch.num_transactions = static_cast<std::uint32_t>(c.next(70));
      break;
    case 1:
      m.processed = static_cast<std::uint8_t>(2 + c.next(254));
      break;
    case 2:
      m.processed = abi::NOT_PROCESSED;
      break;
    case 3:
      m.batch.transactions_offset = c.next(cfg.allocator_size); // never sent
      break;
    default:
      break;
    }
    m.responses.tag = resolve ? abi::worker_message_types::RESOLVED
                              : abi::worker_message_types::EXECUTION_RESPONSE;
    if (c.next(16) == 0) m.responses.tag = static_cast<std::uint8_t>(c.next(256));
    m.responses.num_transaction_responses =
        static_cast<std::uint8_t>(c.next(16) == 0 ? c.next(256) : n);
    const std::uint32_t count = std::min<std::uint32_t>(n, 64);
    if (m.processed == abi::PROCESSED) {
      if (resolve) {
        fill_resolved(c, p, count);
      } else {
        fill_execution(c, p, count);
      }
      m.responses.transaction_responses_offset = scratch_offset_;
    }
    if (write(agave.workers[p.worker].worker_to_pack, m)) ++answers_sent;
  }

  /// Whether `bytes` may be written at `off`: a live allocation of `id` (a slot pack
  /// already freed holds a remote-free link that must not be overwritten) whose slot holds
  /// them (a reused response array can be smaller than a later batch's responses, and
  /// writing past its slot would corrupt the next one, which pack may have freed).
  bool writable(std::uint32_t id, std::uint64_t off, std::uint64_t bytes) {
    return off != 0 && live_[id].count(off) != 0 && handle(id).check_region(off, bytes) &&
           !handle(id).slot_status(off).free;
  }

  void fill_execution(Choices& c, const Pending& p, std::uint32_t n) {
    const auto bytes = static_cast<std::uint32_t>(n * sizeof(abi::ExecutionResponse));
    scratch_offset_ = response_array(c, p.worker, bytes, p.req);
    if (!writable(1 + p.worker, scratch_offset_, bytes)) return;
    auto* rs = reinterpret_cast<abi::ExecutionResponse*>(
        agave.tpu_allocator.ptr_from_offset(scratch_offset_));
    for (std::uint32_t i = 0; i < n; ++i) {
      rs[i] = abi::ExecutionResponse{};
      const std::uint64_t k = c.next(8);
      rs[i].not_included_reason = static_cast<std::uint8_t>(k < 4    ? 0
                                                            : k == 4 ? c.next(256)
                                                                     : 64 + c.next(38));
      rs[i].cost_units = c.next(300'000);
    }
  }

  void fill_resolved(Choices& c, const Pending& p, std::uint32_t n) {
    const auto bytes = static_cast<std::uint32_t>(n * sizeof(abi::Resolved));
    scratch_offset_ = response_array(c, p.worker, bytes, p.req);
    if (!writable(1 + p.worker, scratch_offset_, bytes)) return;
    auto* rs =
        reinterpret_cast<abi::Resolved*>(agave.tpu_allocator.ptr_from_offset(scratch_offset_));
    const auto txs = regions(p.req);
    std::uint64_t shared = 0;
    for (std::uint32_t i = 0; i < n; ++i) {
      rs[i] = abi::Resolved{};
      rs[i].success = c.next(8) == 0   ? static_cast<std::uint8_t>(c.next(256))
                      : c.next(6) == 0 ? abi::worker_message_types::RESOLVE_FAILURE
                                       : abi::worker_message_types::RESOLVE_SUCCESS;
      rs[i].min_alt_deactivation_slot = c.next(2) ? UINT64_MAX : slot_ + c.next(8);
      std::uint32_t k = i < txs.size() ? loaded_keys(txs[i]) : 0;
      if (c.next(8) == 0) k = static_cast<std::uint32_t>(c.next(200));
      rs[i].resolved_pubkeys.num_pubkeys = k;
      if (k == 0) continue;
      std::uint64_t koff = 0;
      switch (c.next(10)) {
      case 0:
        koff = c.next(cfg.allocator_size) & ~std::uint64_t{255};
        break;
      case 1:
        koff = shared != 0 ? shared : scratch_offset_; // repeated in one response
        break;
      case 2:
        koff = p.req.batch.transactions_offset;
        break;
      default:
        koff =
            alloc(1 + p.worker, static_cast<std::uint32_t>(std::min<std::uint64_t>(k * 32, 4096)));
        if (koff != 0) {
          auto* keys = agave.tpu_allocator.ptr_from_offset(koff);
          for (std::uint32_t j = 0; j < std::min<std::uint32_t>(k, 128); ++j) {
            const txn::Pubkey key = test::key(1000 + static_cast<std::uint32_t>(c.next(64)), 0x33);
            std::memcpy(keys + j * 32, key.data(), 32);
          }
          shared = koff;
        }
      }
      rs[i].resolved_pubkeys.offset = koff;
    }
  }

  void unknown_batch(Choices& c) {
    const auto w = static_cast<std::uint32_t>(c.next(NUM_WORKERS));
    if (torn_[2 + w]) return;
    abi::WorkerToPackMessage m{};
    m.batch.num_transactions = static_cast<std::uint32_t>(1 + c.next(64));
    m.batch.transactions_offset = c.next(cfg.allocator_size) & ~std::uint64_t{255};
    m.processed = abi::PROCESSED;
    m.responses.num_transaction_responses = static_cast<std::uint8_t>(m.batch.num_transactions);
    m.responses.transaction_responses_offset = alloc(1 + w, 64);
    (void)write(agave.workers[w].worker_to_pack, m);
  }

  // ---- torn positions -----------------------------------------------------------------
  void tear(Choices& c) {
    const auto q = static_cast<std::uint32_t>(c.next(2 + NUM_WORKERS));
    if (torn_[q]) return;
    const int fd = q == 0   ? fds.tpu_to_pack.get()
                   : q == 1 ? fds.progress_tracker.get()
                            : fds.worker_to_pack[q - 2].get();
    const std::uint64_t size = q == 0   ? agave.tpu_to_pack.file_size()
                               : q == 1 ? agave.progress_tracker.file_size()
                                        : agave.workers[q - 2].worker_to_pack.file_size();
    auto map = shm::Mapping::map(fd, size);
    if (!map) return;
    auto* h = reinterpret_cast<shm::QueueHeader*>(map->data());
    const std::uint64_t w = h->write.load(std::memory_order_acquire);
    h->write.store(w + 1'000'000 + c.next(1u << 20), std::memory_order_release);
    torn_[q] = true;
    ++torn_queues;
  }

  void step(Choices& c) {
    const std::uint64_t op = c.next(64);
    if (op < 24) {
      tpu(c);
    } else if (op < 34) {
      progress(c);
    } else if (op < 58) {
      answer(c);
    } else if (op < 63) {
      unknown_batch(c);
    } else if (c.next(128) == 0) { // rare: a torn queue is abandoned for good
      tear(c);
    }
  }

  bool ok_ = true;
  bool torn_[2 + NUM_WORKERS] = {};
  std::uint64_t salt_ = 0;
  std::uint64_t slot_ = 100;
  std::uint64_t last_batch_offset_ = 0;
  std::uint64_t last_response_ = 0;
  std::uint64_t scratch_offset_ = 0;
  std::vector<abi::SharableTransactionRegion> sent_tx_;
  std::vector<Pending> pending_;
  std::unordered_map<std::uint32_t, std::unordered_set<std::uint64_t>> live_;
};

} // namespace extpack::test
