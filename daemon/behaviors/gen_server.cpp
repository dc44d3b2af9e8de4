// gen_server: the server process (GenServerProcess: init/ack, the receive loop, terminate)
// and the client functions (start, call, cast, reply, stop), following gen.erl, proc_lib.erl
// and gen_server.erl of OTP 25.
#include "behaviors/gen_server.h"

#include <exception>

#include "behaviors/blocking.h"
#include "behaviors/sys.h"

namespace ergod::behaviors {

using namespace term::atoms;
using runtime::ProcessBehavior;

namespace {

Term atom(const char* name) { return Term::atom(name); }

// Atoms outside the fixed set, interned once.
Atom atom_ack() {
  static const Atom a = Atom::make("ack");
  return a;
}
Atom atom_system() {
  static const Atom a = Atom::make("system");
  return a;
}
Atom atom_terminate() {
  static const Atom a = Atom::make("terminate");
  return a;
}

Term exception_reason(const std::exception& e) {
  return Term::tuple({atom("cxx_exception"), Term::binary(std::string_view(e.what()))});
}
Term unknown_exception_reason() {
  return Term::tuple({atom("cxx_exception"), Term::binary(std::string_view("unknown"))});
}

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

bool is_tuple_of(const Term& m, uint32_t arity, Atom first) {
  return m.is_tuple() && m.tuple_arity() == arity && m.element(0).is_atom(first);
}

// Hands result to k from the receive loop rather than from inside the caller's callback.
void complete_later(Process& self, Term result, gen_server::StartContinuation k) {
  Term ref = self.make_ref();
  self.send(self.self(), Term::tuple({ref, std::move(result)}));
  self.receive([ref](const Term& m) { return m.is_tuple() && m.tuple_arity() == 2 && m.element(0) == ref; },
               runtime::kInfinity,
               [k = std::move(k)](Process& self, std::optional<Term> m) mutable { k(self, m->element(1)); });
}

}  // namespace

// ---- default callbacks --------------------------------------------------------------------------

InitResult GenServer::init(const Term&) { return InitOk{}; }
CallResult GenServer::handle_call(const Term& request, const Term&) {
  return Stop{Term::tuple({atom("bad_call"), request}), Term()};
}
InfoResult GenServer::handle_cast(const Term& message) { return Stop{Term::tuple({atom("bad_cast"), message}), Term()}; }
InfoResult GenServer::handle_info(const Term&) { return NoReply{}; }
void GenServer::terminate(const Term&) {}
void GenServer::reply(const Term& from, Term value) { gen_server::reply(*process_, from, std::move(value)); }
Term GenServer::sys_state() { return Term::tuple({atom("cxx_state"), sys_module()}); }
Term GenServer::sys_module() const { return atom("ergod_cxx"); }
Term GenServer::sys_initial_call() const { return Term::tuple({sys_module(), atom("init"), Term::integer(1)}); }
std::vector<Term> GenServer::sys_status_extra() const { return {}; }
Term GenServer::sys_parent() const { return Term(); }

// ---- the server process -------------------------------------------------------------------------

class GenServerProcess final : public ProcessBehavior {
 public:
  GenServerProcess(std::unique_ptr<GenServer> server, Term args, Term starter, Term parent, std::optional<Atom> name)
      : server_(std::move(server)), args_(std::move(args)), starter_(std::move(starter)),
        parent_(std::move(parent)), name_(name) {}

  void init(Process& self) override {
    server_->process_ = &self;
    // sys's view: OTP's Parent is the linked starter, else the process itself.
    sys_.parent = parent_ ? parent_ : self.self();
    sys_.ancestors = starter_ ? Term::list({starter_}) : parent_ ? Term::list({parent_}) : Term::nil();
    Term args = std::move(args_);
    Term ack_value, reason;
    bool ok = false;
    try {
      InitResult result = server_->init(args);
      std::visit(Overloaded{
                     [&](InitOk&) {
                       ok = true;
                       ack_value = Term::tuple({Term::atom(term::atoms::ok), self.self()});
                     },
                     [&](Stop& s) {
                       reason = s.reason;
                       ack_value = Term::tuple({Term::atom(error), s.reason});
                     },
                     [&](Ignore&) {
                       reason = Term::atom(normal);
                       ack_value = atom("ignore");
                     },
                 },
                 result);
    } catch (const std::exception& e) {
      reason = exception_reason(e);
      ack_value = Term::tuple({Term::atom(error), reason});
    } catch (...) {
      reason = unknown_exception_reason();
      ack_value = Term::tuple({Term::atom(error), reason});
    }
    // As gen_server.erl: the name goes before the starter hears of the failure, so that it
    // can start the server again at once.
    if (!ok && name_) self.runtime().unregister_name(*name_);
    // gen_server::spawn has no starter waiting for the ack.
    if (starter_) self.send(starter_, Term::tuple({Term::atom(atom_ack()), self.self(), std::move(ack_value)}));
    starter_ = Term();
    if (!ok) self.exit(std::move(reason));
  }

  void handle_message(Process& self, Term m) override {
    try {
      if (is_tuple_of(m, 3, gen_call)) {
        on_call(self, m.element(2), m.element(1));
      } else if (is_tuple_of(m, 2, gen_cast)) {
        on_result(self, server_->handle_cast(m.element(1)));
      } else if (is_tuple_of(m, 3, atom_system())) {
        on_system(self, m.element(1), m.element(2));
      } else if (parent_ && is_tuple_of(m, 3, EXIT) && m.element(1) == parent_) {
        terminate_and_exit(self, m.element(2));  // the parent ended: so do we (OTP)
      } else {
        on_result(self, server_->handle_info(m));
      }
    } catch (const std::exception& e) {
      terminate_and_exit(self, exception_reason(e));
    } catch (...) {
      terminate_and_exit(self, unknown_exception_reason());
    }
  }

 private:
  void on_call(Process& self, const Term& request, const Term& from) {
    CallResult r = server_->handle_call(request, from);
    if (auto* reply = std::get_if<Reply>(&r)) {
      if (!from.is_tuple() || from.tuple_arity() != 2) {
        // gen:reply has no clause for such a From: OTP's server crashes there, no terminate.
        Term frame = Term::tuple({Term::atom(term::Atom::make("gen")), Term::atom(term::Atom::make("reply")),
                                  Term::list({from, std::move(reply->value)}), Term::nil()});
        self.exit(Term::tuple({Term::atom(term::Atom::make("function_clause")), Term::list({frame})}));
        return;
      }
      gen_server::reply(self, from, std::move(reply->value));
    } else if (auto* stop = std::get_if<Stop>(&r)) {
      // gen_server.erl: terminate first, then the reply (in an `after`), then exit.
      Term reply = std::move(stop->reply);
      Term reason = std::move(stop->reason);
      call_terminate(reason);
      if (reply) gen_server::reply(self, from, std::move(reply));
      self.exit(std::move(reason));
    }
  }

  void on_result(Process& self, InfoResult r) {
    if (auto* stop = std::get_if<Stop>(&r)) terminate_and_exit(self, std::move(stop->reason));
  }

  void on_system(Process& self, const Term& from, const Term& request) {
    // A supervisor names its parent itself (it links to it in its own init).
    if (Term p = server_->sys_parent()) sys_.parent = p;
    // sys.erl: the reply, then Mod:system_terminate (terminate, exit with Reason) or go on.
    sys::Next next = sys::handle(self, *server_, sys_, from, request);
    if (next.terminate) return terminate_and_exit(self, std::move(next.reason));
    if (sys_.suspended) wait_suspended(self);
  }

  // sys's suspend_loop: only system messages and the parent's EXIT; the others wait.
  void wait_suspended(Process& self) {
    Term parent = parent_ ? parent_ : server_->sys_parent();
    self.receive(
        [parent](const Term& m) {
          return sys::is_system_message(m) || (parent && is_tuple_of(m, 3, EXIT) && m.element(1) == parent);
        },
        runtime::kInfinity,
        [this](Process& self, std::optional<Term> m) {
          try {
            if (!sys::is_system_message(*m)) {
              sys_.suspended = false;
              if (parent_) return terminate_and_exit(self, m->element(2));
              return on_result(self, server_->handle_info(*m));  // a supervisor stops its children
            }
            on_system(self, m->element(1), m->element(2));
          } catch (const std::exception& e) {
            terminate_and_exit(self, exception_reason(e));
          } catch (...) {
            terminate_and_exit(self, unknown_exception_reason());
          }
        });
  }

  // Runs terminate; an exception from it replaces the reason, as in OTP.
  void call_terminate(Term& reason) {
    try {
      server_->terminate(reason);
    } catch (const std::exception& e) {
      reason = exception_reason(e);
    } catch (...) {
      reason = unknown_exception_reason();
    }
  }

  void terminate_and_exit(Process& self, Term reason) {
    call_terminate(reason);
    self.exit(std::move(reason));
  }

  std::unique_ptr<GenServer> server_;
  Term args_, starter_, parent_;
  std::optional<Atom> name_;
  sys::Context sys_;
};

// ---- client functions ---------------------------------------------------------------------------

namespace gen_server {
namespace {

void start_impl(Process& self, std::unique_ptr<GenServer> server, Term args, const StartOptions& opts, bool link,
                StartContinuation k) {
  if (opts.name) {
    if (Term existing = self.runtime().whereis(*opts.name)) {
      complete_later(self, Term::tuple({Term::atom(error), Term::tuple({atom("already_started"), existing})}),
                     std::move(k));
      return;
    }
  }
  runtime::SpawnOptions so;
  so.link = link;
  so.monitor = !link;
  so.name = opts.name;
  auto spawned = self.spawn(std::make_unique<GenServerProcess>(std::move(server), std::move(args), self.self(),
                                                               link ? self.self() : Term(), opts.name),
                            so);
  if (!spawned) {
    Term existing = opts.name ? self.runtime().whereis(*opts.name) : Term();
    Term reason = existing ? Term::tuple({atom("already_started"), existing}) : Term::atom(system_limit);
    complete_later(self, Term::tuple({Term::atom(error), reason}), std::move(k));
    return;
  }
  Term pid = spawned->pid, mref = spawned->monitor;
  // proc_lib's sync_start / sync_start_link.
  self.receive(
      [pid, mref, link](const Term& m) {
        if (is_tuple_of(m, 3, atom_ack())) return m.element(1) == pid;
        if (link) return is_tuple_of(m, 3, EXIT) && m.element(1) == pid;
        return is_tuple_of(m, 5, DOWN) && m.element(1) == mref;
      },
      opts.timeout,
      [k = std::move(k), pid, mref, link](Process& self, std::optional<Term> m) mutable {
        Term result;
        if (!m) {  // proc_lib:kill_flush
          if (link) self.unlink(pid); else self.demonitor(mref, true);
          self.exit(pid, Term::atom(kill));
          result = Term::tuple({Term::atom(error), Term::atom(timeout)});
        } else if (m->element(0).is_atom(atom_ack())) {
          if (!link) self.demonitor(mref, true);
          result = m->element(2);
        } else {
          result = Term::tuple({Term::atom(error), link ? m->element(2) : m->element(4)});
        }
        k(self, std::move(result));
      });
}

Term timeout_term(int64_t ms) { return ms == runtime::kInfinity ? Term::atom(infinity) : Term::integer(ms); }

}  // namespace

void start(Process& self, std::unique_ptr<GenServer> server, Term args, const StartOptions& opts,
           StartContinuation k) {
  start_impl(self, std::move(server), std::move(args), opts, false, std::move(k));
}

void start_link(Process& self, std::unique_ptr<GenServer> server, Term args, const StartOptions& opts,
                StartContinuation k) {
  start_impl(self, std::move(server), std::move(args), opts, true, std::move(k));
}

Term start(Runtime& rt, std::unique_ptr<GenServer> server, Term args, const StartOptions& opts) {
  return detail::run_blocking(rt, [server = std::move(server), args, opts](Process& self, auto done) mutable {
    start(self, std::move(server), std::move(args), opts, std::move(done));
  });
}

Result<runtime::Spawned> spawn(Process& self, std::unique_ptr<GenServer> server, Term args,
                               const runtime::SpawnOptions& opts) {
  return self.spawn(std::make_unique<GenServerProcess>(std::move(server), std::move(args), Term(),
                                                       opts.link ? self.self() : Term(), opts.name),
                    opts);
}

namespace {
// The destination, kept for the exit reason of a failed call. A local pid is kept as its id and
// serial and rebuilt (equal, as node and creation are the runtime's) only if the call fails:
// a copy of it would cost two atomic operations per call on a reference count that every
// caller of a busy server shares (call_64to1). Anything else is copied.
class CallDest {
 public:
  CallDest(Process& self, const Term& dest) {
    auto* p = dest.is_pid() ? dest.as<term::PidBox>() : nullptr;
    if (p && p->node == self.runtime().node() && p->creation == self.runtime().creation()) {
      id_ = p->id;
      serial_ = p->serial;
    } else {
      other_ = dest;
    }
  }
  Term get(Process& self) const {
    return other_ ? other_ : Term::pid(self.runtime().node(), id_, serial_, self.runtime().creation());
  }

 private:
  Term other_;  // none for a local pid
  uint32_t id_ = 0, serial_ = 0;
};
}  // namespace

void call(Process& self, const Term& dest, Term request, int64_t timeout_ms, ReplyContinuation k) {
  Term req = request;
  auto then = [k = std::move(k), dest = CallDest(self, dest), req = std::move(req), timeout_ms](
                  Process& self, CallOutcome o) mutable {
    if (o.ok) {
      k(self, std::move(o.value));
      return;
    }
    // gen_server:call's catch: exit({Reason, {gen_server, call, [Dest, Request, Timeout]}}).
    Term where = Term::tuple({atom("gen_server"), atom("call"), Term::list({dest.get(self), req, timeout_term(timeout_ms)})});
    self.exit(Term::tuple({std::move(o.value), std::move(where)}));
  };
  // Kept inline by CallContinuation (no allocation per call) only up to its 96 bytes.
  static_assert(sizeof(then) <= 96);
  self.call(dest, gen_call, std::move(request), timeout_ms, std::move(then));
}

void try_call(Process& self, const Term& dest, Term request, int64_t timeout_ms, runtime::CallContinuation k) {
  self.call(dest, gen_call, std::move(request), timeout_ms, std::move(k));
}

CallOutcome call(Runtime& rt, const Term& dest, Term request, int64_t timeout_ms) {
  return rt.call(dest, gen_call, std::move(request), timeout_ms);
}

void cast(Process& self, const Term& dest, Term message) {
  self.send(dest, Term::tuple({Term::atom(gen_cast), std::move(message)}));
}

void cast(Runtime& rt, const Term& dest, Term message) {
  rt.send(dest, Term::tuple({Term::atom(gen_cast), std::move(message)}));
}

namespace {
// gen:reply's choice of destination (inside from; nullptr when from is malformed).
const Term* reply_destination(const Term& from) {
  if (!from.is_tuple() || from.tuple_arity() != 2) return nullptr;
  const Term& tag = from.element(1);
  if (tag.is_cons()) {
    if (tag.head().is_atom(alias) && tag.tail().is_reference()) return &tag.tail();
    const Term& inner = tag.head();
    if (inner.is_cons() && inner.head().is_atom(alias) && inner.tail().is_reference()) return &inner.tail();
  }
  return &from.element(0);
}

// {Tag, Reply}, built with moves.
Term reply_message(const Term& from, Term value) {
  Term parts[2] = {from.element(1), std::move(value)};
  return Term::tuple_take(parts, 2);
}
}  // namespace

void reply(Process& self, const Term& from, Term value) {
  if (const Term* dest = reply_destination(from)) self.send(*dest, reply_message(from, std::move(value)));
}

void reply(Runtime& rt, const Term& from, Term value) {
  if (const Term* dest = reply_destination(from)) rt.send(*dest, reply_message(from, std::move(value)));
}

void stop(Process& self, const Term& dest, Term reason, int64_t timeout_ms, StartContinuation k) {
  Term pid = dest;
  if (dest.is_atom()) pid = self.runtime().whereis(dest.atom_value());
  if (!pid || !pid.is_pid()) {
    complete_later(self, Term::atom(noproc), std::move(k));
    return;
  }
  Term mref = self.monitor(pid);
  // sys:terminate's message; its `ok` reply goes to an alias that was never made, so the
  // runtime drops it: what counts is the DOWN (proc_lib:stop waits for it too).
  Term tag = Term::cons(Term::atom(alias), self.make_ref());
  self.send(pid, Term::tuple({Term::atom(atom_system()), Term::tuple({self.self(), tag}),
                              Term::tuple({Term::atom(atom_terminate()), reason})}));
  self.receive([mref](const Term& m) { return is_tuple_of(m, 5, DOWN) && m.element(1) == mref; }, timeout_ms,
               [k = std::move(k), mref, reason](Process& self, std::optional<Term> m) mutable {
                 Term result;
                 if (!m) {
                   self.demonitor(mref, true);
                   result = Term::atom(timeout);
                 } else {
                   const Term& why = m->element(4);
                   result = why == reason ? Term::atom(ok) : why;
                 }
                 k(self, std::move(result));
               });
}

Term stop(Runtime& rt, const Term& dest, Term reason, int64_t timeout_ms) {
  return detail::run_blocking(rt, [dest, reason, timeout_ms](Process& self, auto done) mutable {
    stop(self, dest, std::move(reason), timeout_ms, std::move(done));
  });
}

}  // namespace gen_server
}  // namespace ergod::behaviors
