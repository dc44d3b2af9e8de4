// See plugin_server.h.
#include "plugin/plugin_server.h"

#include <cstdlib>

#include "base/log.h"
#include "plugin/host_table.h"
#include "plugin/plugin_loader.h"
#include "plugin/term_handle.h"

namespace ergod::plugin {

using behaviors::CallResult;
using behaviors::InfoResult;
using behaviors::InitResult;
using namespace term::atoms;

namespace {

Term bad_return(ergod_action action) {
  return Term::tuple({Term::atom("bad_return_value"), Term::integer(int64_t(action))});
}

// OTP's notion of a normal end (no crash report): normal, shutdown, {shutdown, _}.
bool is_normal_reason(const Term& r) {
  if (r.is_atom(normal) || r.is_atom(shutdown)) return true;
  return r.is_tuple() && r.tuple_arity() == 2 && r.element(0).is_atom(shutdown);
}

}  // namespace

struct PluginServer::Taken {
  ergod_action action;
  Term value, reason;
};

PluginServer::PluginServer(std::shared_ptr<const Plugin> plugin, const ergod_gen_server* callbacks,
                           std::string behavior, std::shared_ptr<const AppContext> app,
                           std::shared_ptr<PluginCatalog> catalog)
    : plugin_(std::move(plugin)), cb_(callbacks), behavior_(std::move(behavior)) {
  ctx_.server = this;
  ctx_.catalog = std::move(catalog);
  ctx_.plugin = plugin_.get();
  ctx_.app = std::move(app);
}

// The plugin's code runs before plugin_ (a member) lets go of the file.
PluginServer::~PluginServer() {
  if (initialized_ && cb_->destroy) cb_->destroy(state_);
}

ergod_proc* PluginServer::begin() {
  ctx_.process = &process();
  ctx_.exit_reason = Term();
  ctx_.killed = false;
  return &ctx_;
}

PluginServer::Taken PluginServer::take(ergod_result r) {
  Taken t{r.action, take_handle(r.value), take_handle(r.reason)};
  if (ctx_.killed) {  // the process ends with the reason exit_pid gave it; no reply, no terminate
    t.action = ERGOD_NOREPLY;
    t.value = Term();
    t.reason = Term();
  } else if (ctx_.exit_reason) {  // host->exit wins over whatever the callback returned
    t.action = ERGOD_STOP;
    t.value = Term();
    t.reason = std::move(ctx_.exit_reason);
  } else if (t.action == ERGOD_STOP && !t.reason) {
    t.reason = Term::atom(normal);
  }
  return t;
}

void PluginServer::check_crash(const Term& reason, const char* callback) const {
  if (!abort_on_crash() || is_normal_reason(reason)) return;
  std::string source = ctx_.app && !ctx_.app->application.empty() ? ctx_.app->application : plugin_->name;
  log(LogLevel::error, source,
      "plugin " + plugin_->name + ", behavior " + behavior_ + ": " + callback + " stopped with " +
          term::to_string(reason, 4096) + "; aborting (--abort-on-crash)");
  std::abort();
}

InitResult PluginServer::init(const Term& args) {
  initialized_ = true;
  if (!cb_->init) return behaviors::InitOk{};
  Taken t = take(cb_->init(begin(), lend(args), &state_));
  switch (t.action) {
    case ERGOD_NOREPLY: return behaviors::InitOk{};
    case ERGOD_IGNORE: return behaviors::Ignore{};
    case ERGOD_STOP:
      check_crash(t.reason, "init");
      return behaviors::Stop{std::move(t.reason), Term()};
    default: return behaviors::Stop{bad_return(t.action), Term()};
  }
}

CallResult PluginServer::handle_call(const Term& request, const Term& from) {
  if (!cb_->handle_call) return GenServer::handle_call(request, from);
  Taken t = take(cb_->handle_call(begin(), state_, lend(request), lend(from)));
  switch (t.action) {
    case ERGOD_REPLY:
      if (t.value) return behaviors::Reply{std::move(t.value)};
      break;
    case ERGOD_NOREPLY: return behaviors::NoReply{};
    case ERGOD_STOP:
      check_crash(t.reason, "handle_call");
      return behaviors::Stop{std::move(t.reason), std::move(t.value)};
    default: break;
  }
  return behaviors::Stop{bad_return(t.action), Term()};
}

InfoResult PluginServer::to_info(ergod_result r, const char* callback) {
  Taken t = take(r);
  switch (t.action) {
    case ERGOD_NOREPLY: return behaviors::NoReply{};
    case ERGOD_STOP:
      check_crash(t.reason, callback);
      return behaviors::Stop{std::move(t.reason), Term()};
    default: return behaviors::Stop{bad_return(t.action), Term()};
  }
}

InfoResult PluginServer::handle_cast(const Term& message) {
  if (!cb_->handle_cast) return GenServer::handle_cast(message);
  return to_info(cb_->handle_cast(begin(), state_, lend(message)), "handle_cast");
}

InfoResult PluginServer::handle_info(const Term& message) {
  if (!cb_->handle_info) {
    std::string source = ctx_.app && !ctx_.app->application.empty() ? ctx_.app->application : plugin_->name;
    if (log_enabled(LogLevel::debug, source))
      log(LogLevel::debug, source, behavior_ + " dropped an unexpected message: " + term::to_string(message, 1024));
    return behaviors::NoReply{};
  }
  return to_info(cb_->handle_info(begin(), state_, lend(message)), "handle_info");
}

Term PluginServer::sys_state() {
  // get_state exists in the callback table of plugins built for ABI 2 and later only.
  if (plugin_->descriptor->abi_version >= 2 && cb_->get_state) {
    Term t = take_handle(cb_->get_state(begin(), state_));
    if (t) return t;
  }
  return Term::tuple({Term::atom("plugin_state"), Term::atom(plugin_->name), Term::atom(behavior_)});
}

Term PluginServer::sys_module() const { return Term::atom(behavior_); }

void PluginServer::terminate(const Term& reason) {
  if (!cb_->terminate) return;
  cb_->terminate(begin(), state_, lend(reason));
  ctx_.exit_reason = Term();  // exit/1 inside terminate changes nothing: the process is ending
}

ergod_status PluginServer::start_call(const Term& dest, Term request, int64_t timeout_ms, ergod_call_cont k,
                                      void* user_data) {
  behaviors::gen_server::try_call(process(), dest, std::move(request), timeout_ms,
                                  [this, k, user_data](runtime::Process& self, runtime::CallOutcome o) {
                                    on_call_outcome(self, k, user_data, std::move(o));
                                  });
  return ERGOD_OK;
}

ergod_status PluginServer::await_answer(const Term& ref, ergod_call_cont k, void* user_data) {
  process().receive([ref](const Term& m) { return m.is_tuple() && m.tuple_arity() == 2 && m.element(0) == ref; },
                    runtime::kInfinity, [this, k, user_data](runtime::Process& self, std::optional<Term> m) {
                      on_call_outcome(self, k, user_data, runtime::CallOutcome{true, m->element(1)});
                    });
  return ERGOD_OK;
}

// A continuation runs outside GenServer's message loop, so a stop is carried out here: terminate,
// then exit, as the loop does for handle_info.
void PluginServer::on_call_outcome(runtime::Process& self, ergod_call_cont k, void* user_data,
                                   runtime::CallOutcome o) {
  InfoResult r = to_info(k(begin(), state_, user_data, o.ok ? 1 : 0, lend(o.value)), "a call continuation");
  if (auto* stop = std::get_if<behaviors::Stop>(&r)) {
    Term reason = std::move(stop->reason);
    terminate(reason);
    self.exit(std::move(reason));
  }
}

}  // namespace ergod::plugin
