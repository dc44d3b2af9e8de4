// The daemon's configuration (config/ergod.yaml): the Config struct, mirroring the YAML
// sections, and load_config, which reads, validates and reports every error it finds with
// file:line:column. It does not act on the values: starting the node is node.cpp's job.
// Thread safety: load_config has no shared state; call it from any thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "base/log.h"
#include "cli/file_error.h"

namespace ergod::cli {

enum class EpmdMode {
  embedded,   // ergod runs its own EPMD server on epmd.port
  external,   // register with an EPMD already running (e.g. the one erl starts)
  automatic,  // "auto": use a running EPMD if there is one, else embed one
};

struct NodeConfig {
  std::string name;         // "name@host"
  bool long_name = false;   // host part has a dot (erl -name) rather than not (erl -sname)
  std::string cookie;       // the cookie itself, read from cookie_file when that was given
  std::string cookie_file;  // resolved path, empty when the cookie was inline
};

struct ListenConfig {
  std::string address = "0.0.0.0";
  std::uint16_t port_min = 0;  // [0, 0]: any port the kernel picks
  std::uint16_t port_max = 0;
};

struct EpmdConfig {
  std::uint16_t port = 4369;
  EpmdMode mode = EpmdMode::automatic;
};

struct LimitsConfig {
  std::uint64_t max_message_size = 64ull * 1024 * 1024;
  std::uint64_t max_atoms = 1048576;
};

struct Config {
  std::filesystem::path source;  // the file it was loaded from
  NodeConfig node;
  ListenConfig listen;
  EpmdConfig epmd;
  std::uint32_t net_ticktime = 60;  // seconds
  unsigned schedulers = 0;          // worker threads; 0 = one per core
  LimitsConfig limits;
  LogLevel log_level = LogLevel::info;
  // Relative paths in the file are taken relative to the config file's directory, so that
  // a config means the same whatever the daemon's working directory is.
  std::filesystem::path plugins_dir;
  std::filesystem::path manifests_dir;
  // control.socket, the unix socket of `ergod ctl`; empty: the default chosen at start-up
  // (default_control_socket in control.h).
  std::filesystem::path control_socket;

  // schedulers with 0 replaced by the number of cores.
  unsigned effective_schedulers() const;
};

std::string_view to_string(EpmdMode mode);

// An error in the config file (file:line:column: message).
using ConfigError = FileError;

struct LoadResult {
  Config config;                    // meaningful only when ok()
  std::vector<ConfigError> errors;  // in file order as far as the checks allow
  bool ok() const { return errors.empty(); }
  // config.plugins_dir and manifests_dir are what the file says (or the defaults), even when
  // other settings have errors: `ergod check` can still check the manifests.
  bool dirs_known = false;
};

// Reads and validates the file at path. Never throws for a bad file: every problem found,
// not only the first, is in errors.
LoadResult load_config(const std::filesystem::path& path);

// The same for a document already in memory; `file` names it in errors and its directory
// anchors relative paths.
LoadResult load_config_text(const std::string& text, const std::filesystem::path& file);

}  // namespace ergod::cli
