// See erpc.h.
#include "services/erpc.h"

#include <memory>
#include <vector>

#include "services/spawn_options.h"

namespace ergod::services {
namespace {

enum class Mode { call, cast, plain };

// The spawned process: waits for `go` (sent after its monitor and link are in place, so an
// immediate exit still reaches the requester), runs the function, exits with its outcome.
class Runner final : public runtime::ProcessBehavior {
 public:
  Runner(const FunctionRegistry& fns, Mode mode, Term ref, Term m, Term f, Term a)
      : fns_(fns), mode_(mode), ref_(std::move(ref)), m_(std::move(m)), f_(std::move(f)), a_(std::move(a)) {}

  void handle_message(runtime::Process& self, Term m) override {
    if (wake_) {
      // Waiting for a later result (timer:sleep, disconnect_node): only {wake_, Value} (or
      // a raise for wake_) ends it.
      ApplyResult later;
      if (read_later_message(m, wake_, later)) self.exit(exit_reason(std::move(later)));
      return;
    }
    ApplyResult r = fns_.apply(self, m_, f_, a_);
    if (r.is_later()) {
      wake_ = r.later_ref ? r.later_ref : self.make_ref();
      if (!r.later_ref && r.delay_ms > 0) self.send_after(r.delay_ms, self.self(), Term::tuple({wake_, r.value}));
      return;
    }
    self.exit(exit_reason(std::move(r)));
  }

 private:
  Term exit_reason(ApplyResult r) const {
    using K = ApplyResult::Kind;
    if (mode_ == Mode::call) {
      switch (r.kind) {
        case K::return_: return Term::tuple({ref_, Term::atom("return"), r.value});
        case K::throw_: return Term::tuple({ref_, Term::atom("throw"), r.value});
        case K::exit: return Term::tuple({ref_, Term::atom("exit"), r.value});
        case K::error: return Term::tuple({ref_, Term::atom("error"), r.value, r.stack});
      }
    }
    // A function run as a process body: what BEAM's process would exit with.
    switch (r.kind) {
      case K::return_: return Term::atom(term::atoms::normal);
      case K::exit: return r.value;
      case K::throw_:
        return Term::tuple({Term::tuple({Term::atom("nocatch"), r.value}), Term::nil()});
      case K::error:
        if (mode_ == Mode::plain) return Term::tuple({r.value, process_stack(r.stack)});
        if (mode_ == Mode::cast)
          return Term::tuple({Term::atom("exception"), Term::tuple({r.value, r.stack})});
        return Term::tuple({r.value, r.stack});
    }
    return Term::atom(term::atoms::normal);
  }

  // A process started as erlang:apply(Fun, Args) begins in the fun: erts' stack of its crash
  // has no erlang:apply/2 frame below it (undef: [{Fun, Args, []}]).
  Term process_stack(const Term& stack) const {
    static const Atom apply = Atom::make("apply");
    if (!m_.is_atom(term::atoms::erlang) || !f_.is_atom(apply) || term::list_length(a_) != 2) return stack;
    std::vector<Term> frames;
    for (Term l = stack; l.is_cons(); l = l.tail()) frames.push_back(l.head());
    if (frames.size() < 2) return stack;
    const Term& last = frames.back();
    if (last.is_tuple() && last.tuple_arity() == 4 && last.element(0).is_atom(term::atoms::erlang) &&
        last.element(1).is_atom(apply))
      frames.pop_back();
    return Term::list(frames);
  }

  const FunctionRegistry& fns_;
  Mode mode_;
  Term ref_, m_, f_, a_;
  Term wake_;  // set while a later result is awaited: the reference of its message
};

bool list_has(const Term& list, Atom a) {
  for (Term l = list; l.is_cons(); l = l.tail())
    if (l.head().is_atom(a)) return true;
  return false;
}

// {monitor, MonitorOpts}: a monitor too (its alias and tag options are the requester's).
bool has_monitor_tuple(const Term& list) {
  static const Atom monitor = Atom::make("monitor");
  for (Term l = list; l.is_cons(); l = l.tail())
    if (l.head().is_tuple() && l.head().tuple_arity() == 2 && l.head().element(0).is_atom(monitor)) return true;
  return false;
}

// The n elements of a proper list of exactly n, or false.
bool list_elems(const Term& list, Term* out, size_t n) {
  Term l = list;
  for (size_t i = 0; i < n; ++i) {
    if (!l.is_cons()) return false;
    out[i] = l.head();
    l = l.tail();
  }
  return l.is_nil();
}

}  // namespace

void ErpcServer::handle(const dist::SpawnRequest& req) {
  const Term& mfa = req.mfa;
  auto refuse = [&](const char* why) {
    dist_.send_spawn_reply(req.node, req.req_id, req.from, 0, Term::atom(why));
  };
  if (!mfa.is_tuple() || mfa.tuple_arity() != 3 || term::list_length(req.args) < 0) return refuse("badarg");
  switch (check_spawn_options(req.options)) {
    case SpawnOptionsCheck::ok: break;
    case SpawnOptionsCheck::badopt: return refuse("badopt");
    case SpawnOptionsCheck::badarg: return refuse("badarg");
  }

  static const Atom erpc = Atom::make("erpc"), execute_call = Atom::make("execute_call"),
                    execute_cast = Atom::make("execute_cast"), link = Atom::make("link"),
                    monitor = Atom::make("monitor");
  Mode mode = Mode::plain;
  Term ref, m = mfa.element(0), f = mfa.element(1), a = req.args;
  if (mfa.element(0).is_atom(erpc) && mfa.element(1).is_atom(execute_call)) {
    Term e[4];
    if (!list_elems(req.args, e, 4)) return refuse("badarg");
    mode = Mode::call;
    ref = e[0], m = e[1], f = e[2], a = e[3];
  } else if (mfa.element(0).is_atom(erpc) && mfa.element(1).is_atom(execute_cast)) {
    Term e[3];
    if (!list_elems(req.args, e, 3)) return refuse("badarg");
    mode = Mode::cast;
    m = e[0], f = e[1], a = e[2];
  }
  if (term::list_length(a) < 0) return refuse("badarg");

  auto spawned = rt_.spawn(std::make_unique<Runner>(fns_, mode, ref, m, f, a));
  if (!spawned) return refuse("system_limit");
  const Term& pid = spawned->pid;
  uint64_t flags = 0;
  if (list_has(req.options, link)) {
    rt_.deliver_link(req.from, pid);
    flags |= 1;
  }
  if (list_has(req.options, monitor) || has_monitor_tuple(req.options)) {
    // spawn_request's monitor is named by the request id itself.
    rt_.deliver_monitor(req.from, pid, req.req_id);
    flags |= 2;
  }
  dist_.send_spawn_reply(req.node, req.req_id, req.from, flags, pid);
  rt_.send(pid, Term::atom("go"));
}

}  // namespace ergod::services
