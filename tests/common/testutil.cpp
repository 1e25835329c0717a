#include "testutil.hpp"

#include <cstdlib>
#include <fstream>

#include <gtest/gtest.h>

#include "extpack/common/encoding.hpp"

namespace extpack::test {

std::filesystem::path shared_data_dir() {
  if (const char* env = std::getenv("EXTPACK_SHARED_DATA"); env != nullptr && *env != '\0') {
    return env;
  }
  return EXTPACK_SHARED_DATA_DIR;
}

std::vector<std::string> read_lines(const std::filesystem::path& file) {
  std::ifstream in(file);
  EXPECT_TRUE(in.good()) << "cannot open " << file;
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }
  return lines;
}

std::vector<std::vector<std::uint8_t>> load_base64_lines(const std::filesystem::path& file) {
  std::vector<std::vector<std::uint8_t>> out;
  std::size_t n = 0;
  for (const auto& line : read_lines(file)) {
    ++n;
    if (line.empty()) continue;
    auto bytes = base64_decode(line);
    EXPECT_TRUE(bytes.has_value()) << file << ":" << n << " is not base64";
    if (bytes) out.push_back(std::move(*bytes));
  }
  return out;
}

} // namespace extpack::test
