// Every struct that crosses the shared-memory boundary, printed and checked at run time
// against the numbers in protocol-3.1.md (§2 messages, §3.1 queue header, §4.2 allocator).
// The headers static_assert the same numbers; this test makes them visible in the log and
// keeps a second, independent copy of the spec's table.
#include <cstddef>
#include <cstdio>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "extpack/abi/messages.hpp"
#include "extpack/shm/allocator.hpp"
#include "extpack/shm/queue.hpp"

namespace extpack {
namespace {

struct FieldSpec {
  const char* name;
  std::size_t actual;
  std::size_t spec;
};

struct StructSpec {
  const char* name;
  std::size_t size;
  std::size_t spec_size;
  std::size_t align;
  std::size_t spec_align;
  std::vector<FieldSpec> fields;
};

#define FIELD(T, f, off)                                                                           \
  FieldSpec {                                                                                      \
#f, offsetof(T, f), off                                                                        \
  }
#define STRUCT(T, size, align, ...)                                                                \
  StructSpec {                                                                                     \
#T, sizeof(T), size, alignof(T), align, {                                                      \
      __VA_ARGS__                                                                                  \
    }                                                                                              \
  }

std::vector<StructSpec> message_specs() {
  using namespace abi;
  return {
      STRUCT(SharableTransactionRegion, 16, 8, FIELD(SharableTransactionRegion, offset, 0),
             FIELD(SharableTransactionRegion, length, 8)),
      STRUCT(SharablePubkeys, 16, 8, FIELD(SharablePubkeys, offset, 0),
             FIELD(SharablePubkeys, num_pubkeys, 8)),
      STRUCT(SharableTransactionBatchRegion, 16, 8,
             FIELD(SharableTransactionBatchRegion, num_transactions, 0),
             FIELD(SharableTransactionBatchRegion, transactions_offset, 8)),
      STRUCT(TransactionResponseRegion, 16, 8, FIELD(TransactionResponseRegion, tag, 0),
             FIELD(TransactionResponseRegion, num_transaction_responses, 1),
             FIELD(TransactionResponseRegion, transaction_responses_offset, 8)),
      STRUCT(TpuToPackMessage, 40, 8, FIELD(TpuToPackMessage, transaction, 0),
             FIELD(TpuToPackMessage, transaction.offset, 0),
             FIELD(TpuToPackMessage, transaction.length, 8), FIELD(TpuToPackMessage, flags, 16),
             FIELD(TpuToPackMessage, src_addr, 17)),
      STRUCT(ProgressMessage, 48, 8, FIELD(ProgressMessage, leader_state, 0),
             FIELD(ProgressMessage, current_slot, 8), FIELD(ProgressMessage, next_leader_slot, 16),
             FIELD(ProgressMessage, leader_range_end, 24),
             FIELD(ProgressMessage, remaining_cost_units, 32),
             FIELD(ProgressMessage, current_slot_progress, 40)),
      STRUCT(PackToWorkerMessage, 32, 8, FIELD(PackToWorkerMessage, flags, 0),
             FIELD(PackToWorkerMessage, max_execution_slot, 8),
             FIELD(PackToWorkerMessage, batch, 16),
             FIELD(PackToWorkerMessage, batch.num_transactions, 16),
             FIELD(PackToWorkerMessage, batch.transactions_offset, 24)),
      STRUCT(WorkerToPackMessage, 40, 8, FIELD(WorkerToPackMessage, batch, 0),
             FIELD(WorkerToPackMessage, batch.num_transactions, 0),
             FIELD(WorkerToPackMessage, batch.transactions_offset, 8),
             FIELD(WorkerToPackMessage, processed, 16), FIELD(WorkerToPackMessage, responses, 24),
             FIELD(WorkerToPackMessage, responses.tag, 24),
             FIELD(WorkerToPackMessage, responses.num_transaction_responses, 25),
             FIELD(WorkerToPackMessage, responses.transaction_responses_offset, 32)),
      STRUCT(ExecutionResponse, 24, 8, FIELD(ExecutionResponse, not_included_reason, 0),
             FIELD(ExecutionResponse, cost_units, 8),
             FIELD(ExecutionResponse, fee_payer_balance, 16)),
      STRUCT(Resolved, 40, 8, FIELD(Resolved, success, 0), FIELD(Resolved, slot, 8),
             FIELD(Resolved, min_alt_deactivation_slot, 16), FIELD(Resolved, resolved_pubkeys, 24),
             FIELD(Resolved, resolved_pubkeys.offset, 24),
             FIELD(Resolved, resolved_pubkeys.num_pubkeys, 32)),
  };
}

std::vector<StructSpec> shm_specs() {
  using namespace shm;
  return {
      STRUCT(QueueHeader, 192, 64, FIELD(QueueHeader, write, 0), FIELD(QueueHeader, read, 64),
             FIELD(QueueHeader, buffer_size, 128)),
      STRUCT(AllocHeader, 128, 64, FIELD(AllocHeader, magic, 0), FIELD(AllocHeader, version, 8),
             FIELD(AllocHeader, num_workers, 12), FIELD(AllocHeader, num_slabs, 16),
             FIELD(AllocHeader, slab_size, 20), FIELD(AllocHeader, free_list_elements_offset, 24),
             FIELD(AllocHeader, slab_shared_meta_offset, 28),
             FIELD(AllocHeader, slab_free_stacks_offset, 32), FIELD(AllocHeader, slabs_offset, 36),
             FIELD(AllocHeader, global_free_list_head, 64)),
      STRUCT(
          AllocWorkerHeads, 64, 64, FIELD(AllocWorkerHeads, heads[0].partial, 0),
          FIELD(AllocWorkerHeads, heads[0].full, 4), FIELD(AllocWorkerHeads, heads[1].partial, 8),
          FIELD(AllocWorkerHeads, heads[2].full, 20), FIELD(AllocWorkerHeads, heads[4].partial, 32),
          FIELD(AllocWorkerHeads, heads[4].full, 36)),
      STRUCT(AllocListNode, 12, 4, FIELD(AllocListNode, global_next, 0),
             FIELD(AllocListNode, worker_local_prev, 4),
             FIELD(AllocListNode, worker_local_next, 8)),
      STRUCT(AllocSlabMeta, 128, 64, FIELD(AllocSlabMeta, assigned_worker, 0),
             FIELD(AllocSlabMeta, size_class_index, 8),
             FIELD(AllocSlabMeta, remote_free_stack_head, 64)),
  };
}

void check(const std::vector<StructSpec>& specs) {
  for (const StructSpec& s : specs) {
    std::printf("%-32s size %3zu (spec %3zu)  align %2zu (spec %2zu)\n", s.name, s.size,
                s.spec_size, s.align, s.spec_align);
    EXPECT_EQ(s.size, s.spec_size) << s.name;
    EXPECT_EQ(s.align, s.spec_align) << s.name;
    for (const FieldSpec& f : s.fields) {
      std::printf("    %-40s @%3zu (spec %3zu)\n", f.name, f.actual, f.spec);
      EXPECT_EQ(f.actual, f.spec) << s.name << "." << f.name;
    }
  }
}

TEST(AbiLayout, MessagesMatchTheSpec) {
  check(message_specs());
}

TEST(AbiLayout, SharedMemoryHeadersMatchTheSpec) {
  check(shm_specs());
}

TEST(AbiLayout, ConstantsMatchTheSpec) {
  EXPECT_EQ(abi::MAX_TRANSACTIONS_PER_MESSAGE, 64u);
  EXPECT_EQ(abi::IS_LEADER, 1);
  EXPECT_EQ(abi::PROCESSED, 1);
  EXPECT_EQ(abi::tpu_message_flags::IS_SIMPLE_VOTE, 0x01);
  EXPECT_EQ(abi::tpu_message_flags::FORWARDED, 0x02);
  EXPECT_EQ(abi::tpu_message_flags::FROM_STAKED_NODE, 0x04);
  EXPECT_EQ(abi::pack_message_flags::RESOLVE, 0x0002);
  EXPECT_EQ(shm::ALLOC_MAGIC, 0x0072'7473'616c'6f63ull);
  const unsigned char* b = reinterpret_cast<const unsigned char*>(&shm::ALLOC_MAGIC);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(b), 7), "colastr"); // LE bytes
  EXPECT_EQ(shm::ALLOC_VERSION, 1u);
  EXPECT_EQ(shm::AGAVE_SLAB_SIZE, 2u * 1024 * 1024);
  EXPECT_EQ(shm::queue_buffer_offset<abi::TpuToPackMessage>(), 192u);
  EXPECT_EQ(shm::queue_buffer_offset<abi::ProgressMessage>(), 192u);
  EXPECT_EQ(shm::queue_buffer_offset<abi::PackToWorkerMessage>(), 192u);
  EXPECT_EQ(shm::queue_buffer_offset<abi::WorkerToPackMessage>(), 192u);
  // Inner arrays of a full batch fit in one 4096-byte allocation (§2.11).
  EXPECT_LE(64 * sizeof(abi::ExecutionResponse), shm::ALLOC_MAX_SIZE);
  EXPECT_LE(64 * sizeof(abi::Resolved), shm::ALLOC_MAX_SIZE);
  EXPECT_LE(64 * sizeof(abi::SharableTransactionRegion), shm::ALLOC_MAX_SIZE);
}

} // namespace
} // namespace extpack
