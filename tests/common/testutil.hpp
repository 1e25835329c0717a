// Helpers shared by the tests: where the shared mainnet data is, and loading it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace extpack::test {

/// ../shared/data beside the project, or $EXTPACK_SHARED_DATA when set.
std::filesystem::path shared_data_dir();

/// Decodes a file of base64 transactions, one per line; fails the test on a bad line.
std::vector<std::vector<std::uint8_t>> load_base64_lines(const std::filesystem::path& file);

/// Reads a whole text file into lines (no trailing newline characters).
std::vector<std::string> read_lines(const std::filesystem::path& file);

} // namespace extpack::test
