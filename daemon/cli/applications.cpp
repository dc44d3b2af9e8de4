// See applications.h.
#include "cli/applications.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "base/log.h"
#include "cli/application_functions.h"
#include "cli/manifest_checks.h"

namespace ergod::cli {
namespace {

namespace fs = std::filesystem;
using behaviors::ApplicationSpec;
using behaviors::ChildSpec;
using behaviors::GenServer;
using behaviors::InitResult;
using behaviors::SupervisorSpec;
using term::Atom;
using term::Term;

uint64_t fnv1a(const std::string& bytes) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : bytes) h = (h ^ c) * 1099511628211ull;
  return h;
}

uint64_t file_hash(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return fnv1a(ss.str());
}

// A server whose init fails with reason: what a supervisor starts when a child's plugin
// cannot make the behavior any more, so the failure takes the supervisor's usual path.
class FailingServer final : public GenServer {
 public:
  explicit FailingServer(Term reason) : reason_(std::move(reason)) {}
  InitResult init(const Term&) override { return behaviors::Stop{reason_, Term()}; }

 private:
  Term reason_;
};

behaviors::StartType to_behaviors(StartType t) {
  switch (t) {
    case StartType::permanent: return behaviors::StartType::permanent;
    case StartType::transient: return behaviors::StartType::transient;
    case StartType::temporary: return behaviors::StartType::temporary;
  }
  return behaviors::StartType::temporary;
}
behaviors::Strategy to_behaviors(Strategy s) {
  switch (s) {
    case Strategy::one_for_one: return behaviors::Strategy::one_for_one;
    case Strategy::one_for_all: return behaviors::Strategy::one_for_all;
    case Strategy::rest_for_one: return behaviors::Strategy::rest_for_one;
    case Strategy::simple_one_for_one: return behaviors::Strategy::simple_one_for_one;
  }
  return behaviors::Strategy::one_for_one;
}
behaviors::RestartType to_behaviors(RestartType r) {
  switch (r) {
    case RestartType::permanent: return behaviors::RestartType::permanent;
    case RestartType::transient: return behaviors::RestartType::transient;
    case RestartType::temporary: return behaviors::RestartType::temporary;
  }
  return behaviors::RestartType::permanent;
}

// The plugins a tree names.
void collect_plugins(const SupervisorManifest& s, std::set<std::string>& out) {
  for (const auto& c : s.children) {
    if (c.supervisor) collect_plugins(*c.supervisor, out);
    else out.insert(c.plugin);
  }
}

}  // namespace

Applications::Applications(runtime::Runtime& rt, services::FunctionRegistry& functions,
                           ApplicationsOptions options, behaviors::ApplicationController::StopNode stop_node)
    : rt_(rt), functions_(functions), options_(std::move(options)), plugins_(rt, &functions),
      controller_(rt, std::move(stop_node)) {
  add_application_functions(functions_, controller_);
}

Applications::~Applications() {
  remove_application_functions(functions_);
  stop_all();
}

std::vector<std::string> Applications::load_plugins(std::set<std::string>* changed) {
  std::vector<std::string> errors;
  std::string dir_error;
  auto files = plugin_files(options_.plugins_dir, dir_error);
  if (!dir_error.empty()) errors.push_back(dir_error);
  for (const auto& f : files) {
    // Unchanged files stay as they are: their processes keep running the same code.
    bool known = false;
    for (const auto& name : plugins_.names()) {
      auto p = plugins_.find(name);
      if (p && fs::path(p->path) == f) {
        known = true;
        if (p->file_changed()) {
          auto r = plugins_.load(f.string());
          if (!r) errors.push_back(r.error());
          else if (changed) changed->insert(name);
        }
      }
    }
    if (known) continue;
    auto r = plugins_.load(f.string());
    if (!r) errors.push_back(r.error());
    else log_info("plugin " + r.value()->name + " " + r.value()->version + " loaded from " + f.string());
  }
  return errors;
}

std::vector<FileError> Applications::check_plugins(const ApplicationManifest& m) const {
  return cli::check_plugins(m, [this](const std::string& name) { return plugins_.find(name); }, options_.plugins_dir);
}

SupervisorSpec Applications::make_supervisor_spec(const SupervisorManifest& s, const std::string& app,
                                                  std::shared_ptr<const plugin::AppContext> ctx) const {
  SupervisorSpec spec;
  spec.strategy = to_behaviors(s.strategy);
  spec.intensity = s.intensity;
  spec.period_s = s.period_s;
  spec.log_source = app;
  for (const auto& c : s.children) {
    ChildSpec child;
    if (c.supervisor) {
      SupervisorSpec nested = make_supervisor_spec(*c.supervisor, app, ctx);
      child = behaviors::supervisor_child(Term::atom(c.id), [nested] { return nested; });
    } else {
      child.id = Term::atom(c.id);
      child.args = c.args;
      child.type = c.type == ChildType::supervisor ? behaviors::ChildType::supervisor : behaviors::ChildType::worker;
      // The catalog is shared with the processes, so a restart after a reload finds the
      // plugin's current code.
      auto catalog = plugins_.catalog();
      std::string plugin = c.plugin, behavior = c.behavior;
      // get_childspec's start: the plugin's behavior, started with these args.
      child.start = Term::tuple({Term::atom("ergod_plugin"), Term::atom("start_link"),
                                 Term::list({Term::atom(plugin), Term::atom(behavior), c.args ? c.args : Term::nil()})});
      child.make = [catalog, plugin, behavior, ctx]() -> std::unique_ptr<GenServer> {
        auto r = catalog->make_server(plugin, behavior, ctx);
        if (r) return std::move(r.value());
        return std::make_unique<FailingServer>(
            Term::tuple({Term::atom("plugin_error"), Term::binary(std::string_view(r.error()))}));
      };
    }
    child.restart = to_behaviors(c.restart);
    child.shutdown_ms = c.shutdown_ms == kShutdownBrutalKill ? behaviors::kBrutalKill : c.shutdown_ms;
    if (!c.name.empty()) child.name = Atom::make(c.name);
    spec.children.push_back(std::move(child));
  }
  return spec;
}

ApplicationSpec Applications::make_spec(const ApplicationManifest& m) const {
  ApplicationSpec spec;
  spec.name = m.name;
  spec.version = m.version;
  spec.description = m.description;
  spec.start_type = to_behaviors(m.start_type);
  for (const auto& d : m.depends_on) spec.depends_on.push_back(d.name);
  std::vector<std::pair<Term, Term>> env;
  for (const auto& [k, v] : m.env) env.emplace_back(Term::atom(k), v);
  auto ctx = plugin::make_app_context(m.name, Term::map(env));
  if (m.supervisor) {
    SupervisorSpec top = make_supervisor_spec(*m.supervisor, m.name, ctx);
    spec.make_top = [top] { return behaviors::make_supervisor(top); };
    if (!m.supervisor->name.empty()) spec.top_name = Atom::make(m.supervisor->name);
  } else {
    // A library application: nothing to start but an empty supervisor, as OTP's would be.
    SupervisorSpec empty;
    empty.log_source = m.name;
    spec.make_top = [empty] { return behaviors::make_supervisor(empty); };
  }
  return spec;
}

Status Applications::load_app(const ApplicationManifest& m) {
  if (m.log_level) set_source_log_level(m.name, *m.log_level);
  return controller_.load(make_spec(m));
}

Applications::BootResult Applications::boot() {
  std::lock_guard lock(mu_);
  BootResult result;
  auto note = [&](const std::string& e) {
    log_error(e);
    result.errors.push_back(e);
  };
  for (auto& e : load_plugins(nullptr)) note(e);

  ManifestSet set = load_manifests(options_.manifests_dir);
  for (auto& e : set.errors) note(e.to_string());
  if (!set.ok()) return result;  // nothing starts from a set that does not hold together

  for (const auto& m : set.applications) {
    Known k{m, file_hash(m.file), {}};
    if (m.supervisor) collect_plugins(*m.supervisor, k.plugins);
    auto plugin_errors = check_plugins(m);
    for (auto& e : plugin_errors) note(e.to_string());
    known_.push_back(std::move(k));
    if (!plugin_errors.empty()) {
      if (m.start_type == StartType::permanent) result.fatal = true;
      continue;  // known (so a reload can start it once the plugin is there), not loaded
    }
    if (auto s = load_app(m); !s) note(s.error());
  }
  for (const auto& k : known_) {
    if (!controller_.is_loaded(k.manifest.name) || controller_.is_running(k.manifest.name)) continue;
    if (auto s = controller_.start(k.manifest.name); !s) {
      note(s.error());
      if (k.manifest.start_type == StartType::permanent) result.fatal = true;
    }
  }
  return result;
}

std::vector<std::string> Applications::reload() {
  std::lock_guard lock(mu_);
  std::vector<std::string> errors;
  auto note = [&](const std::string& e) {
    log_error("reload: " + e);
    errors.push_back(e);
  };
  ManifestSet set = load_manifests(options_.manifests_dir);
  if (!set.ok()) {
    for (auto& e : set.errors) note(e.to_string());
    note("the manifests have errors: running applications are left as they are");
    log_notice("reload done: 0 stopped, 0 started, " + std::to_string(errors.size()) + " errors");
    return errors;
  }
  std::set<std::string> changed_plugins;
  for (auto& e : load_plugins(&changed_plugins)) note(e);

  // What to stop (removed, changed, or on a changed plugin) and what to (re)start.
  std::set<std::string> stop, start;
  std::vector<Known> next;
  for (const auto& m : set.applications) {
    Known k{m, file_hash(m.file), {}};
    if (m.supervisor) collect_plugins(*m.supervisor, k.plugins);
    auto old = std::find_if(known_.begin(), known_.end(), [&](const Known& o) { return o.manifest.name == m.name; });
    bool plugin_changed = std::any_of(k.plugins.begin(), k.plugins.end(),
                                      [&](const std::string& p) { return changed_plugins.count(p) > 0; });
    if (old == known_.end()) {
      start.insert(m.name);
    } else if (old->content_hash != k.content_hash || plugin_changed || !controller_.is_loaded(m.name)) {
      stop.insert(m.name);
      start.insert(m.name);
    }
    next.push_back(std::move(k));
  }
  for (const auto& old : known_) {
    bool kept = std::any_of(next.begin(), next.end(), [&](const Known& k) { return k.manifest.name == old.manifest.name; });
    if (!kept) stop.insert(old.manifest.name);
  }
  // Plugin names every (re)started application needs must be loaded: otherwise that
  // application is left as it was (and one not running yet stays stopped).
  for (const auto& k : next) {
    if (!start.count(k.manifest.name)) continue;
    auto plugin_errors = check_plugins(k.manifest);
    if (plugin_errors.empty()) continue;
    for (auto& e : plugin_errors) note(e.to_string());
    start.erase(k.manifest.name);
    stop.erase(k.manifest.name);
  }

  // Stop in reverse start order, then start in dependency order.
  auto order = controller_.start_order();
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    if (!stop.count(*it)) continue;
    if (auto s = controller_.stop(*it); !s) note(s.error());
  }
  for (const auto& name : stop) {
    bool kept = std::any_of(next.begin(), next.end(), [&](const Known& k) { return k.manifest.name == name; });
    if (!kept) {
      // One that never loaded (its plugin was missing) has nothing to unload: removing it is
      // only forgetting it.
      if (controller_.is_loaded(name))
        if (auto s = controller_.unload(name); !s) note(s.error());
      log_notice("application " + name + " removed");
    }
  }
  // known_ becomes the new set, except applications left as they were keep their old entry.
  std::vector<Known> merged;
  for (auto& k : next) {
    auto old = std::find_if(known_.begin(), known_.end(), [&](const Known& o) { return o.manifest.name == k.manifest.name; });
    bool refreshed = start.count(k.manifest.name) > 0;
    if (!refreshed && old != known_.end()) merged.push_back(*old);
    else merged.push_back(std::move(k));
  }
  known_ = std::move(merged);
  for (const auto& k : known_) {
    if (!start.count(k.manifest.name)) continue;
    if (auto s = load_app(k.manifest); !s) {
      note(s.error());
      continue;
    }
  }
  for (const auto& k : known_) {
    if (!start.count(k.manifest.name) || controller_.is_running(k.manifest.name)) continue;
    if (auto s = controller_.start(k.manifest.name); !s) note(s.error());
  }
  log_notice("reload done: " + std::to_string(stop.size()) + " stopped, " + std::to_string(start.size()) +
             " started, " + std::to_string(errors.size()) + " errors");
  return errors;
}

std::string Applications::list() const {
  std::lock_guard lock(mu_);
  std::string out;
  auto infos = controller_.which_applications();
  for (const auto& k : known_) {
    auto it = std::find_if(infos.begin(), infos.end(), [&](auto& i) { return i.name == k.manifest.name; });
    std::string state = it == infos.end() ? "not_loaded" : it->running ? "running" : "stopped";
    out += k.manifest.name + " " + (k.manifest.version.empty() ? "-" : k.manifest.version) + " " + state + " " +
           std::string(to_string(k.manifest.start_type));
    if (it != infos.end() && it->running) {
      out += ' ';
      out += term::to_string(it->top);
    }
    out += "\n";
  }
  return out;
}

Status Applications::start(const std::string& name) {
  std::lock_guard lock(mu_);
  return controller_.start(name);
}

Status Applications::stop(const std::string& name) {
  std::lock_guard lock(mu_);
  return controller_.stop(name);
}

Status Applications::restart(const std::string& name) {
  std::lock_guard lock(mu_);
  if (controller_.is_running(name)) {
    if (auto s = controller_.stop(name); !s) return s;
  }
  return controller_.start(name);
}

void Applications::stop_all() {
  std::lock_guard lock(mu_);
  controller_.stop_all();
}

std::vector<std::string> Applications::running() const { return controller_.start_order(); }

}  // namespace ergod::cli
