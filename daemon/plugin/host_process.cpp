// The process functions of the host table (ergod.h "the calling process", "from any thread"):
// each checks its ergod_proc and arguments and maps onto Process (runtime/process.h) and
// gen_server's client functions. Errors are status codes or NULL, as the header says; nothing
// is logged on a plugin's bad input.
#include <cstring>
#include <string>

#include "base/log.h"
#include "behaviors/gen_server.h"
#include "plugin/host_functions.h"
#include "plugin/host_table.h"
#include "plugin/plugin_loader.h"
#include "plugin/plugin_registry.h"
#include "plugin/plugin_server.h"
#include "plugin/proc_context.h"
#include "plugin/term_handle.h"
#include "runtime/runtime.h"
#include "services/global.h"

namespace ergod::plugin {
namespace {

using runtime::Process;
using term::Atom;

Process* proc(ergod_proc* p) { return p ? p->process : nullptr; }

// An existing atom for name (no new atom is made for a lookup).
bool find_atom(const char* name, Atom& out) { return name && Atom::find(name, out); }

// What Erlang's `!` and send_after accept as a destination.
bool is_destination(const Term& t) {
  if (t.is_pid() || t.is_atom() || t.is_reference()) return true;
  return t.is_tuple() && t.tuple_arity() == 2 && t.element(0).is_atom() && t.element(1).is_atom();
}

// A gen_server call's or cast's destination: a pid, a name, {Name, Node} or an alias as it is,
// and {global, Name} / {via, global, Name} as the pid global has for Name (what
// gen:do_for_proc finds in global's table).
enum class Dest { ok, missing, bad };
Dest gen_destination(Process& self, const Term& dest, Term& out) {
  static const Atom global = Atom::make("global"), via = Atom::make("via");
  const Term* name = nullptr;
  if (dest.is_tuple() && dest.tuple_arity() == 2 && dest.element(0).is_atom(global)) name = &dest.element(1);
  if (dest.is_tuple() && dest.tuple_arity() == 3 && dest.element(0).is_atom(via) && dest.element(1).is_atom(global))
    name = &dest.element(2);
  if (!name) {
    if (!is_destination(dest)) return Dest::bad;
    out = dest;
    return Dest::ok;
  }
  out = services::global_whereis(self.runtime().node(), *name);
  return out ? Dest::ok : Dest::missing;
}

ergod_term h_self(ergod_proc* p) {
  Process* self = proc(p);
  return self ? to_handle(self->self()) : nullptr;
}
ergod_term h_make_ref(ergod_proc* p) {
  Process* self = proc(p);
  return self ? to_handle(self->make_ref()) : nullptr;
}
ergod_status h_send(ergod_proc* p, ergod_term dest, ergod_term message) {
  Process* self = proc(p);
  if (!self || !dest || !message) return ERGOD_EBADARG;
  return guarded(ERGOD_EBADARG, [&] { return self->send(*Borrowed(dest), *Borrowed(message)) ? ERGOD_OK : ERGOD_EBADARG; });
}
void h_cast(ergod_proc* p, ergod_term dest, ergod_term message) {
  Process* self = proc(p);
  if (!self || !dest || !message) return;
  Term pid;
  if (gen_destination(*self, *Borrowed(dest), pid) != Dest::ok) return;  // a cast fails silently
  guarded(0, [&] {
    behaviors::gen_server::cast(*self, pid, *Borrowed(message));
    return 0;
  });
}
ergod_status h_call(ergod_proc* p, ergod_term dest, ergod_term request, int64_t timeout_ms, ergod_call_cont k,
                    void* user_data) {
  Process* self = proc(p);
  if (!self || !dest || !request || !k || timeout_ms < ERGOD_INFINITY) return ERGOD_EBADARG;
  if (!p->server) return ERGOD_ESTATE;  // an rpc function has no receive loop to continue in
  if (self->in_call()) return ERGOD_ESTATE;
  Term pid;
  switch (gen_destination(*self, *Borrowed(dest), pid)) {
    case Dest::missing: return ERGOD_ENOTFOUND;  // gen_server:call exits noproc
    case Dest::bad: return ERGOD_EBADARG;
    case Dest::ok: break;
  }
  return guarded(ERGOD_EBADARG, [&] { return p->server->start_call(pid, *Borrowed(request), timeout_ms, k, user_data); });
}
void h_reply(ergod_proc* p, ergod_term from, ergod_term value) {
  Process* self = proc(p);
  if (!self || !from || !value) return;
  guarded(0, [&] {
    behaviors::gen_server::reply(*self, *Borrowed(from), *Borrowed(value));
    return 0;
  });
}
ergod_status h_spawn(ergod_proc* p, const char* plugin, const char* behavior, ergod_term args, uint32_t flags,
                     const char* name, ergod_term* pid_out, ergod_term* monitor_out) {
  Process* self = proc(p);
  if (!self || !p->catalog || !plugin || !behavior || (flags & ~(ERGOD_SPAWN_LINK | ERGOD_SPAWN_MONITOR)))
    return ERGOD_EBADARG;
  if ((flags & ERGOD_SPAWN_MONITOR) && !monitor_out) return ERGOD_EBADARG;
  return guarded(ERGOD_EBADARG, [&] {
    Term pid, mref;
    Term a = args ? *Borrowed(args) : Term::nil();
    ergod_status s = p->catalog->spawn(*self, plugin, behavior, std::move(a), flags, name, p->app, pid, mref);
    if (s == ERGOD_OK) {
      if (pid_out) *pid_out = to_handle(std::move(pid));
      if (monitor_out) *monitor_out = mref ? to_handle(std::move(mref)) : nullptr;
    }
    return s;
  });
}
void h_exit(ergod_proc* p, ergod_term reason) {
  if (!proc(p)) return;
  // Applied when the callback returns, as a stop: terminate runs, as for exit/1 in OTP.
  p->exit_reason = reason ? *Borrowed(reason) : Term::atom(term::atoms::normal);
}
// Erlang's exit/2, link/1 and unlink/1 take a pid or a port.
bool is_pid_or_port(const Term& t) { return t.is_pid() || t.is_port(); }

ergod_status h_exit_pid(ergod_proc* p, ergod_term pid, ergod_term reason) {
  Process* self = proc(p);
  if (!self || !pid || !reason) return ERGOD_EBADARG;
  Borrowed target(pid);
  if (!is_pid_or_port(*target)) return ERGOD_EBADARG;
  Borrowed why(reason);
  // A signal that kills the caller takes effect now, as in Erlang: no reply, no terminate.
  if (*target == self->self() && (why->is_atom(term::atoms::kill) || !self->trap_exit())) {
    self->exit(why->is_atom(term::atoms::kill) ? Term::atom(term::atoms::killed) : *why);
    p->killed = true;
    return ERGOD_OK;
  }
  return guarded(ERGOD_EBADARG, [&] {
    self->exit(*target, *why);
    return ERGOD_OK;
  });
}
int h_trap_exit(ergod_proc* p, int on) {
  Process* self = proc(p);
  return self ? self->set_trap_exit(on != 0) : 0;
}
ergod_status h_link(ergod_proc* p, ergod_term pid) {
  Process* self = proc(p);
  if (!self || !pid) return ERGOD_EBADARG;
  Borrowed target(pid);
  // Erlang links to no port of another node (and ergod has none of its own).
  if (!target->is_pid()) return ERGOD_EBADARG;
  return guarded(ERGOD_EBADARG, [&] { return self->link(*target) ? ERGOD_OK : ERGOD_ENOTFOUND; });
}
ergod_status h_unlink(ergod_proc* p, ergod_term pid) {
  Process* self = proc(p);
  if (!self || !pid) return ERGOD_EBADARG;
  Borrowed target(pid);
  if (!is_pid_or_port(*target)) return ERGOD_EBADARG;
  if (target->is_pid()) guarded(0, [&] { self->unlink(*target); return 0; });
  return ERGOD_OK;
}
ergod_term h_monitor(ergod_proc* p, ergod_term target) {
  Process* self = proc(p);
  if (!self || !target) return nullptr;
  Borrowed t(target);
  if (t->is_reference() || !is_destination(*t)) return nullptr;
  return guarded<ergod_term>(nullptr, [&] { return to_handle(self->monitor(*t)); });
}
int h_demonitor(ergod_proc* p, ergod_term ref, int flush) {
  Process* self = proc(p);
  if (!self || !ref) return ERGOD_EBADARG;
  Borrowed r(ref);
  // Erlang: badarg for anything but a reference this node made.
  if (!r->is_reference() || r->as<term::RefBox>()->node != self->runtime().node()) return ERGOD_EBADARG;
  return guarded(0, [&] { return int(self->demonitor(*r, flush != 0)); });
}
ergod_status h_register_name(ergod_proc* p, const char* name) {
  Process* self = proc(p);
  Atom a;
  if (!self || !name || !Atom::try_make(name, a) || a == term::atoms::undefined) return ERGOD_EBADARG;
  if (self->runtime().whereis(a)) return ERGOD_EEXIST;
  return guarded(ERGOD_EBADARG, [&] { return self->register_name(a) ? ERGOD_OK : ERGOD_EBADARG; });
}
ergod_status h_unregister_name(ergod_proc* p, const char* name) {
  Process* self = proc(p);
  Atom a;
  if (!self || !name) return ERGOD_EBADARG;
  if (!find_atom(name, a)) return ERGOD_ENOTFOUND;
  return self->runtime().unregister_name(a) ? ERGOD_OK : ERGOD_ENOTFOUND;
}
ergod_term h_whereis(ergod_proc* p, const char* name) {
  Process* self = proc(p);
  Atom a;
  if (!self || !find_atom(name, a)) return nullptr;
  Term pid = self->runtime().whereis(a);
  return pid ? to_handle(std::move(pid)) : nullptr;
}
ergod_term h_send_after(ergod_proc* p, int64_t ms, ergod_term dest, ergod_term message) {
  Process* self = proc(p);
  if (!self || ms < 0 || !dest || !message) return nullptr;
  Borrowed d(dest);
  if (!d->is_pid() && !d->is_atom()) return nullptr;  // erlang:send_after/3's Dest
  return guarded<ergod_term>(nullptr, [&]() -> ergod_term {
    Term tref = self->send_after(ms, *d, *Borrowed(message));
    return tref ? to_handle(std::move(tref)) : nullptr;
  });
}
int64_t h_cancel_timer(ergod_proc* p, ergod_term tref) {
  Process* self = proc(p);
  if (!self || !tref) return -1;
  Borrowed r(tref);
  if (!r->is_reference()) return -1;
  return self->cancel_timer(*r);
}
ergod_term h_app_env(ergod_proc* p, const char* key) {
  if (!proc(p) || !key || !p->app || !p->app->env.is_map()) return nullptr;
  const Term& env = p->app->env;
  return guarded<ergod_term>(nullptr, [&]() -> ergod_term {
    // Manifest keys are atoms; a binary key is accepted too.
    Atom a;
    Term v;
    if (Atom::find(key, a)) v = env.map_get(Term::atom(a));
    if (!v) v = env.map_get(Term::binary(std::string_view(key)));
    return v ? to_handle(std::move(v)) : nullptr;
  });
}
ergod_term h_app_env_all(ergod_proc* p) {
  if (!proc(p)) return nullptr;
  if (!p->app || !p->app->env.is_map()) return to_handle(Term::map({}));
  return to_handle(p->app->env);
}

LogLevel to_level(ergod_log_level level) {
  switch (level) {
    case ERGOD_LOG_TRACE: return LogLevel::trace;
    case ERGOD_LOG_DEBUG: return LogLevel::debug;
    case ERGOD_LOG_INFO: return LogLevel::info;
    case ERGOD_LOG_NOTICE: return LogLevel::notice;
    case ERGOD_LOG_WARNING: return LogLevel::warning;
    default: return LogLevel::error;
  }
}
void h_log(ergod_proc* p, ergod_log_level level, const char* message) {
  if (!message) return;
  std::string_view source = LogSourceScope::current();
  if (p && p->app && !p->app->application.empty()) source = p->app->application;
  else if (p && p->plugin) source = p->plugin->name;
  LogLevel l = to_level(level);
  if (!log_enabled(l, source)) return;
  guarded(0, [&] {
    log(l, source, message);
    return 0;
  });
}

ergod_status h_send_any(ergod_term dest, ergod_term message) {
  runtime::Runtime* rt = host_runtime();
  if (!rt) return ERGOD_ESTATE;
  if (!dest || !message) return ERGOD_EBADARG;
  return guarded(ERGOD_EBADARG, [&] { return rt->send(*Borrowed(dest), *Borrowed(message)) ? ERGOD_OK : ERGOD_EBADARG; });
}
int h_abort_on_crash(void) { return abort_on_crash() ? 1 : 0; }

}  // namespace

void fill_process_functions(ergod_host& h) {
  h.self = h_self;
  h.make_ref = h_make_ref;
  h.send = h_send;
  h.cast = h_cast;
  h.call = h_call;
  h.reply = h_reply;
  h.spawn = h_spawn;
  h.exit = h_exit;
  h.exit_pid = h_exit_pid;
  h.trap_exit = h_trap_exit;
  h.link = h_link;
  h.unlink = h_unlink;
  h.monitor = h_monitor;
  h.demonitor = h_demonitor;
  h.register_name = h_register_name;
  h.unregister_name = h_unregister_name;
  h.whereis = h_whereis;
  h.send_after = h_send_after;
  h.cancel_timer = h_cancel_timer;
  h.app_env = h_app_env;
  h.app_env_all = h_app_env_all;
  h.log = h_log;
  h.send_any = h_send_any;
  h.abort_on_crash = h_abort_on_crash;
}

}  // namespace ergod::plugin
