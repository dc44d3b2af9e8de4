// Application manifests: one YAML file per application in the config's manifests.dir,
// describing the application (name, version, start type, dependencies, env, log level) and
// its supervision tree. load_manifest reads one file; load_manifest_set reads several and
// checks what only the set can tell (duplicate names, unknown dependencies, cycles), and
// orders the applications so that each comes after those it depends on.
// Pure data: nothing is started or loaded here (plugins are only named); the application
// controller builds its specs from these structs. The format, with a commented example, is
// in config/manifests/README.md; values of env and args follow yaml_term.h.
// Thread safety: no shared state; call from any thread (atoms go through the atom table).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/log.h"
#include "cli/file_error.h"
#include "term/term.h"

namespace ergod::cli {

enum class StartType { permanent, transient, temporary };
enum class Strategy { one_for_one, one_for_all, rest_for_one, simple_one_for_one };
enum class RestartType { permanent, transient, temporary };
enum class ChildType { worker, supervisor };

// ChildManifest::shutdown_ms values besides a timeout (the same numbers as the supervisor's).
inline constexpr int64_t kShutdownInfinity = -1;
inline constexpr int64_t kShutdownBrutalKill = -2;

std::string_view to_string(StartType t);
std::string_view to_string(Strategy s);
std::string_view to_string(RestartType r);
std::string_view to_string(ChildType t);

// Where something was written in its manifest (1-based), for errors found later (a plugin
// that does not provide a behavior, ...).
struct SourcePos {
  int line = 0;
  int column = 0;
};

struct ChildManifest;

struct SupervisorManifest {
  Strategy strategy = Strategy::one_for_one;
  uint32_t intensity = 1;  // OTP's defaults
  uint32_t period_s = 5;
  std::string name;        // registered name; empty: not registered
  SourcePos name_pos;      // of the name's value
  // In file order (the start order). simple_one_for_one: exactly one, the template.
  std::vector<ChildManifest> children;
  SourcePos pos;
};

struct ChildManifest {
  std::string id;  // unique among its siblings
  ChildType type = ChildType::worker;
  // A child a plugin provides: the plugin's name and the behavior's name within it. Both
  // empty for an inline supervisor (supervisor has a value).
  std::string plugin;
  std::string behavior;
  term::Term args;  // init's argument; [] when not given (a list for simple_one_for_one)
  RestartType restart = RestartType::permanent;
  // Milliseconds, or kShutdownInfinity / kShutdownBrutalKill. Default as OTP: 5000 for a
  // worker, infinity for a supervisor.
  int64_t shutdown_ms = 5000;
  std::string name;  // registered name; empty: not registered
  SourcePos name_pos;  // of the name's value
  std::optional<SupervisorManifest> supervisor;  // an inline nested supervisor
  SourcePos pos;
};

struct Dependency {
  std::string name;
  SourcePos pos;
};

struct ApplicationManifest {
  std::filesystem::path file;
  std::string name;
  SourcePos pos;  // of the name
  std::string version;
  std::string description;
  StartType start_type = StartType::temporary;  // OTP's default
  std::vector<Dependency> depends_on;           // in file order
  std::optional<LogLevel> log_level;            // this application's own level
  // The application environment: keys are atom names, in file order.
  std::vector<std::pair<std::string, term::Term>> env;
  // The top supervisor; none for an application with nothing to start (as an OTP library
  // application).
  std::optional<SupervisorManifest> supervisor;
};

struct ManifestResult {
  ApplicationManifest manifest;  // meaningful only when ok()
  std::vector<FileError> errors;  // in file order
  bool ok() const { return errors.empty(); }
};

// Reads and validates one manifest. Never throws for a bad file: every problem found is in
// errors, each with file:line:column and what was expected.
ManifestResult load_manifest(const std::filesystem::path& path);
ManifestResult load_manifest_text(const std::string& text, const std::filesystem::path& file);

struct ManifestSet {
  std::filesystem::path dir;
  bool dir_missing = false;  // no directory: no applications, and not an error
  // Every application read, each after those it depends on (otherwise in file order).
  // Meaningful only when ok().
  std::vector<ApplicationManifest> applications;
  std::vector<FileError> errors;  // by file, then in file order
  bool ok() const { return errors.empty(); }
};

// The *.yaml and *.yml files of dir, sorted by name; sets missing when dir does not exist.
std::vector<std::filesystem::path> manifest_files(const std::filesystem::path& dir,
                                                  bool& missing, std::string& error);

// Reads every file and checks the set: two manifests of one name, dependencies on
// applications that no manifest names, dependency cycles.
ManifestSet load_manifest_set(const std::vector<std::filesystem::path>& files);

// Every manifest of dir (manifest_files + load_manifest_set). A missing dir is logged at
// info level.
ManifestSet load_manifests(const std::filesystem::path& dir);

}  // namespace ergod::cli
