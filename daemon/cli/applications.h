// Applications: the daemon's applications as the config describes them. It loads the plugins
// of plugins.dir and the manifests of manifests.dir, turns each manifest into an
// ApplicationSpec (its supervision tree built from plugin behaviors) for the application
// controller, starts them in dependency order, and reloads on SIGHUP:
//   new manifests start, removed ones stop, changed ones restart, and applications whose
//   plugin file changed restart on the new code. An invalid manifest set or a plugin that
//   fails to load leaves the running applications untouched; every error is logged.
// It also answers the control channel's application commands (app_control.h).
//
// Not here: manifest parsing (manifest.h), plugin loading (plugin/), the controller's OTP
// semantics (behaviors/application.h).
// Threads: one operation at a time (an internal mutex), from non-worker threads: the main
// thread (boot, SIGHUP) and the control thread (ctl).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "behaviors/application.h"
#include "behaviors/supervisor.h"
#include "cli/manifest.h"
#include "plugin/plugin_registry.h"
#include "services/functions.h"

namespace ergod::cli {

struct ApplicationsOptions {
  std::filesystem::path plugins_dir;
  std::filesystem::path manifests_dir;
};

class Applications {
 public:
  // stop_node: called (on a worker) when a permanent application stops, or a transient one
  // abnormally, or when a permanent application fails to start at boot.
  Applications(runtime::Runtime& rt, services::FunctionRegistry& functions, ApplicationsOptions options,
               behaviors::ApplicationController::StopNode stop_node);
  // Stops every application (reverse start order), then unloads the plugins.
  ~Applications();

  struct BootResult {
    std::vector<std::string> errors;  // each also logged
    bool fatal = false;               // a permanent application did not start
  };
  // Loads every plugin and manifest, then starts every application.
  BootResult boot();
  // SIGHUP: see the top of this file. Returns the errors (each also logged).
  std::vector<std::string> reload();

  // For ctl: one line per application: "NAME VERSION STATE START_TYPE [TOP_PID]", in
  // manifest order.
  std::string list() const;
  Status start(const std::string& name);
  Status stop(const std::string& name);
  Status restart(const std::string& name);
  // Stops every application in reverse start order (the node's shutdown).
  void stop_all();

  // For tests and ctl: what runs now, in start order.
  std::vector<std::string> running() const;

 private:
  struct Known {
    ApplicationManifest manifest;
    uint64_t content_hash = 0;          // of the manifest file's bytes
    std::set<std::string> plugins;      // the plugins its tree uses
  };

  std::vector<std::string> load_plugins(std::set<std::string>* changed);
  std::vector<FileError> check_plugins(const ApplicationManifest& m) const;
  behaviors::ApplicationSpec make_spec(const ApplicationManifest& m) const;
  behaviors::SupervisorSpec make_supervisor_spec(const SupervisorManifest& s, const std::string& app,
                                                 std::shared_ptr<const plugin::AppContext> ctx) const;
  Status load_app(const ApplicationManifest& m);  // into the controller (not started)

  runtime::Runtime& rt_;
  services::FunctionRegistry& functions_;
  ApplicationsOptions options_;
  plugin::PluginRegistry plugins_;
  behaviors::ApplicationController controller_;
  mutable std::mutex mu_;
  std::vector<Known> known_;  // in dependency order
};

}  // namespace ergod::cli
