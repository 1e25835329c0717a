// Typed, range-checked reads of dotted keys from a TOML document with command-line
// overrides on top; private to the ops library (the pack and sim loaders use it).
//
// Every read records its key as known, so after the last read finish() can report the
// keys nobody asked for (typos) in the file and among the overrides. Problems are
// collected, never thrown: a config check shows all of them at once. Each message starts
// with the dotted key and ends with where the value came from ("(pack.toml:12)" or
// "(from --capacity)").
#pragma once

#include <cstdint>
#include <deque>
#include <filesystem>
#include <initializer_list>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "extpack/ops/config_overrides.hpp"
#include "extpack/ops/config_types.hpp"
#include "extpack/txn/cost_model.hpp"

namespace extpack::ops::detail {

class ConfigReader {
public:
  /// `source_name` names the file in messages; `root` and `overrides` must outlive this.
  ConfigReader(const toml::table& root, std::string source_name, const ConfigOverrides& overrides);

  void read_uint(std::string_view key, std::uint64_t& out, std::uint64_t lo, std::uint64_t hi);
  void read_uint(std::string_view key, std::uint32_t& out, std::uint32_t lo, std::uint32_t hi);
  void read_real(std::string_view key, double& out, double lo, double hi);
  void read_bool(std::string_view key, bool& out);
  void read_string(std::string_view key, std::string& out);
  void read_choice(std::string_view key, std::string& out,
                   std::initializer_list<std::string_view> choices);
  /// A table of scalar parameters whose names the reader does not know (policy.params);
  /// overrides "KEY.NAME=VALUE" add or replace entries.
  void read_params(std::string_view key, ParamMap& out);

  /// Whether the file or an override gives `key`.
  [[nodiscard]] bool given(std::string_view key) const;
  /// Records a problem with `key` that the loader found (cross-field rules); `what` reads
  /// after "KEY: ", and the value's origin is appended.
  void fail(std::string_view key, std::string_view what);

  /// Adds an error for every key in the file or the overrides that no read asked for, and
  /// returns all errors in the order found.
  std::vector<std::string> finish();

private:
  struct Value {
    const toml::node* node = nullptr; ///< parsed value (file or override)
    const ConfigOverrides::Entry* override = nullptr;
    bool unparsable = false; ///< an override whose text is no TOML value
  };
  Value lookup(std::string_view key);
  [[nodiscard]] std::string origin(std::string_view key) const;
  void type_error(std::string_view key, std::string_view expected, const Value& v);
  void walk_unknown(const toml::table& table, const std::string& prefix);
  [[nodiscard]] bool under_params(std::string_view key) const;
  [[nodiscard]] std::string known_siblings(std::string_view key) const;

  const toml::table& root_;
  std::string source_;
  const ConfigOverrides& overrides_;
  std::deque<toml::table> parsed_overrides_; ///< keeps override values alive
  std::set<std::string, std::less<>> known_;
  std::vector<std::string> params_prefixes_; ///< "policy.params."
  std::vector<std::string> errors_;
};

// ---- documents ---------------------------------------------------------------------

/// Parses `text` into `out`; a syntax error is recorded as "SOURCE:LINE:COL: what".
bool parse_document(std::string_view text, std::string_view source, toml::table& out,
                    std::vector<std::string>& errors);
/// Reads `file` whole into `out`; the error names the path and the reason.
bool read_document(const std::filesystem::path& file, std::string& out,
                   std::vector<std::string>& errors);

// ---- sections both processes have ---------------------------------------------------

/// [log] level.
void read_log_section(ConfigReader& r, std::string& level);
/// [metrics] listen: "off" or an IPv4 listen address.
void read_metrics_section(ConfigReader& r, std::string& listen);
/// Block limits under `section` ("limits" or "bank"), with the cross-limit rules.
void read_block_limits(ConfigReader& r, std::string_view section, txn::BlockLimits& limits);

/// session.workers: 1..session::MAX_WORKERS.
void read_worker_count(ConfigReader& r, std::uint32_t& workers);
/// session.allocator_mib: even (2 MiB slabs), 8..4094 (at least four slabs, below 4 GiB).
void read_allocator_mib(ConfigReader& r, std::uint64_t& mib);
/// A queue capacity `key`, in messages: a power of two in 1..2^24.
void read_queue_capacity(ConfigReader& r, std::string_view key, std::uint64_t& capacity);
/// The session shape both processes read (pack asks for it at logon, the simulator creates
/// it): session.workers, session.allocator_mib and the four queue capacities, under the
/// rules session::SessionConfig::validate() applies.
template <typename Section> void read_session_shape(ConfigReader& r, Section& s) {
  read_worker_count(r, s.workers);
  read_allocator_mib(r, s.allocator_mib);
  read_queue_capacity(r, "session.tpu_to_pack_capacity", s.tpu_to_pack_capacity);
  read_queue_capacity(r, "session.progress_tracker_capacity", s.progress_tracker_capacity);
  read_queue_capacity(r, "session.pack_to_worker_capacity", s.pack_to_worker_capacity);
  read_queue_capacity(r, "session.worker_to_pack_capacity", s.worker_to_pack_capacity);
}

} // namespace extpack::ops::detail
