// sanitize(): one crafted transaction per rule, each breaking exactly that rule.
#include <gtest/gtest.h>

#include "extpack/txn/sanitize.hpp"
#include "tx_builder.hpp"

namespace extpack::txn {
namespace {

using test::TxBuilder;

/// Valid: fee payer, two writable accounts, one readonly program invoked with all three.
TxBuilder valid() {
  TxBuilder b = TxBuilder::with_keys(2, {test::make_key(900)});
  b.add_ix(3, {0, 1, 2}, {1, 2, 3});
  return b;
}

/// Valid v0: the above plus one lookup with two writable and one readonly index.
TxBuilder valid_v0() {
  TxBuilder b = valid();
  b.v0 = true;
  b.lookups.push_back({test::make_key(60), {0, 1}, {2}});
  return b;
}

SanitizeError check(TxBuilder b) {
  const auto bytes = b.build();
  TransactionView v;
  EXPECT_EQ(TransactionView::parse(bytes, v), ParseError::Ok);
  return sanitize(v);
}

TEST(Sanitize, ValidTransactionsPass) {
  EXPECT_EQ(check(valid()), SanitizeError::Ok);
  EXPECT_EQ(check(valid_v0()), SanitizeError::Ok);
  TxBuilder b = valid_v0();
  b.ixs[0].accounts = {0, 4, 5}; // loaded indexes (static 4 + loaded 3 = 7 keys)
  EXPECT_EQ(check(b), SanitizeError::Ok);
}

TEST(Sanitize, NoSignatures) {
  TxBuilder b = valid();
  b.num_required = 0;
  EXPECT_EQ(check(b), SanitizeError::NoSignatures);
}

TEST(Sanitize, SignatureCountMismatch) {
  TxBuilder b = valid();
  b.num_signatures = 2; // header says 1
  EXPECT_EQ(check(b), SanitizeError::SignatureCountMismatch);
  b = valid();
  b.num_required = 2; // header says 2, one signature written
  b.num_signatures = 1;
  EXPECT_EQ(check(b), SanitizeError::SignatureCountMismatch);
}

TEST(Sanitize, FeePayerMustBeWritableSigner) {
  TxBuilder b = valid();
  b.num_readonly_signed = 1; // the only signer is readonly
  EXPECT_EQ(check(b), SanitizeError::FeePayerNotWritableSigner);
}

TEST(Sanitize, ReadonlyCountsInBounds) {
  TxBuilder b = valid();
  b.num_readonly_unsigned = 4; // 1 required + 4 > 4 static keys
  EXPECT_EQ(check(b), SanitizeError::ReadonlyCountsOutOfRange);
  b.num_readonly_unsigned = 3; // exactly fits
  EXPECT_EQ(check(b), SanitizeError::Ok);
}

TEST(Sanitize, ProgramIdIsNotTheFeePayer) {
  TxBuilder b = valid();
  b.ixs[0].program = 0;
  EXPECT_EQ(check(b), SanitizeError::ProgramIdOutOfRange);
}

TEST(Sanitize, ProgramIdIsAStaticKey) {
  TxBuilder b = valid();
  b.ixs[0].program = 4; // one past the static keys
  EXPECT_EQ(check(b), SanitizeError::ProgramIdOutOfRange);
  b = valid_v0();
  b.ixs[0].program = 4; // a loaded key: program ids cannot come from lookup tables
  EXPECT_EQ(check(b), SanitizeError::ProgramIdOutOfRange);
}

TEST(Sanitize, AccountIndexInRange) {
  TxBuilder b = valid();
  b.ixs[0].accounts = {0, 4};
  EXPECT_EQ(check(b), SanitizeError::AccountIndexOutOfRange);
  b = valid_v0();
  b.ixs[0].accounts = {6}; // last loaded key
  EXPECT_EQ(check(b), SanitizeError::Ok);
  b.ixs[0].accounts = {7};
  EXPECT_EQ(check(b), SanitizeError::AccountIndexOutOfRange);
}

TEST(Sanitize, LookupMustLoadSomething) {
  TxBuilder b = valid_v0();
  b.lookups.push_back({test::make_key(61), {}, {}});
  EXPECT_EQ(check(b), SanitizeError::LookupWithNoIndexes);
}

TEST(Sanitize, DuplicateStaticKey) {
  TxBuilder b = valid();
  b.keys[2] = b.keys[1];
  EXPECT_EQ(check(b), SanitizeError::DuplicateStaticKey);
  // Also past the pairwise threshold, where the hash table finds it.
  b = TxBuilder::with_keys(20, {test::make_key(900)});
  b.add_ix(21, {0}, {});
  EXPECT_EQ(check(b), SanitizeError::Ok);
  b.keys[17] = b.keys[3];
  EXPECT_EQ(check(b), SanitizeError::DuplicateStaticKey);
}

TEST(Sanitize, AccountLockLimit) {
  // 4 static + 60 loaded = 64 keys: the limit itself is fine; one more is not.
  TxBuilder b = valid();
  b.v0 = true;
  std::vector<std::uint8_t> idx(30);
  for (std::size_t i = 0; i < idx.size(); ++i)
    idx[i] = static_cast<std::uint8_t>(i);
  b.lookups.push_back({test::make_key(60), idx, idx});
  EXPECT_EQ(check(b), SanitizeError::Ok);
  b.lookups.push_back({test::make_key(61), {}, {0}});
  EXPECT_EQ(check(b), SanitizeError::TooManyAccountLocks);
}

TEST(Sanitize, AddressSpaceLimit) {
  // 4 static + 253 loaded = 257 keys cannot be addressed by one-byte indexes.
  TxBuilder b = valid();
  b.v0 = true;
  std::vector<std::uint8_t> idx(253);
  for (std::size_t i = 0; i < idx.size(); ++i)
    idx[i] = static_cast<std::uint8_t>(i);
  b.lookups.push_back({test::make_key(60), idx, {}});
  EXPECT_EQ(check(b), SanitizeError::TooManyKeys);
  b.lookups[0].writable.pop_back(); // 256: addressable, but over the lock limit
  EXPECT_EQ(check(b), SanitizeError::TooManyAccountLocks);
}

TEST(Sanitize, ErrorNamesAreDistinct) {
  for (int a = 0; a <= static_cast<int>(SanitizeError::TooManyKeys); ++a) {
    for (int c = a + 1; c <= static_cast<int>(SanitizeError::TooManyKeys); ++c) {
      EXPECT_STRNE(to_string(static_cast<SanitizeError>(a)),
                   to_string(static_cast<SanitizeError>(c)));
    }
  }
}

} // namespace
} // namespace extpack::txn
