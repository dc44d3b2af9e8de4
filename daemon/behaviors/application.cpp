// See application.h. The master follows OTP's application_master in spirit: it traps exits,
// starts the top supervisor linked to it and tells the controller when that supervisor ends on
// its own; a requested stop is an exit(Top, shutdown) and a wait for its EXIT.
#include "behaviors/application.h"

#include <algorithm>

#include "base/log.h"
#include "behaviors/supervisor.h"

namespace ergod::behaviors {
namespace {

using term::atoms::error;
using term::atoms::normal;
using term::atoms::ok;
using term::atoms::shutdown;

bool is_ok_tuple(const Term& t) {
  return t.is_tuple() && t.tuple_arity() == 2 && t.element(0).is_atom(ok);
}

class ApplicationMaster final : public GenServer {
 public:
  using OnExit = std::function<void(const Term& master, const Term& reason)>;
  ApplicationMaster(std::function<std::unique_ptr<GenServer>()> make_top, std::optional<Atom> top_name,
                    OnExit on_exit)
      : make_top_(std::move(make_top)), top_name_(top_name), on_exit_(std::move(on_exit)) {}

  InitResult init(const Term&) override {
    process().set_trap_exit(true);
    return InitOk{};
  }

  CallResult handle_call(const Term& request, const Term& from) override {
    static const Atom start = Atom::make("start"), stop = Atom::make("stop");
    if (request.is_atom(start)) {
      std::unique_ptr<GenServer> top = make_top_ ? make_top_() : nullptr;
      if (!top) return Stop{Term::atom(normal), Term::tuple({Term::atom(error), Term::atom("no_top_supervisor")})};
      // supervisor::start_link: the result reports a child that failed to start, and the
      // shutdown on stop waits for each child in reverse order (any GenServer works).
      StartOptions opts;
      opts.name = top_name_;
      supervisor::start_link(process(), std::move(top), Term::nil(), opts, [this, from](Process& p, Term result) {
        if (is_ok_tuple(result)) top_ = result.element(1);
        gen_server::reply(p, from, result);
        if (!top_) p.exit(Term::atom(normal));
      });
      return NoReply{};
    }
    if (request.is_atom(stop)) {
      if (!top_) return Stop{Term::atom(normal), Term::atom(ok)};
      stop_from_ = from;
      process().exit(top_, Term::atom(shutdown));
      return NoReply{};
    }
    return Reply{Term::tuple({Term::atom(error), Term::atom("unknown_request")})};
  }

  InfoResult handle_info(const Term& m) override {
    bool exit = m.is_tuple() && m.tuple_arity() == 3 && m.element(0).is_atom(term::atoms::EXIT);
    if (!exit || !top_ || m.element(1) != top_) return NoReply{};  // e.g. a failed start's EXIT
    top_ = Term();
    if (stop_from_) {
      reply(stop_from_, Term::atom(ok));
    } else {
      on_exit_(self(), m.element(2));
    }
    return Stop{Term::atom(normal), Term()};
  }

 private:
  std::function<std::unique_ptr<GenServer>()> make_top_;
  std::optional<Atom> top_name_;
  OnExit on_exit_;
  Term top_;
  Term stop_from_;
};

}  // namespace

std::string_view to_string(StartType t) {
  switch (t) {
    case StartType::permanent: return "permanent";
    case StartType::transient: return "transient";
    case StartType::temporary: return "temporary";
  }
  return "?";
}

struct ApplicationController::App {
  ApplicationSpec spec;
  Term master;  // while running
  Term top;
  bool running = false;
  Term exit_reason;
};

ApplicationController::ApplicationController(Runtime& rt, StopNode stop_node)
    : rt_(rt), stop_node_(std::move(stop_node)) {}

ApplicationController::~ApplicationController() { stop_all(); }

ApplicationController::App* ApplicationController::find(const std::string& name) const {
  for (auto& a : apps_) {
    if (a->spec.name == name) return a.get();
  }
  return nullptr;
}

Status ApplicationController::load(ApplicationSpec spec) {
  std::lock_guard op(op_mu_);
  std::lock_guard lock(mu_);
  for (auto& a : apps_) {
    if (a->spec.name != spec.name) continue;
    if (a->running) return Error("application " + spec.name + " is running");
    a->spec = std::move(spec);
    a->exit_reason = Term();
    return Ok{};
  }
  auto app = std::make_unique<App>();
  app->spec = std::move(spec);
  apps_.push_back(std::move(app));
  return Ok{};
}

Status ApplicationController::unload(const std::string& name) {
  std::lock_guard op(op_mu_);
  std::lock_guard lock(mu_);
  auto it = std::find_if(apps_.begin(), apps_.end(), [&](auto& a) { return a->spec.name == name; });
  if (it == apps_.end()) return Error("unknown application " + name);
  if ((*it)->running) return Error("application " + name + " is running");
  apps_.erase(it);
  return Ok{};
}

Status ApplicationController::start(const std::string& name) {
  std::lock_guard op(op_mu_);
  if (is_running(name)) return Error("application " + name + " is already started");
  std::vector<std::string> path;
  return start_locked(name, path);
}

// Depth first over depends_on (op_mu_ held); path holds the applications being started, to
// find cycles.
Status ApplicationController::start_locked(const std::string& name, std::vector<std::string>& path) {
  ApplicationSpec spec;
  {
    std::lock_guard lock(mu_);
    App* app = find(name);
    if (!app) {
      if (path.empty()) return Error("unknown application " + name);
      return Error("application " + path.back() + " depends on " + name + ", which is not loaded");
    }
    if (app->running) return Ok{};
    spec = app->spec;
  }
  if (std::find(path.begin(), path.end(), name) != path.end()) {
    std::string cycle;
    for (auto& p : path) cycle += p + " -> ";
    return Error("dependency cycle: " + cycle + name);
  }
  path.push_back(name);
  for (const auto& dep : spec.depends_on) {
    auto s = start_locked(dep, path);
    if (!s && s.error().starts_with("application " + dep + " "))  // dep's own failure: say whose start it stops
      return Error("application " + name + " is not started: its dependency " + s.error().substr(12));
    if (!s) return s;
  }
  path.pop_back();

  std::string app_name = name;
  auto on_exit = [this, app_name](const Term& master, const Term& reason) { this->on_exit(app_name, master, reason); };
  Term started = gen_server::start(rt_, std::make_unique<ApplicationMaster>(spec.make_top, spec.top_name, on_exit), Term::nil());
  if (!is_ok_tuple(started))
    return Error("application " + name + " cannot start its master: " + term::to_string(started, 400));
  Term master = started.element(1);
  CallOutcome r = gen_server::call(rt_, master, Term::atom("start"), runtime::kInfinity);
  if (!r.ok || !is_ok_tuple(r.value)) {
    Term why = r.ok && r.value.is_tuple() && r.value.tuple_arity() == 2 ? r.value.element(1) : r.value;
    return Error("application " + name + " failed to start: " + term::to_string(why, 600));
  }
  {
    std::lock_guard lock(mu_);
    App* app = find(name);  // load() refuses to replace it meanwhile: op_mu_ is held
    app->master = master;
    app->top = r.value.element(1);
    app->running = true;
    app->exit_reason = Term();
    started_.push_back(name);
  }
  log(LogLevel::info, name, "application started (" + std::string(to_string(spec.start_type)) + ")");
  return Ok{};
}

std::vector<std::string> ApplicationController::start_all() {
  std::vector<std::string> errors;
  std::vector<std::string> names;
  {
    std::lock_guard lock(mu_);
    for (auto& a : apps_) names.push_back(a->spec.name);
  }
  for (const auto& n : names) {
    if (is_running(n)) continue;
    if (auto s = start(n); !s) errors.push_back(s.error());
  }
  return errors;
}

Status ApplicationController::stop(const std::string& name) {
  std::lock_guard op(op_mu_);
  Term master;
  {
    std::lock_guard lock(mu_);
    auto it = std::find_if(apps_.begin(), apps_.end(), [&](auto& a) { return a->spec.name == name; });
    if (it == apps_.end()) return Error("unknown application " + name);
    if (!(*it)->running) return Error("application " + name + " is not started");
    master = (*it)->master;
    // Marked stopped first: the master's own exit report for it is then ignored.
    (*it)->running = false;
    (*it)->master = Term();
    (*it)->top = Term();
    started_.erase(std::remove(started_.begin(), started_.end(), name), started_.end());
  }
  // Without the lock: the master's top supervisor may take its children's shutdown time.
  gen_server::call(rt_, master, Term::atom("stop"), runtime::kInfinity);
  log(LogLevel::info, name, "application stopped");
  return Ok{};
}

void ApplicationController::stop_all() {
  std::lock_guard op(op_mu_);
  for (;;) {
    std::string last;
    {
      std::lock_guard lock(mu_);
      if (started_.empty()) return;
      last = started_.back();
    }
    (void)stop(last);  // it was running: stopping cannot fail
  }
}

void ApplicationController::on_exit(const std::string& name, const Term& master, const Term& reason) {
  std::unique_lock lock(mu_);
  auto it = std::find_if(apps_.begin(), apps_.end(), [&](auto& a) { return a->spec.name == name; });
  if (it == apps_.end() || (*it)->master != master) return;  // stopped on request meanwhile
  App& app = **it;
  app.running = false;
  app.master = Term();
  app.top = Term();
  app.exit_reason = reason;
  started_.erase(std::remove(started_.begin(), started_.end(), name), started_.end());
  StartType type = app.spec.start_type;
  lock.unlock();

  std::string why = "application " + name + " exited: " + term::to_string(reason, 600, term::PrintStyle::p) + ", type: " +
                    std::string(to_string(type));
  bool stops_node = type == StartType::permanent || (type == StartType::transient && !reason.is_atom(normal));
  log(stops_node ? LogLevel::error : LogLevel::notice, name, why);
  if (stops_node && stop_node_) stop_node_(why);
}

std::vector<ApplicationInfo> ApplicationController::which_applications() const {
  std::lock_guard lock(mu_);
  std::vector<ApplicationInfo> out;
  for (auto& a : apps_) {
    out.push_back({a->spec.name, a->spec.version, a->spec.description, a->spec.start_type, a->running, a->top,
                   a->exit_reason});
  }
  return out;
}

std::vector<std::string> ApplicationController::start_order() const {
  std::lock_guard lock(mu_);
  return started_;
}

bool ApplicationController::is_loaded(const std::string& name) const {
  std::lock_guard lock(mu_);
  return std::any_of(apps_.begin(), apps_.end(), [&](auto& a) { return a->spec.name == name; });
}

bool ApplicationController::is_running(const std::string& name) const {
  std::lock_guard lock(mu_);
  return std::any_of(apps_.begin(), apps_.end(), [&](auto& a) { return a->spec.name == name && a->running; });
}

}  // namespace ergod::behaviors
