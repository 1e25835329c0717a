// TransactionView::parse on crafted edge cases and on every truncation of real transactions.
#include <vector>

#include <gtest/gtest.h>

#include "extpack/txn/sanitize.hpp"
#include "extpack/txn/view.hpp"
#include "testutil.hpp"
#include "tx_builder.hpp"

namespace extpack::txn {
namespace {

using test::TxBuilder;

/// Fee payer, one writable account, one readonly program; one instruction with `data_len` bytes.
TxBuilder basic(std::size_t data_len = 4) {
  TxBuilder b = TxBuilder::with_keys(1, {test::make_key(900)});
  b.add_ix(2, {0, 1}, std::vector<std::uint8_t>(data_len, 0xAB));
  return b;
}

ParseError parse(const std::vector<std::uint8_t>& bytes) {
  TransactionView v;
  return TransactionView::parse(bytes, v);
}

TEST(View, ParsesCraftedLegacyTransaction) {
  TxBuilder b = basic(5);
  const auto bytes = b.build();
  TransactionView v;
  ASSERT_EQ(TransactionView::parse(bytes, v), ParseError::Ok);
  EXPECT_EQ(v.version(), Version::Legacy);
  EXPECT_EQ(v.num_signatures(), 1u);
  EXPECT_EQ(v.num_required_signatures(), 1);
  EXPECT_EQ(v.num_readonly_unsigned(), 1);
  ASSERT_EQ(v.num_static_keys(), 3u);
  EXPECT_EQ(v.fee_payer(), b.keys[0]);
  EXPECT_EQ(v.static_key(2), b.keys[2]);
  EXPECT_EQ(v.recent_blockhash(), b.blockhash);
  ASSERT_EQ(v.num_instructions(), 1u);
  const InstructionView ix = v.instruction(0);
  EXPECT_EQ(ix.program_index, 2);
  EXPECT_EQ(std::vector<std::uint8_t>(ix.accounts.begin(), ix.accounts.end()),
            (std::vector<std::uint8_t>{0, 1}));
  EXPECT_EQ(ix.data.size(), 5u);
  EXPECT_EQ(v.instruction_data_bytes(), 5u);
  EXPECT_EQ(v.program_id(0), b.keys[2]);
  EXPECT_EQ(v.num_lookups(), 0u);
  EXPECT_EQ(v.message().size(), bytes.size() - 65);
  EXPECT_TRUE(v.is_static_writable_requested(0));
  EXPECT_TRUE(v.is_static_writable_requested(1));
  EXPECT_FALSE(v.is_static_writable_requested(2));
  EXPECT_FALSE(v.is_static_writable_requested(3)); // no such key
  EXPECT_EQ(v.num_requested_write_locks(), 2u);
}

TEST(View, ParsesCraftedV0TransactionWithLookups) {
  TxBuilder b = basic();
  b.v0 = true;
  b.lookups.push_back({test::make_key(50), {3, 9}, {1}});
  b.lookups.push_back({test::make_key(51), {}, {4, 5, 6}});
  const auto bytes = b.build();
  TransactionView v;
  ASSERT_EQ(TransactionView::parse(bytes, v), ParseError::Ok);
  EXPECT_EQ(v.version(), Version::V0);
  ASSERT_EQ(v.num_lookups(), 2u);
  EXPECT_EQ(v.num_loaded_writable(), 2u);
  EXPECT_EQ(v.num_loaded_readonly(), 4u);
  EXPECT_EQ(v.num_total_keys(), 9u);
  EXPECT_EQ(v.num_requested_write_locks(), 4u);
  const LookupView l0 = v.lookup(0), l1 = v.lookup(1);
  EXPECT_EQ(*l0.table, b.lookups[0].table);
  EXPECT_EQ(std::vector<std::uint8_t>(l0.writable.begin(), l0.writable.end()),
            (std::vector<std::uint8_t>{3, 9}));
  EXPECT_EQ(std::vector<std::uint8_t>(l0.readonly.begin(), l0.readonly.end()),
            (std::vector<std::uint8_t>{1}));
  EXPECT_EQ(*l1.table, b.lookups[1].table);
  EXPECT_TRUE(l1.writable.empty());
  EXPECT_EQ(l1.readonly.size(), 3u);
}

TEST(View, HeaderWritabilityLayout) {
  // 5 keys: 3 signers (last one readonly), 2 unsigned (last one readonly).
  TxBuilder b = TxBuilder::with_keys(4, {});
  b.num_required = 3;
  b.num_readonly_signed = 1;
  b.num_readonly_unsigned = 1;
  const auto bytes = b.build();
  TransactionView v;
  ASSERT_EQ(TransactionView::parse(bytes, v), ParseError::Ok);
  const bool expected[] = {true, true, false, true, false};
  for (std::size_t i = 0; i < 5; ++i)
    EXPECT_EQ(v.is_static_writable_requested(i), expected[i]);
  EXPECT_TRUE(v.is_signer(2));
  EXPECT_FALSE(v.is_signer(3));
  EXPECT_EQ(v.num_requested_write_locks(), 3u);
}

TEST(View, MinimumSizes) {
  // fd_txn.h: a legacy transaction needs at least 134 bytes, a v0 one 136; zero instructions
  // are structurally valid.
  TxBuilder legacy = TxBuilder::with_keys(0, {});
  auto bytes = legacy.build();
  EXPECT_EQ(bytes.size(), 134u);
  EXPECT_EQ(parse(bytes), ParseError::Ok);
  TxBuilder v0 = TxBuilder::with_keys(0, {});
  v0.v0 = true;
  bytes = v0.build();
  EXPECT_EQ(bytes.size(), 136u);
  EXPECT_EQ(parse(bytes), ParseError::Ok);
}

TEST(View, Empty) {
  EXPECT_EQ(parse({}), ParseError::Empty);
}

TEST(View, PacketSizeLimit) {
  TxBuilder b = basic(0);
  const std::size_t base = b.build().size();
  // Instruction data of n >= 128 bytes takes a 2-byte length; aim at exactly 1232 and 1233.
  b = basic(PACKET_DATA_SIZE - base - 1);
  auto bytes = b.build();
  ASSERT_EQ(bytes.size(), PACKET_DATA_SIZE);
  EXPECT_EQ(parse(bytes), ParseError::Ok);
  b = basic(PACKET_DATA_SIZE - base);
  bytes = b.build();
  ASSERT_EQ(bytes.size(), PACKET_DATA_SIZE + 1);
  EXPECT_EQ(parse(bytes), ParseError::TooLarge);
}

TEST(View, NonCanonicalCompactU16) {
  auto bytes = basic().build();
  // Signature count 1 written as 81 00 (two bytes for a one-byte value).
  bytes[0] = 0x81;
  bytes.insert(bytes.begin() + 1, 0x00);
  EXPECT_EQ(parse(bytes), ParseError::NonCanonicalCompactU16);
  // 80 80 00: a zero third byte is just as non-minimal.
  std::vector<std::uint8_t> three = {0x80, 0x80, 0x00};
  three.resize(200, 0);
  EXPECT_EQ(parse(three), ParseError::NonCanonicalCompactU16);
}

TEST(View, CompactU16Overflow) {
  std::vector<std::uint8_t> bytes = {0xFF, 0xFF, 0x04}; // third byte above 0x03
  bytes.resize(300, 0);
  EXPECT_EQ(parse(bytes), ParseError::CompactU16Overflow);
  bytes[2] = 0x83; // third byte with a continuation bit
  EXPECT_EQ(parse(bytes), ParseError::CompactU16Overflow);
  bytes[2] = 0x03; // 0xFFFF is a valid compact-u16, but far too many signatures
  EXPECT_EQ(parse(bytes), ParseError::TooManySignatures);
}

TEST(View, CanonicalMultiByteLengthsParse) {
  // Instruction data of 200 bytes: length C8 01.
  auto bytes = basic(200).build();
  TransactionView v;
  ASSERT_EQ(TransactionView::parse(bytes, v), ParseError::Ok);
  EXPECT_EQ(v.instruction(0).data.size(), 200u);
}

TEST(View, ZeroSignaturesParseButFailSanitize) {
  TxBuilder b = basic();
  b.num_required = 0;
  const auto bytes = b.build();
  TransactionView v;
  ASSERT_EQ(TransactionView::parse(bytes, v), ParseError::Ok);
  EXPECT_EQ(v.num_signatures(), 0u);
  EXPECT_EQ(sanitize(v), SanitizeError::NoSignatures);
}

TEST(View, HeaderSignatureMismatchParsesButFailsSanitize) {
  TxBuilder b = basic();
  b.num_signatures = 2;
  const auto bytes = b.build();
  TransactionView v;
  ASSERT_EQ(TransactionView::parse(bytes, v), ParseError::Ok);
  EXPECT_EQ(sanitize(v), SanitizeError::SignatureCountMismatch);
}

TEST(View, TooManySignatures) {
  TxBuilder b = basic();
  b.num_signatures = MAX_SIGNATURES;
  EXPECT_EQ(parse(b.build()), ParseError::Ok);
  b.num_signatures = MAX_SIGNATURES + 1;
  EXPECT_EQ(parse(b.build()), ParseError::TooManySignatures);
}

TEST(View, VersionPrefixes) {
  TxBuilder b = basic();
  b.v0 = true;
  auto bytes = b.build();
  ASSERT_EQ(bytes[65], 0x80);
  EXPECT_EQ(parse(bytes), ParseError::Ok);
  bytes[65] = 0x81; // SIMD-0385 v1: not accepted
  EXPECT_EQ(parse(bytes), ParseError::UnsupportedVersion);
  bytes[65] = 0xFF;
  EXPECT_EQ(parse(bytes), ParseError::UnsupportedVersion);
}

TEST(View, TrailingByte) {
  auto bytes = basic().build();
  bytes.push_back(0);
  EXPECT_EQ(parse(bytes), ParseError::TrailingBytes);
}

TEST(View, TooManyStaticKeys) {
  // 65 + header, then a static-key count of 257 (81 02): over the one-byte index space.
  auto bytes = basic().build();
  std::vector<std::uint8_t> head(bytes.begin(), bytes.begin() + 68);
  head.push_back(0x81);
  head.push_back(0x02);
  head.resize(1000, 0x11);
  EXPECT_EQ(parse(head), ParseError::TooManyAccounts);
}

TEST(View, InstructionLimit) {
  TxBuilder b = TxBuilder::with_keys(0, {test::make_key(900)});
  for (std::size_t i = 0; i < MAX_INSTRUCTIONS; ++i)
    b.add_ix(1, {}, {});
  EXPECT_EQ(parse(b.build()), ParseError::Ok);
  b.add_ix(1, {}, {});
  EXPECT_EQ(parse(b.build()), ParseError::TooManyInstructions);
}

TEST(View, LookupLimit) {
  TxBuilder b = basic();
  b.v0 = true;
  auto bytes = b.build();
  bytes.back() = 0x80; // lookup count 128 (80 01)
  bytes.push_back(0x01);
  bytes.resize(1000, 0x01);
  EXPECT_EQ(parse(bytes), ParseError::TooManyLookups);
}

TEST(View, LookupIndexesPastTheEndAreTruncated) {
  TxBuilder b = basic();
  b.v0 = true;
  b.lookups.push_back({test::make_key(50), {1, 2, 3}, {}});
  auto bytes = b.build();
  bytes.pop_back(); // readonly count of the last lookup
  EXPECT_EQ(parse(bytes), ParseError::Truncated);
}

// Every strict prefix of a real transaction must fail, without reading past its end (the
// prefix is copied into an exact-size buffer so ASan sees any overread).
TEST(View, EveryTruncationOfRealTransactionsFails) {
  const auto txs = extpack::test::load_base64_lines(extpack::test::shared_data_dir() /
                                                    "mainnet-transactions.txt");
  ASSERT_EQ(txs.size(), 3211u);
  std::size_t checked = 0;
  // A vote, a legacy non-vote, and the 34 modern samples (legacy, v0, v0 with lookup tables).
  std::vector<std::size_t> lines = {1, 2};
  for (std::size_t l = 3178; l <= 3211; ++l)
    lines.push_back(l);
  for (std::size_t line : lines) {
    const auto& full = txs[line - 1];
    ASSERT_EQ(parse(full), ParseError::Ok);
    for (std::size_t len = 0; len < full.size(); ++len) {
      std::vector<std::uint8_t> prefix(full.begin(), full.begin() + static_cast<long>(len));
      const ParseError e = parse(prefix);
      EXPECT_NE(e, ParseError::Ok) << "line " << line << " length " << len;
      if (len > 0) {
        EXPECT_EQ(e, ParseError::Truncated) << "line " << line << " length " << len;
      }
      ++checked;
    }
  }
  EXPECT_GT(checked, 20'000u);
}

TEST(View, ErrorNamesAreDistinct) {
  for (int a = 0; a <= static_cast<int>(ParseError::TooManyAccounts); ++a) {
    for (int b = a + 1; b <= static_cast<int>(ParseError::TooManyAccounts); ++b) {
      EXPECT_STRNE(to_string(static_cast<ParseError>(a)), to_string(static_cast<ParseError>(b)));
    }
  }
}

} // namespace
} // namespace extpack::txn
