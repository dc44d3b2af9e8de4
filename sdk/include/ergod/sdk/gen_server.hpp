// gen_server.hpp: GenServer, the base class of a plugin's gen_server behaviors, its result
// types (Ok, Reply, NoReply, Stop, Ignore), the process functions (send, call, link, ...),
// and the bridge from ergod_gen_server's C callbacks to it: callbacks that wait on a call
// finish in the call's continuation; exceptions end the process (Exit: its reason; others:
// {cxx_exception, <<What>>}, or std::terminate under --abort-on-crash).
// Part of ergod.hpp (include that).
// Threads: process functions only inside the server's callbacks (rule T6); they throw
// std::logic_error outside.
#pragma once

#include <ergod/sdk/task.hpp>

#include <coroutine>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace ergod::sdk {

// ================================================================================================
// GenServer
// ================================================================================================

struct Ok {};      // init: {ok, State}
struct Ignore {};  // init: ignore
struct NoReply {};
struct Reply {
  Term value;
  explicit Reply(Term v) : value(std::move(v)) {}
  template <class V>
    requires(!std::same_as<std::decay_t<V>, Term>)
  explicit Reply(const V& v) : value(to_term(v)) {}
};
// {stop, Reason, State}, or from handle_call with a reply {stop, Reason, Reply, State}. The
// empty reason is normal. Reasons are terms: Stop{ergod::sdk::atom("shutdown")}.
struct Stop {
  Term reason;
  Term reply;
  Stop() = default;
  explicit Stop(Term r, Term reply_value = Term()) : reason(std::move(r)), reply(std::move(reply_value)) {}
};

using InitResult = std::variant<Ok, Stop, Ignore>;
using CallResult = std::variant<Reply, NoReply, Stop>;
using CastResult = std::variant<NoReply, Stop>;
using InfoResult = CastResult;

// handle_call's From ({CallerPid, Tag}): keep a copy to answer later with reply().
struct From {
  Term term;
};

// try_call's outcome: ok with the reply, or not ok with the reason the call failed.
struct CallOutcome {
  bool ok = false;
  Term value;
  explicit operator bool() const noexcept { return ok; }
};

struct SpawnOptions {
  bool link = false;
  bool monitor = false;
  std::string name;  // registered name; empty: none
};
struct Spawned {
  Term pid;
  Term monitor;  // with SpawnOptions::monitor
};

class GenServer;
namespace detail {
template <class S>
struct Bridge;
template <bool Throws>
class CallAwaiter;
class GlobalAwaiter;
}  // namespace detail

// Derive from GenServer, override the callbacks you need (each may be a plain function or a
// coroutine), and name the class in ERGOD_BEHAVIOR. One object per process, made with its
// default constructor before init and destroyed after the process ended: the object is the
// state. The callbacks' arguments stay valid until the callback's Task has finished, across
// co_await. While a callback waits on a call, the process's other messages wait too.
class GenServer {
 public:
  virtual ~GenServer() = default;

  // init may wait on calls too; the process counts as started at its first wait (an Ignore
  // after that stops the process, normal).
  virtual Task<InitResult> init(const Term& args) {
    (void)args;
    return Ok{};
  }
  virtual Task<CallResult> handle_call(const Term& request, const From& from) {
    (void)from;
    return Stop(tuple(atom("bad_call"), request));
  }
  virtual Task<CastResult> handle_cast(const Term& message) { return Stop(tuple(atom("bad_cast"), message)); }
  virtual Task<InfoResult> handle_info(const Term& message) {
    log(Level::debug, "unexpected message " + detail::brief(message));
    return NoReply{};
  }
  // On a Stop (also an exception), and on a supervisor's shutdown when trapping exits.
  virtual void terminate(const Term& reason) { (void)reason; }
  // What sys:get_state (and the State of sys:get_status) shows of this process, as Erlang
  // shows a gen_server's state term; an empty Term shows {plugin_state, Plugin, Behavior}.
  virtual Term sys_state() const { return Term(); }

 protected:
  // ---- the process (only inside callbacks) ----
  Term self() const { return Term::adopt(host().self(proc())); }
  Term make_ref() const { return Term::adopt(host().make_ref(proc())); }
  // dest ! message. dest: a pid, a registered name (Atom), {Name, Node} or an alias. An
  // unregistered name raises badarg, as in Erlang (throws Exit(badarg)).
  void send(const TermRef& dest, const TermRef& message) {
    if (!try_send(dest, message)) throw badarg("send", list(borrowed(dest), borrowed(message)));
  }
  bool try_send(const TermRef& dest, const TermRef& message) {
    return host().send(proc(), dest.get(), message.get()) == ERGOD_OK;
  }
  void cast(const TermRef& dest, const TermRef& message) { host().cast(proc(), dest.get(), message.get()); }
  // co_await call(dest, request): the reply; a failure throws CallFailed (as gen_server:call
  // exits the caller). co_await try_call(...): a CallOutcome instead. One at a time.
  detail::CallAwaiter<true> call(const TermRef& dest, const TermRef& request, int64_t timeout_ms = 5000);
  detail::CallAwaiter<false> try_call(const TermRef& dest, const TermRef& request, int64_t timeout_ms = 5000);
  // gen_server:reply/2, for a handle_call that returned NoReply.
  void reply(const From& from, const TermRef& value) { host().reply(proc(), from.term.handle(), value.get()); }
  // Starts a behavior of a loaded plugin as a new process. Throws std::runtime_error when
  // there is no such behavior or the name is taken.
  Spawned spawn(const std::string& plugin, const std::string& behavior, const TermRef& args,
                const SpawnOptions& options = {});
  // exit/1: ends this process with reason (throws Exit, caught around the callback).
  [[noreturn]] void exit(const TermRef& reason) { throw Exit(Term::borrow(reason.get())); }
  // exit/2: an exit signal to pid. One that ends this process (exit(self(), kill)) ends it at
  // once: what the callback returns after it is dropped.
  void exit(const TermRef& pid, const TermRef& reason) {
    if (host().exit_pid(proc(), pid.get(), reason.get()) == ERGOD_EBADARG)
      throw badarg("exit", list(borrowed(pid), borrowed(reason)));
  }
  bool trap_exit(bool on) { return host().trap_exit(proc(), on ? 1 : 0) != 0; }
  // link/1 and unlink/1; a bad argument throws Exit({badarg, Stack}), as Erlang's error.
  void link(const TermRef& pid) {
    if (host().link(proc(), pid.get()) == ERGOD_EBADARG) throw badarg("link", list(borrowed(pid)));
  }
  void unlink(const TermRef& pid) {
    if (host().unlink(proc(), pid.get()) == ERGOD_EBADARG) throw badarg("unlink", list(borrowed(pid)));
  }
  // erlang:monitor(process, Target): the reference.
  Term monitor(const TermRef& target) {
    ergod_term ref = host().monitor(proc(), target.get());
    if (!ref) throw badarg("monitor", list(atom("process"), borrowed(target)));
    return Term::adopt(ref);
  }
  bool demonitor(const TermRef& ref, bool flush = false) {
    int r = host().demonitor(proc(), ref.get(), flush ? 1 : 0);
    if (r < 0) throw badarg("demonitor", flush ? list(borrowed(ref), list(atom("flush"))) : list(borrowed(ref)));
    return r != 0;
  }
  bool register_name(const std::string& name) { return host().register_name(proc(), name.c_str()) == ERGOD_OK; }
  bool unregister_name(const std::string& name) { return host().unregister_name(proc(), name.c_str()) == ERGOD_OK; }
  Term whereis(const std::string& name) { return Term::adopt(host().whereis(proc(), name.c_str())); }
  // pg:join/leave in scope pg for this process, or for pids (a local pid or a list of them):
  // sent to the scope without waiting (ergod.h, pg_join), so pg::get_members shows the change
  // once the scope has it, and a leave of a non-member is not reported. Throws Exit as pg.erl
  // fails: {nolocal, Pids} for a pid of another node (or not a pid), noproc with no scope.
  void pg_join(const TermRef& group) { pg_request("join", group, nullptr); }
  void pg_join(const TermRef& group, const TermRef& pids) { pg_request("join", group, pids.get()); }
  void pg_leave(const TermRef& group) { pg_request("leave", group, nullptr); }
  void pg_leave(const TermRef& group, const TermRef& pids) { pg_request("leave", group, pids.get()); }
  // global:register_name(Name, self()): co_await register_global(name) is true once every
  // node has the name, false when it is taken or this process has another global name;
  // co_await unregister_global(name). A transaction over the nodes: the worker is free
  // meanwhile, and the process's other messages wait, as for call (one at a time).
  detail::GlobalAwaiter register_global(const TermRef& name);
  detail::GlobalAwaiter unregister_global(const TermRef& name);
  Term send_after(int64_t ms, const TermRef& dest, const TermRef& message) {
    return Term::adopt(host().send_after(proc(), ms, dest.get(), message.get()));
  }
  int64_t cancel_timer(const TermRef& tref) { return host().cancel_timer(proc(), tref.get()); }
  // The application's environment: key's value, or the empty Term.
  Term app_env(const std::string& key) { return Term::adopt(host().app_env(proc(), key.c_str())); }
  template <class T>
  T app_env(const std::string& key, T fallback) {
    Term v = app_env(key);
    if (v.empty()) return fallback;
    try {
      return from_term<T>(v);
    } catch (const BadTerm& err) {
      throw BadTerm("app env " + key + ": " + err.what());
    }
  }
  Term app_env_all() { return Term::adopt(host().app_env_all(proc())); }
  // A log line tagged with the application (outside callbacks: with the plugin's name).
  void log(Level level, const std::string& message) const {
    host().log(proc_, static_cast<ergod_log_level>(level), message.c_str());
  }

 private:
  template <class S>
  friend struct detail::Bridge;
  template <bool>
  friend class detail::CallAwaiter;
  friend class detail::GlobalAwaiter;

  void pg_request(const char* what, const TermRef& group, ergod_term pids) {
    auto fn = what[0] == 'j' ? host().pg_join : host().pg_leave;
    ergod_status st = fn(proc(), group.get(), pids);
    if (st == ERGOD_EBADARG) throw Exit(tuple(atom("nolocal"), pids ? Term::borrow(pids) : self()));
    if (st == ERGOD_ENOTFOUND)
      throw Exit(tuple(atom("noproc"), tuple(atom("pg"), atom(what), list(atom("pg"), Term::borrow(group.get())))));
  }
  ergod_proc* proc() const {
    if (!proc_) throw std::logic_error("ergod::sdk::GenServer: a process function called outside a callback");
    return proc_;
  }
  // Sets proc_ for one callback or continuation (rule T6).
  struct InCallback {
    GenServer& s;
    InCallback(GenServer& server, ergod_proc* p) : s(server) { s.proc_ = p; }
    ~InCallback() { s.proc_ = nullptr; }
  };

  // A callback's task that waits on a call: finished by the call's continuation.
  struct Pending {
    virtual ~Pending() = default;
    virtual bool done() const noexcept = 0;
    virtual ergod_result finish(GenServer& s) = 0;  // the result, reported late
  };
  template <class R>
  struct PendingTask final : Pending {
    Task<R> task;
    explicit PendingTask(Task<R> t) : task(std::move(t)) {}
    bool done() const noexcept override { return task.done(); }
    ergod_result finish(GenServer& s) override { return s.late(task.take()); }
  };

  template <class R>
  ergod_result start(Task<R> task) {
    if (!task.done()) {
      pending_ = std::make_unique<PendingTask<R>>(std::move(task));
      return ergod_noreply();
    }
    ergod_result r = now(task.take());
    forget_args();
    return r;
  }
  void forget_args() noexcept {
    arg_ = Term();
    from_.term = Term();
  }
  // The continuation of a call: resumes the waiting coroutine, reports the callback's result
  // if that finished it.
  ergod_result resume(ergod_proc* p, std::coroutine_handle<> waiting) {
    InCallback in(*this, p);
    waiting.resume();
    if (!pending_ || !pending_->done()) return ergod_noreply();
    std::unique_ptr<Pending> finished = std::move(pending_);
    ergod_result r = finished->finish(*this);
    forget_args();
    return r;
  }

  // Results returned by the callback itself.
  static ergod_result now(InitResult r) {
    if (auto* s = std::get_if<Stop>(&r)) return ergod_stop(s->reason.release());
    if (std::holds_alternative<Ignore>(r)) return ergod_ignore();
    return ergod_ok();
  }
  static ergod_result now(CallResult r) {
    if (auto* rep = std::get_if<Reply>(&r)) return ergod_reply(rep->value.release());
    if (auto* s = std::get_if<Stop>(&r)) return {ERGOD_STOP, s->reply.release(), s->reason.release()};
    return ergod_noreply();
  }
  static ergod_result now(CastResult r) {
    if (auto* s = std::get_if<Stop>(&r)) return ergod_stop(s->reason.release());
    return ergod_noreply();
  }
  // Results of a callback that waited: the host already had NOREPLY, so replies go through
  // host->reply and the continuation returns what handle_info would.
  ergod_result late(InitResult r) {
    if (auto* s = std::get_if<Stop>(&r)) return ergod_stop(s->reason.release());
    if (std::holds_alternative<Ignore>(r)) return ergod_stop(nullptr);
    return ergod_noreply();
  }
  ergod_result late(CallResult r) {
    if (auto* rep = std::get_if<Reply>(&r)) {
      reply(from_, rep->value);
      return ergod_noreply();
    }
    if (auto* s = std::get_if<Stop>(&r)) {
      if (!s->reply.empty()) reply(from_, s->reply);
      return ergod_stop(s->reason.release());
    }
    return ergod_noreply();
  }
  ergod_result late(CastResult r) { return now(std::move(r)); }

  ergod_proc* proc_ = nullptr;
  std::unique_ptr<Pending> pending_;
  // The current callback's arguments, kept while its task runs (no other callback runs then).
  Term arg_;
  From from_;
};

namespace detail {

template <bool Throws>
class CallAwaiter {
 public:
  CallAwaiter(GenServer& s, const TermRef& dest, const TermRef& request, int64_t timeout_ms)
      : s_(s), dest_(Term::borrow(dest.get())), request_(Term::borrow(request.get())), timeout_(timeout_ms) {}

  bool await_ready() const noexcept { return false; }
  bool await_suspend(std::coroutine_handle<> waiting) {
    waiting_ = waiting;
    status_ = host().call(s_.proc(), dest_.handle(), request_.handle(), timeout_, &CallAwaiter::on_outcome, this);
    return status_ == ERGOD_OK;  // not sent: go on at once, await_resume reports it
  }
  auto await_resume() {
    if (status_ == ERGOD_ESTATE) throw std::logic_error("ergod::sdk::GenServer: a second call while one is pending");
    if (status_ != ERGOD_OK) {
      ok_ = false;
      value_ = status_ == ERGOD_ENOTFOUND ? atom("noproc")
               : timeout_ < infinity        ? bad_call_timeout(dest_, request_, integer(timeout_))
                                            : bad_call_destination(dest_);
    }
    if constexpr (Throws) {
      if (!ok_) throw CallFailed(value_, dest_, request_, timeout_);
      return std::move(value_);
    } else {
      return CallOutcome{ok_, std::move(value_)};
    }
  }

 private:
  static ergod_result on_outcome(ergod_proc* p, void* state, void* self, int ok, ergod_term value) noexcept;

  GenServer& s_;
  Term dest_, request_;
  int64_t timeout_;
  ergod_status status_ = ERGOD_OK;
  bool ok_ = false;
  Term value_;
  std::coroutine_handle<> waiting_;
};

// register_global / unregister_global: the transaction's answer resumes the coroutine.
class GlobalAwaiter {
 public:
  GlobalAwaiter(GenServer& s, const TermRef& name, bool reg) : s_(s), name_(Term::borrow(name.get())), reg_(reg) {}

  bool await_ready() const noexcept { return false; }
  bool await_suspend(std::coroutine_handle<> waiting) {
    waiting_ = waiting;
    status_ = reg_ ? host().global_register_name(s_.proc(), name_.handle(), nullptr, &GlobalAwaiter::on_answer, this)
                   : host().global_unregister_name(s_.proc(), name_.handle(), &GlobalAwaiter::on_answer, this);
    return status_ == ERGOD_OK;
  }
  bool await_resume() {
    if (status_ == ERGOD_ESTATE) throw std::logic_error("ergod::sdk::GenServer: a global name while a call is pending");
    if (status_ != ERGOD_OK) throw BadTerm("global name: bad argument " + detail::brief(name_));
    return answer_.is_atom("yes") || answer_.is_atom("ok");
  }

 private:
  static ergod_result on_answer(ergod_proc* p, void*, void* self, int, ergod_term value) noexcept;

  GenServer& s_;
  Term name_;
  bool reg_;
  ergod_status status_ = ERGOD_OK;
  Term answer_;
  std::coroutine_handle<> waiting_;
};

inline Term crash_reason(const char* what) { return tuple(atom("cxx_exception"), binary(what)); }

// Runs one callback body: an Exit ends the process with its reason, another exception with
// {cxx_exception, <<What>>}; with --abort-on-crash, those others reach this noexcept frame
// and std::terminate, leaving the throw site on the stack of the core dump.
template <class F>
ergod_result guarded(F&& body) noexcept {
  if (host().abort_on_crash()) {
    try {
      return body();
    } catch (const Exit& e) {
      return ergod_stop(Term(e.reason()).release());
    }
  }
  try {
    return body();
  } catch (const Exit& e) {
    return ergod_stop(Term(e.reason()).release());
  } catch (const std::exception& e) {
    return ergod_stop(crash_reason(e.what()).release());
  } catch (...) {
    return ergod_stop(crash_reason("unknown exception (not a std::exception)").release());
  }
}

template <bool Throws>
ergod_result CallAwaiter<Throws>::on_outcome(ergod_proc* p, void*, void* self, int ok, ergod_term value) noexcept {
  auto* a = static_cast<CallAwaiter*>(self);
  return guarded([&] {
    a->ok_ = ok != 0;
    a->value_ = Term::borrow(value);
    return a->s_.resume(p, a->waiting_);
  });
}

// The C callbacks of behavior S: state is the S object (a GenServer*).
template <class S>
struct Bridge {
  static GenServer& server(void* state) noexcept { return *static_cast<GenServer*>(state); }

  static ergod_result init(ergod_proc* p, ergod_term args, void** state) noexcept {
    return guarded([&] {
      GenServer* s = new S();
      *state = s;  // destroy frees it, whatever happens next
      GenServer::InCallback in(*s, p);
      s->arg_ = Term::borrow(args);
      return s->start(s->init(s->arg_));
    });
  }
  static ergod_result handle_call(ergod_proc* p, void* state, ergod_term request, ergod_term from) noexcept {
    return guarded([&] {
      GenServer& s = server(state);
      GenServer::InCallback in(s, p);
      s.arg_ = Term::borrow(request);
      s.from_.term = Term::borrow(from);
      return s.start(s.handle_call(s.arg_, s.from_));
    });
  }
  static ergod_result handle_cast(ergod_proc* p, void* state, ergod_term message) noexcept {
    return guarded([&] {
      GenServer& s = server(state);
      GenServer::InCallback in(s, p);
      s.arg_ = Term::borrow(message);
      return s.start(s.handle_cast(s.arg_));
    });
  }
  static ergod_result handle_info(ergod_proc* p, void* state, ergod_term message) noexcept {
    return guarded([&] {
      GenServer& s = server(state);
      GenServer::InCallback in(s, p);
      s.arg_ = Term::borrow(message);
      return s.start(s.handle_info(s.arg_));
    });
  }
  static void terminate(ergod_proc* p, void* state, ergod_term reason) noexcept {
    if (!state) return;
    ergod_result r = guarded([&] {
      GenServer& s = server(state);
      GenServer::InCallback in(s, p);
      s.pending_.reset();  // a callback still waiting is abandoned
      s.terminate(Term::borrow(reason));
      return ergod_noreply();
    });
    // The process is ending anyway: a failure here changes nothing, but its terms are ours.
    Term::adopt(r.value);
    Term::adopt(r.reason);
  }
  static void destroy(void* state) noexcept {
    if (!state) return;
    auto* s = static_cast<GenServer*>(state);
    s->pending_.reset();  // while the derived object, which the coroutine may use, still lives
    delete s;
  }

  static ergod_term get_state(ergod_proc*, void* state) noexcept {
    if (!state) return nullptr;
    try {
      Term t = server(state).sys_state();
      return t ? t.release() : nullptr;
    } catch (...) {
      return nullptr;  // the default shape is better than a crash in sys
    }
  }

  static constexpr ergod_gen_server table = {&init,      &handle_call, &handle_cast, &handle_info,
                                             &terminate, &destroy,     &get_state};
};

inline ergod_result GlobalAwaiter::on_answer(ergod_proc* p, void*, void* self, int, ergod_term value) noexcept {
  auto* a = static_cast<GlobalAwaiter*>(self);
  return guarded([&] {
    a->answer_ = Term::borrow(value);
    return a->s_.resume(p, a->waiting_);
  });
}

}  // namespace detail

inline detail::GlobalAwaiter GenServer::register_global(const TermRef& name) { return {*this, name, true}; }
inline detail::GlobalAwaiter GenServer::unregister_global(const TermRef& name) { return {*this, name, false}; }

inline detail::CallAwaiter<true> GenServer::call(const TermRef& dest, const TermRef& request, int64_t timeout_ms) {
  return {*this, dest, request, timeout_ms};
}
inline detail::CallAwaiter<false> GenServer::try_call(const TermRef& dest, const TermRef& request,
                                                      int64_t timeout_ms) {
  return {*this, dest, request, timeout_ms};
}

inline Spawned GenServer::spawn(const std::string& plugin, const std::string& behavior, const TermRef& args,
                                const SpawnOptions& options) {
  uint32_t flags = (options.link ? ERGOD_SPAWN_LINK : 0u) | (options.monitor ? ERGOD_SPAWN_MONITOR : 0u);
  ergod_term pid = nullptr, mon = nullptr;
  ergod_status st = host().spawn(proc(), plugin.c_str(), behavior.c_str(), args.get(), flags,
                                 options.name.empty() ? nullptr : options.name.c_str(), &pid, &mon);
  Spawned out{Term::adopt(pid), Term::adopt(mon)};
  if (st == ERGOD_ENOTFOUND) throw std::runtime_error("spawn: no behavior " + plugin + "/" + behavior);
  if (st == ERGOD_EEXIST) throw std::runtime_error("spawn: the name " + options.name + " is taken");
  if (st != ERGOD_OK) throw std::runtime_error("spawn " + plugin + "/" + behavior + ": bad argument");
  return out;
}

}  // namespace ergod::sdk
