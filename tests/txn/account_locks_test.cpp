// collect_account_locks(): writability after demotion, lookups, duplicates and limits, on
// crafted and real transactions.
#include <gtest/gtest.h>

#include "extpack/common/encoding.hpp"
#include "extpack/txn/account_locks.hpp"
#include "extpack/txn/program_ids.hpp"
#include "testutil.hpp"
#include "tx_builder.hpp"

namespace extpack::txn {
namespace {

using test::make_key;
using test::TxBuilder;

struct Locked {
  LockError error;
  std::vector<AccountLock> locks;
};

Locked lock(TxBuilder& b, std::vector<Pubkey> w = {}, std::vector<Pubkey> r = {}) {
  const auto bytes = b.build();
  TransactionView v;
  EXPECT_EQ(TransactionView::parse(bytes, v), ParseError::Ok);
  AccountLocks out;
  Locked l{collect_account_locks(v, w, r, out), {}};
  l.locks.assign(out.view().begin(), out.view().end());
  return l;
}

std::vector<bool> writable(const Locked& l) {
  std::vector<bool> w;
  for (const AccountLock& a : l.locks)
    w.push_back(a.writable);
  return w;
}

TEST(AccountLocks, HeaderWritability) {
  TxBuilder b = TxBuilder::with_keys(3, {make_key(900)});
  b.num_required = 2;
  b.num_readonly_signed = 1;
  b.num_readonly_unsigned = 2; // key 3 and the program
  b.add_ix(4, {0, 1, 2, 3}, {});
  const Locked l = lock(b);
  ASSERT_EQ(l.error, LockError::Ok);
  ASSERT_EQ(l.locks.size(), 5u);
  EXPECT_EQ(writable(l), (std::vector<bool>{true, false, true, false, false}));
  for (std::size_t i = 0; i < 5; ++i)
    EXPECT_EQ(l.locks[i].key, b.keys[i]);
}

TEST(AccountLocks, InvokedProgramIsDemoted) {
  // The program id is writable by the header (no readonly unsigned keys) but invoked.
  TxBuilder b = TxBuilder::with_keys(1, {});
  b.keys.push_back(make_key(900));
  b.add_ix(2, {0, 1}, {});
  EXPECT_EQ(writable(lock(b)), (std::vector<bool>{true, true, false}));
}

TEST(AccountLocks, UpgradeableLoaderKeepsProgramWritable) {
  // Agave's demote_program_id: not demoted while the upgradeable loader is among the keys.
  TxBuilder b = TxBuilder::with_keys(1, {BPF_LOADER_UPGRADEABLE_ID});
  b.keys.insert(b.keys.begin() + 2, make_key(900)); // writable program key at index 2
  b.add_ix(2, {0, 1}, {});
  EXPECT_EQ(writable(lock(b)), (std::vector<bool>{true, true, true, false}));
  // ... also when the loader comes from a lookup table.
  TxBuilder v = TxBuilder::with_keys(1, {});
  v.keys.push_back(make_key(900));
  v.v0 = true;
  v.lookups.push_back({make_key(60), {}, {0}});
  v.add_ix(2, {0, 1}, {});
  EXPECT_EQ(writable(lock(v, {}, {BPF_LOADER_UPGRADEABLE_ID})),
            (std::vector<bool>{true, true, true, false}));
  EXPECT_EQ(writable(lock(v, {}, {make_key(61)})), (std::vector<bool>{true, true, false, false}));
}

TEST(AccountLocks, ReservedKeysAreDemoted) {
  TxBuilder b = TxBuilder::with_keys(1, {make_key(900)});
  b.keys.insert(b.keys.begin() + 2, SYSVAR_CLOCK_ID); // writable by header
  b.keys.insert(b.keys.begin() + 3, SYSTEM_PROGRAM_ID);
  b.add_ix(4, {0, 1, 2, 3}, {});
  EXPECT_EQ(writable(lock(b)), (std::vector<bool>{true, true, false, false, false}));
}

TEST(AccountLocks, LoadedKeysFollowTheirList) {
  TxBuilder b = TxBuilder::with_keys(1, {make_key(900)});
  b.v0 = true;
  b.lookups.push_back({make_key(60), {0, 1}, {2}});
  b.add_ix(2, {0, 3, 4, 5}, {});
  const Pubkey w1 = make_key(70), w2 = SYSVAR_RENT_ID, r1 = make_key(72);
  const Locked l = lock(b, {w1, w2}, {r1});
  ASSERT_EQ(l.error, LockError::Ok);
  EXPECT_EQ(writable(l), (std::vector<bool>{true, true, false, true, false, false}));
  EXPECT_EQ(l.locks[3].key, w1);
  EXPECT_EQ(l.locks[4].key, w2); // a reserved key loaded writable is still demoted
  EXPECT_EQ(l.locks[5].key, r1);
}

TEST(AccountLocks, Duplicates) {
  TxBuilder b = TxBuilder::with_keys(1, {make_key(900)});
  b.keys[1] = b.keys[0];
  EXPECT_EQ(lock(b).error, LockError::AccountLoadedTwice);
  TxBuilder v = TxBuilder::with_keys(1, {make_key(900)});
  v.v0 = true;
  v.lookups.push_back({make_key(60), {0}, {1}});
  EXPECT_EQ(lock(v, {make_key(70)}, {make_key(71)}).error, LockError::Ok);
  EXPECT_EQ(lock(v, {v.keys[1]}, {make_key(71)}).error, LockError::AccountLoadedTwice);
  EXPECT_EQ(lock(v, {make_key(70)}, {make_key(70)}).error, LockError::AccountLoadedTwice);
}

TEST(AccountLocks, LoadedCountsMustMatchTheLookups) {
  TxBuilder v = TxBuilder::with_keys(1, {make_key(900)});
  v.v0 = true;
  v.lookups.push_back({make_key(60), {0}, {1}});
  EXPECT_EQ(lock(v, {make_key(70)}, {}).error, LockError::LoadedCountMismatch);
  EXPECT_EQ(lock(v, {}, {make_key(70)}).error, LockError::LoadedCountMismatch);
  TxBuilder legacy = TxBuilder::with_keys(1, {make_key(900)});
  EXPECT_EQ(lock(legacy, {make_key(70)}, {}).error, LockError::LoadedCountMismatch);
}

TEST(AccountLocks, LockLimit) {
  TxBuilder v = TxBuilder::with_keys(1, {make_key(900)}); // 3 static keys
  v.v0 = true;
  std::vector<std::uint8_t> idx(61);
  std::vector<Pubkey> keys;
  for (std::size_t i = 0; i < idx.size(); ++i) {
    idx[i] = static_cast<std::uint8_t>(i);
    keys.push_back(make_key(1000 + static_cast<std::uint32_t>(i)));
  }
  v.lookups.push_back({make_key(60), idx, {}});
  const Locked ok = lock(v, keys);
  ASSERT_EQ(ok.error, LockError::Ok);
  EXPECT_EQ(ok.locks.size(), MAX_TX_ACCOUNT_LOCKS);
  v.lookups.push_back({make_key(61), {}, {0}});
  EXPECT_EQ(lock(v, keys, {make_key(2000)}).error, LockError::TooManyAccountLocks);
}

// Real transactions: a vote from the block and the v0 swap at line 3179 (3 lookup tables).
TEST(AccountLocks, RealVote) {
  const auto txs = extpack::test::load_base64_lines(extpack::test::shared_data_dir() /
                                                    "mainnet-transactions.txt");
  ASSERT_EQ(txs.size(), 3211u);
  TransactionView v;
  ASSERT_EQ(TransactionView::parse(txs[3187 - 1], v), ParseError::Ok); // sample_vote.bin
  ASSERT_TRUE(is_reserved_account_key(VOTE_PROGRAM_ID));
  AccountLocks out;
  ASSERT_EQ(collect_account_locks(v, {}, {}, out), LockError::Ok);
  std::size_t writable = 0;
  for (const AccountLock& l : out.view()) {
    if (l.writable) {
      ++writable;
      EXPECT_FALSE(is_reserved_account_key(l.key));
    }
    if (l.key == VOTE_PROGRAM_ID || l.key == SYSVAR_CLOCK_ID || l.key == SYSVAR_SLOT_HASHES_ID) {
      EXPECT_FALSE(l.writable) << base58_encode(l.key);
    }
  }
  EXPECT_EQ(writable, 2u); // the vote authority (fee payer) and the vote account
  EXPECT_TRUE(out.view()[0].writable);
}

TEST(AccountLocks, RealV0WithLookups) {
  const auto txs = extpack::test::load_base64_lines(extpack::test::shared_data_dir() /
                                                    "mainnet-transactions.txt");
  TransactionView v;
  ASSERT_EQ(TransactionView::parse(txs[3179 - 1], v), ParseError::Ok);
  ASSERT_EQ(v.num_lookups(), 3u);
  // Stand-ins for the keys a RESOLVE would return (the tables' contents are not in the data).
  std::vector<Pubkey> w, r;
  for (std::size_t i = 0; i < v.num_loaded_writable(); ++i)
    w.push_back(make_key(5000 + i));
  for (std::size_t i = 0; i < v.num_loaded_readonly(); ++i)
    r.push_back(make_key(6000 + i));
  AccountLocks out;
  ASSERT_EQ(collect_account_locks(v, w, r, out), LockError::Ok);
  ASSERT_EQ(out.count, v.num_total_keys());
  std::size_t writable = 0;
  for (std::size_t i = 0; i < out.count; ++i) {
    const AccountLock& l = out.view()[i];
    writable += l.writable ? 1 : 0;
    if (i >= v.num_static_keys()) {
      EXPECT_EQ(l.writable, i < v.num_static_keys() + v.num_loaded_writable());
    } else if (!v.is_static_writable_requested(i)) {
      EXPECT_FALSE(l.writable);
    }
  }
  // Demotion only removes locks: at most what the cost model charges for.
  EXPECT_LE(writable, v.num_requested_write_locks());
  EXPECT_GE(writable, 1u + v.num_loaded_writable());
}

TEST(AccountLocks, ErrorNames) {
  EXPECT_STRNE(to_string(LockError::TooManyAccountLocks), to_string(LockError::AccountLoadedTwice));
  EXPECT_STRNE(to_string(LockError::LoadedCountMismatch), to_string(LockError::Ok));
}

} // namespace
} // namespace extpack::txn
