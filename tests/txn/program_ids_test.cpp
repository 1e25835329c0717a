// The compile-time base58 ids: their bytes, their text, and the classifiers built on them.
#include <gtest/gtest.h>

#include "extpack/common/encoding.hpp"
#include "extpack/txn/account_locks.hpp"
#include "extpack/txn/program_ids.hpp"
#include "tx_builder.hpp"

namespace extpack::txn {
namespace {

TEST(ProgramIds, ComputeBudgetBytesMatchTheSpec) {
  const Pubkey expected = {0x03, 0x06, 0x46, 0x6f, 0xe5, 0x21, 0x17, 0x32, 0xff, 0xec, 0xad,
                           0xba, 0x72, 0xc3, 0x9b, 0xe7, 0xbc, 0x8c, 0xe5, 0xbb, 0xc5, 0xf7,
                           0x12, 0x6b, 0x2c, 0x43, 0x9b, 0x3a, 0x40, 0x00, 0x00, 0x00};
  EXPECT_EQ(COMPUTE_BUDGET_PROGRAM_ID, expected);
}

TEST(ProgramIds, CompileTimeDecodingAgreesWithTheRuntimeCodec) {
  const std::pair<Pubkey, const char*> ids[] = {
      {SYSTEM_PROGRAM_ID, "11111111111111111111111111111111"},
      {VOTE_PROGRAM_ID, "Vote111111111111111111111111111111111111111"},
      {BPF_LOADER_UPGRADEABLE_ID, "BPFLoaderUpgradeab1e11111111111111111111111"},
      {SYSVAR_RECENT_BLOCKHASHES_ID, "SysvarRecentB1ockHashes11111111111111111111"},
      {SYSVAR_INSTRUCTIONS_ID, "Sysvar1nstructions1111111111111111111111111"},
      {ZK_ELGAMAL_PROOF_PROGRAM_ID, "ZkE1Gama1Proof11111111111111111111111111111"},
  };
  for (const auto& [key, text] : ids) {
    EXPECT_EQ(base58_encode(key), text);
    const auto decoded = base58_decode(text);
    ASSERT_TRUE(decoded.has_value());
    EXPECT_TRUE(std::equal(key.begin(), key.end(), decoded->begin(), decoded->end())) << text;
  }
}

TEST(ProgramIds, Classification) {
  EXPECT_EQ(classify_program(SYSTEM_PROGRAM_ID), ProgramKind::System);
  EXPECT_EQ(classify_program(VOTE_PROGRAM_ID), ProgramKind::Vote);
  EXPECT_EQ(classify_program(COMPUTE_BUDGET_PROGRAM_ID), ProgramKind::ComputeBudget);
  EXPECT_EQ(classify_program(ED25519_PROGRAM_ID), ProgramKind::Ed25519);
  EXPECT_EQ(classify_program(SECP256K1_PROGRAM_ID), ProgramKind::Secp256k1);
  EXPECT_EQ(classify_program(SECP256R1_PROGRAM_ID), ProgramKind::Secp256r1);
  EXPECT_EQ(classify_program(LOADER_V4_ID), ProgramKind::LoaderV4);
  EXPECT_EQ(classify_program(STAKE_PROGRAM_ID), ProgramKind::Other); // migrated to core BPF
  EXPECT_EQ(classify_program(test::make_key(1)), ProgramKind::Other);
  Pubkey near = VOTE_PROGRAM_ID;
  near[5] ^= 1; // passes the two-byte filter, but is not the vote program
  EXPECT_EQ(classify_program(near), ProgramKind::Other);
}

TEST(ProgramIds, ReservedAccountKeys) {
  for (const Pubkey& k : {SYSTEM_PROGRAM_ID,
                          VOTE_PROGRAM_ID,
                          STAKE_PROGRAM_ID,
                          STAKE_CONFIG_ID,
                          CONFIG_PROGRAM_ID,
                          COMPUTE_BUDGET_PROGRAM_ID,
                          ADDRESS_LOOKUP_TABLE_PROGRAM_ID,
                          BPF_LOADER_DEPRECATED_ID,
                          BPF_LOADER_ID,
                          BPF_LOADER_UPGRADEABLE_ID,
                          LOADER_V4_ID,
                          NATIVE_LOADER_ID,
                          FEATURE_PROGRAM_ID,
                          ED25519_PROGRAM_ID,
                          SECP256K1_PROGRAM_ID,
                          SECP256R1_PROGRAM_ID,
                          ZK_TOKEN_PROOF_PROGRAM_ID,
                          ZK_ELGAMAL_PROOF_PROGRAM_ID,
                          SYSVAR_OWNER_ID,
                          SYSVAR_CLOCK_ID,
                          SYSVAR_EPOCH_REWARDS_ID,
                          SYSVAR_EPOCH_SCHEDULE_ID,
                          SYSVAR_FEES_ID,
                          SYSVAR_INSTRUCTIONS_ID,
                          SYSVAR_LAST_RESTART_SLOT_ID,
                          SYSVAR_RECENT_BLOCKHASHES_ID,
                          SYSVAR_RENT_ID,
                          SYSVAR_REWARDS_ID,
                          SYSVAR_SLOT_HASHES_ID,
                          SYSVAR_SLOT_HISTORY_ID,
                          SYSVAR_STAKE_HISTORY_ID}) {
    EXPECT_TRUE(is_reserved_account_key(k)) << base58_encode(k);
  }
  // Not reserved: the incinerator and the SPL Token program (ordinary writable-able keys).
  for (const char* text : {"1nc1nerator11111111111111111111111111111111",
                           "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA"}) {
    const auto bytes = base58_decode(text);
    ASSERT_TRUE(bytes.has_value() && bytes->size() == 32);
    Pubkey k{};
    std::copy(bytes->begin(), bytes->end(), k.begin());
    EXPECT_FALSE(is_reserved_account_key(k)) << text;
  }
  EXPECT_FALSE(is_reserved_account_key(test::make_key(3)));
}

} // namespace
} // namespace extpack::txn
