// PluginRegistry: the loaded plugins by name, for the application controller: load a file or
// a directory, find a plugin, make a server of one of its behaviors for a supervisor to start,
// unload. Loading a plugin registers its rpc functions in services::FunctionRegistry under
// Module:Function/Arity (so erpc/rex callers reach them); unloading removes them.
//
// Loading a file again (same path, same plugin name) replaces the loaded plugin: new servers
// run the new code, servers already running keep the old code until they end (each holds
// its Plugin). A plugin name loaded from another path is refused, as is an rpc function that
// something else registered.
//
// PluginCatalog is the part processes need (host->spawn): plugins by name, shared by every
// plugin process so that it outlives the registry if it must.
//
// Threads: load/load_dir/unload from one thread at a time, not a worker (they read files);
// find/make_server/spawn from any thread. The registry sets the host runtime (send_any) to
// the runtime given; one registry per daemon.
#pragma once

#include <ergod/ergod.h>

#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "behaviors/gen_server.h"
#include "plugin/app_context.h"
#include "plugin/plugin_loader.h"
#include "term/result.h"

namespace ergod::services {
class FunctionRegistry;
}

namespace ergod::plugin {

class PluginCatalog : public std::enable_shared_from_this<PluginCatalog> {
 public:
  std::shared_ptr<const Plugin> find(std::string_view name) const;
  // Errors: unknown plugin "x" / plugin "x" has no behavior "y".
  Result<std::unique_ptr<behaviors::GenServer>> make_server(std::string_view plugin, std::string_view behavior,
                                                            std::shared_ptr<const AppContext> app);
  // host->spawn from parent: a new server process, init running after this returns.
  ergod_status spawn(runtime::Process& parent, const char* plugin, const char* behavior, term::Term args,
                     uint32_t flags, const char* name, std::shared_ptr<const AppContext> app, term::Term& pid,
                     term::Term& monitor);

 private:
  friend class PluginRegistry;
  mutable std::shared_mutex mu_;
  std::map<std::string, std::shared_ptr<const Plugin>, std::less<>> plugins_;
};

struct LoadDirResult {
  std::vector<std::shared_ptr<const Plugin>> loaded;
  std::vector<std::string> errors;  // one per file that did not load (or the directory's)
};

class PluginRegistry {
 public:
  // functions: where rpc functions go (null: none are registered). rt: send_any's runtime.
  PluginRegistry(runtime::Runtime& rt, services::FunctionRegistry* functions);
  ~PluginRegistry();  // unloads every plugin (processes still running keep theirs)
  PluginRegistry(const PluginRegistry&) = delete;
  PluginRegistry& operator=(const PluginRegistry&) = delete;

  Result<std::shared_ptr<const Plugin>> load(const std::string& path);
  // Every *.so file of dir, in name order; a file that fails does not stop the others.
  LoadDirResult load_dir(const std::string& dir);
  // Forgets the plugin and removes its rpc functions; false when it is not loaded.
  bool unload(std::string_view name);

  std::shared_ptr<const Plugin> find(std::string_view name) const { return catalog_->find(name); }
  std::vector<std::string> names() const;
  Result<std::unique_ptr<behaviors::GenServer>> make_server(std::string_view plugin, std::string_view behavior,
                                                            std::shared_ptr<const AppContext> app) {
    return catalog_->make_server(plugin, behavior, std::move(app));
  }
  const std::shared_ptr<PluginCatalog>& catalog() const noexcept { return catalog_; }

 private:
  using Mfa = std::tuple<term::Atom, term::Atom, unsigned>;
  std::string check_functions(const Plugin& p) const;
  void register_functions(const std::shared_ptr<const Plugin>& p);
  void remove_functions(const std::string& name);

  runtime::Runtime& rt_;
  services::FunctionRegistry* functions_;
  std::shared_ptr<PluginCatalog> catalog_;
  std::map<std::string, std::vector<Mfa>, std::less<>> registered_;  // plugin name -> its rpc functions
};

}  // namespace ergod::plugin
