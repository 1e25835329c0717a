// classify_program(): a table walk behind a two-byte filter (see program_ids.hpp).
#include "extpack/txn/program_ids.hpp"

#include <array>

namespace extpack::txn {
namespace {

struct KnownProgram {
  Pubkey id;
  ProgramKind kind;
};

constexpr std::array kKnownPrograms = {
    KnownProgram{SYSTEM_PROGRAM_ID, ProgramKind::System},
    KnownProgram{VOTE_PROGRAM_ID, ProgramKind::Vote},
    KnownProgram{COMPUTE_BUDGET_PROGRAM_ID, ProgramKind::ComputeBudget},
    KnownProgram{BPF_LOADER_UPGRADEABLE_ID, ProgramKind::BpfLoaderUpgradeable},
    KnownProgram{BPF_LOADER_DEPRECATED_ID, ProgramKind::BpfLoaderDeprecated},
    KnownProgram{BPF_LOADER_ID, ProgramKind::BpfLoader},
    KnownProgram{LOADER_V4_ID, ProgramKind::LoaderV4},
    KnownProgram{SECP256K1_PROGRAM_ID, ProgramKind::Secp256k1},
    KnownProgram{ED25519_PROGRAM_ID, ProgramKind::Ed25519},
    KnownProgram{SECP256R1_PROGRAM_ID, ProgramKind::Secp256r1},
};

constexpr bool all_end_in_zero_bytes() {
  for (const KnownProgram& p : kKnownPrograms) {
    if (p.id[30] != 0 || p.id[31] != 0) return false;
  }
  return true;
}
static_assert(all_end_in_zero_bytes(), "may_be_well_known_id() would reject a known program");

} // namespace

ProgramKind classify_program(const Pubkey& key) {
  if (!may_be_well_known_id(key)) return ProgramKind::Other;
  for (const KnownProgram& p : kKnownPrograms) {
    if (p.id == key) return p.kind;
  }
  return ProgramKind::Other;
}

} // namespace extpack::txn
