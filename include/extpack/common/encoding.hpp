// Text encodings Solana tooling uses: base64 (wire transactions in files) and base58
// (pubkeys and signatures for people). base64 uses libsodium; Debian ships no base58
// library for C++, so base58 is the short big-number loop written here.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace extpack {

/// Decodes standard base64 (padding required, no whitespace); nullopt on any error.
std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view text);
std::string base64_encode(std::span<const std::uint8_t> bytes);

std::string base58_encode(std::span<const std::uint8_t> bytes);
/// Decodes base58 (Bitcoin alphabet); nullopt on an invalid character.
std::optional<std::vector<std::uint8_t>> base58_decode(std::string_view text);

} // namespace extpack
