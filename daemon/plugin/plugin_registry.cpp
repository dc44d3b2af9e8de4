// See plugin_registry.h.
#include "plugin/plugin_registry.h"

#include <dirent.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>

#include "plugin/host_table.h"
#include "plugin/plugin_server.h"
#include "plugin/proc_context.h"
#include "plugin/term_handle.h"
#include "runtime/runtime.h"
#include "services/functions.h"

namespace ergod::plugin {

using term::Atom;

// ---- PluginCatalog ------------------------------------------------------------------------------

std::shared_ptr<const Plugin> PluginCatalog::find(std::string_view name) const {
  std::shared_lock l(mu_);
  auto it = plugins_.find(name);
  return it == plugins_.end() ? nullptr : it->second;
}

Result<std::unique_ptr<behaviors::GenServer>> PluginCatalog::make_server(std::string_view plugin,
                                                                         std::string_view behavior,
                                                                         std::shared_ptr<const AppContext> app) {
  auto p = find(plugin);
  if (!p) return make_error("unknown plugin \"" + std::string(plugin) + "\"");
  const ergod_behavior* b = p->find_behavior(behavior);
  if (!b) return make_error("plugin \"" + std::string(plugin) + "\" has no behavior \"" + std::string(behavior) + "\"");
  auto* callbacks = static_cast<const ergod_gen_server*>(b->callbacks);
  return std::unique_ptr<behaviors::GenServer>(
      std::make_unique<PluginServer>(std::move(p), callbacks, std::string(behavior), std::move(app), shared_from_this()));
}

ergod_status PluginCatalog::spawn(runtime::Process& parent, const char* plugin, const char* behavior, term::Term args,
                                  uint32_t flags, const char* name, std::shared_ptr<const AppContext> app,
                                  term::Term& pid, term::Term& monitor) {
  runtime::SpawnOptions opts;
  opts.link = flags & ERGOD_SPAWN_LINK;
  opts.monitor = flags & ERGOD_SPAWN_MONITOR;
  if (name) {
    Atom a;
    if (!Atom::try_make(name, a) || a == term::atoms::undefined) return ERGOD_EBADARG;
    if (parent.runtime().whereis(a)) return ERGOD_EEXIST;
    opts.name = a;
  }
  auto server = make_server(plugin, behavior, std::move(app));
  if (!server) return ERGOD_ENOTFOUND;
  auto spawned = behaviors::gen_server::spawn(parent, std::move(server).value(), std::move(args), opts);
  if (!spawned) return opts.name && parent.runtime().whereis(*opts.name) ? ERGOD_EEXIST : ERGOD_ESTATE;
  pid = std::move(spawned->pid);
  monitor = std::move(spawned->monitor);
  return ERGOD_OK;
}

// ---- PluginRegistry -----------------------------------------------------------------------------

PluginRegistry::PluginRegistry(runtime::Runtime& rt, services::FunctionRegistry* functions)
    : rt_(rt), functions_(functions), catalog_(std::make_shared<PluginCatalog>()) {
  set_host_runtime(&rt_);
}

PluginRegistry::~PluginRegistry() {
  for (const auto& name : names()) unload(name);
  if (host_runtime() == &rt_) set_host_runtime(nullptr);
}

std::vector<std::string> PluginRegistry::names() const {
  std::shared_lock l(catalog_->mu_);
  std::vector<std::string> out;
  for (const auto& [name, p] : catalog_->plugins_) out.push_back(name);
  return out;
}

// Each of p's functions must be free, or be p's own from the copy being replaced.
std::string PluginRegistry::check_functions(const Plugin& p) const {
  if (!functions_) return {};
  auto own = registered_.find(p.name);
  for (size_t i = 0; i < p.descriptor->function_count; ++i) {
    const ergod_function& f = p.descriptor->functions[i];
    Mfa mfa{Atom::make(f.module), Atom::make(f.function), f.arity};
    bool mine = own != registered_.end() && std::find(own->second.begin(), own->second.end(), mfa) != own->second.end();
    if (!mine && functions_->find(std::get<0>(mfa), std::get<1>(mfa), f.arity))
      return "plugin " + p.path + ": function " + f.module + ":" + f.function + "/" + std::to_string(f.arity) +
             " is already registered";
  }
  return {};
}

void PluginRegistry::register_functions(const std::shared_ptr<const Plugin>& p) {
  if (!functions_) return;
  auto& mine = registered_[p->name];
  for (size_t i = 0; i < p->descriptor->function_count; ++i) {
    const ergod_function& f = p->descriptor->functions[i];
    Mfa mfa{Atom::make(f.module), Atom::make(f.function), f.arity};
    std::weak_ptr<PluginCatalog> catalog = catalog_;
    // The function holds its plugin: a call running while the plugin is unloaded finishes on
    // the old code.
    functions_->add(std::get<0>(mfa), std::get<1>(mfa), f.arity,
                    [p, fn = f.fn, user_data = f.user_data, catalog](runtime::Process& self,
                                                                      const term::Term& args) -> services::ApplyResult {
                      ergod_proc ctx;
                      ctx.process = &self;
                      ctx.plugin = p.get();
                      ctx.catalog = catalog.lock();
                      ergod_term result = nullptr;
                      ergod_status s = fn(&ctx, user_data, lend(args), &result);
                      term::Term value = take_handle(result);
                      if (ctx.exit_reason) return services::ApplyResult::exit(std::move(ctx.exit_reason));
                      if (s == ERGOD_OK) return services::ApplyResult::ok(value ? value : term::Term::atom(term::atoms::ok));
                      return services::ApplyResult::error(value ? value : term::Term::atom(term::atoms::badarg));
                    });
    mine.push_back(mfa);
  }
}

void PluginRegistry::remove_functions(const std::string& name) {
  auto it = registered_.find(name);
  if (it == registered_.end()) return;
  for (const auto& [m, f, a] : it->second) functions_->remove(m, f, a);
  registered_.erase(it);
}

Result<std::shared_ptr<const Plugin>> PluginRegistry::load(const std::string& path) {
  auto loaded = load_plugin(path);
  if (!loaded) return make_error(loaded.error());
  std::shared_ptr<Plugin> p = std::move(loaded).value();
  if (auto old = find(p->name); old && old->path != path)
    return make_error("plugin " + path + ": a plugin named \"" + p->name + "\" is already loaded from " + old->path);
  if (std::string why = check_functions(*p); !why.empty()) return make_error(why);
  remove_functions(p->name);
  {
    std::unique_lock l(catalog_->mu_);
    catalog_->plugins_[p->name] = p;
  }
  register_functions(p);
  return std::shared_ptr<const Plugin>(p);
}

LoadDirResult PluginRegistry::load_dir(const std::string& dir) {
  LoadDirResult out;
  DIR* d = ::opendir(dir.c_str());
  if (!d) {
    out.errors.push_back("plugin directory " + dir + ": " + std::strerror(errno));
    return out;
  }
  std::vector<std::string> files;
  while (dirent* e = ::readdir(d)) {
    std::string_view n = e->d_name;
    if (n.size() > 3 && n.substr(n.size() - 3) == ".so") files.emplace_back(n);
  }
  ::closedir(d);
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    auto r = load(dir + "/" + f);
    if (r) out.loaded.push_back(std::move(r).value());
    else out.errors.push_back(r.error());
  }
  return out;
}

bool PluginRegistry::unload(std::string_view name) {
  std::shared_ptr<const Plugin> p;
  {
    std::unique_lock l(catalog_->mu_);
    auto it = catalog_->plugins_.find(name);
    if (it == catalog_->plugins_.end()) return false;
    p = std::move(it->second);
    catalog_->plugins_.erase(it);
  }
  remove_functions(p->name);
  return true;  // p goes here, or with the last process still running its code
}

}  // namespace ergod::plugin
