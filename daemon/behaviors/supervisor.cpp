// supervisor: the server. The child table, start-up, restarts per strategy and restart type,
// the restart intensity, shutdowns (brutal_kill, timeout, infinity) and the request protocol of
// supervisor.erl (OTP 25). Every wait (a child's init, a child's DOWN) is a Process::receive
// whose continuation carries on, so the worker is never blocked. The start functions and the
// client calls are in supervisor_api.cpp.
#include <chrono>
#include <deque>
#include <exception>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/log.h"
#include "behaviors/supervisor.h"
#include "behaviors/supervisor_detail.h"
#include "term/utf8.h"

namespace ergod::behaviors {

using namespace term::atoms;

namespace {

Term atom(const char* name) { return Term::atom(name); }
Term ok_tuple(Term v) { return Term::tuple({Term::atom(ok), std::move(v)}); }
Term error_tuple(Term v) { return Term::tuple({Term::atom(error), std::move(v)}); }

bool is_tuple_of(const Term& m, uint32_t arity, Atom first) {
  return m.is_tuple() && m.tuple_arity() == arity && m.element(0).is_atom(first);
}
bool is_tuple_of(const Term& m, uint32_t arity, const char* first) {
  return m.is_tuple() && m.tuple_arity() == arity && m.element(0) == Term::atom(first);
}

Atom atom_kill_timer() {
  static const Atom a = Atom::make("$ergod_supervisor_kill");
  return a;
}

// normal, shutdown and {shutdown, _}: the reasons after which a transient child stays down.
bool is_clean_exit(const Term& r) {
  return r.is_atom(normal) || r.is_atom(shutdown) || is_tuple_of(r, 2, shutdown);
}

// Args ++ Extra, for simple_one_for_one (both proper lists).
Term append_lists(const Term& a, const Term& b) {
  std::vector<Term> items;
  for (Term t = a; t.is_cons(); t = t.tail()) items.push_back(t.head());
  return Term::list(std::span<const Term>(items), b);
}

Term exception_reason(const char* what) {
  return Term::tuple({atom("cxx_exception"), Term::binary(std::string_view(what))});
}

using Done = runtime::InlineFunction<void(Term), 64>;

}  // namespace

// ---- the server -----------------------------------------------------------------------------

class Supervisor final : public GenServer {
 public:
  explicit Supervisor(SupervisorSpec spec) : spec_(std::move(spec)) {}

  Term starter_;  // set by detail::start_server: gets {'$ergod_supervisor_started', Self, Result}
  Term parent_;   // set by detail::start_server for start_link: its EXIT stops us (we wait)

  InitResult init(const Term&) override {
    Process& p = process();
    p.set_trap_exit(true);
    if (parent_) p.link(parent_);  // a dead parent: {'EXIT', Parent, noproc} arrives
    if (Term bad = check_spec()) return Stop{bad, Term()};
    if (simple()) {
      send_started(ok_tuple(self()));
      return InitOk{};
    }
    for (auto& c : spec_.children) children_.push_back(Child{std::move(c), Term(), false});
    spec_.children.clear();
    start_range(0, [this](Term failure) {
      if (!failure) return send_started(ok_tuple(self()));
      stop_range(0, [this, failure](Term) {
        Term reason = Term::tuple({Term::atom(shutdown), failure});
        // As proc_lib: the name goes before the starter hears, so it can start us again.
        if (auto name = process().registered_name()) process().runtime().unregister_name(*name);
        send_started(error_tuple(reason));
        process().exit(reason);
      });
    });
    return InitOk{};
  }

  CallResult handle_call(const Term& req, const Term& from) override;
  InfoResult handle_cast(const Term& msg) override;
  InfoResult handle_info(const Term& msg) override;
  void terminate(const Term& reason) override;

  // sys: what OTP's supervisor shows, with ergod_supervisor as the callback module.
  Term sys_state() override;
  Term sys_module() const override { return atom("ergod_supervisor"); }
  Term sys_initial_call() const override { return Term::tuple({atom("supervisor"), sys_module(), Term::integer(1)}); }
  std::vector<Term> sys_status_extra() const override {
    Term callback = Term::tuple({term::chars("Callback"), sys_module()});
    return {Term::tuple({atom("supervisor"), Term::list({callback})})};
  }
  Term sys_parent() const override { return parent_; }

 private:
  struct Child {
    ChildSpec spec;
    Term pid;                 // none: undefined
    bool restarting = false;  // a restart failed; try_again_restart will try again
  };
  struct Dynamic {  // a simple_one_for_one child, by pid (the old pid while restarting)
    Term args;
    bool restarting = false;
  };

  bool simple() const { return spec_.strategy == Strategy::simple_one_for_one; }
  const ChildSpec& templ() const { return spec_.children.front(); }

  Term check_spec() const {
    if (simple()) {
      if (spec_.children.size() != 1)
        return Term::tuple({atom("bad_start_spec"), Term::integer(int64_t(spec_.children.size()))});
      const Term& a = templ().args;
      if (a && term::list_length(a) < 0)
        return Term::tuple({atom("start_spec"), Term::tuple({atom("args_not_a_list"), a})});
    }
    for (size_t i = 0; i < spec_.children.size(); ++i) {
      const ChildSpec& c = spec_.children[i];
      if (!c.make) return Term::tuple({atom("start_spec"), Term::tuple({atom("no_factory"), c.id})});
      for (size_t j = 0; j < i; ++j)
        if (spec_.children[j].id == c.id)
          return Term::tuple({atom("start_spec"), Term::tuple({atom("duplicate_child_name"), c.id})});
    }
    return Term();
  }

  void send_started(Term result) {
    if (!starter_) return;
    process().send(starter_, Term::tuple({Term::atom(detail::started_tag()), self(), std::move(result)}));
    starter_ = Term();
  }

  // ---- logging, in the words of OTP's supervisor reports -----------------------------------

  std::string name_for_log() {
    if (auto n = process().registered_name()) return "{local," + std::string(n->name()) + "}";
    return term::to_string(self());
  }
  // OTP's single-line report prints each term with ~tp: <<"boom">>, not <<98,111,111,109>>.
  void report(const char* context, const Term& reason, const Term& id, const Term& pid) {
    constexpr auto p = term::PrintStyle::p;
    std::string line = "Supervisor: " + name_for_log() + ". Context: " + context +
                       ". Reason: " + term::to_string(reason, 2048, p) + ". Offender: id=" +
                       term::to_string(id, 256, p) + ",pid=" + (pid ? term::to_string(pid) : "undefined") + ".";
    log(LogLevel::error, spec_.log_source, line);
  }
  void report_started(const Term& id, const Term& pid) {
    if (!log_enabled(LogLevel::debug, spec_.log_source)) return;
    log(LogLevel::debug, spec_.log_source,
        "Supervisor: " + name_for_log() + ". Started: id=" + term::to_string(id, 256, term::PrintStyle::p) +
            ",pid=" + term::to_string(pid) + ".");
  }

  // ---- starting one child: done gets the pid, {ok, undefined} (ignore) or {error, R} --------

  void start_one(const ChildSpec& spec, Term args, Done done) {
    std::unique_ptr<GenServer> server;
    try {
      server = spec.make();
    } catch (const std::exception& e) {
      return done(error_tuple(exception_reason(e.what())));
    } catch (...) {
      return done(error_tuple(exception_reason("unknown")));
    }
    if (!server) return done(error_tuple(atom("no_server")));
    StartOptions opts;
    opts.name = spec.name;
    Term id = spec.id;
    detail::start_server(process(), std::move(server), args ? std::move(args) : Term::nil(), opts, true,
                         [this, id, done = std::move(done)](Process&, Term r) mutable {
                           if (is_tuple_of(r, 2, ok) && r.element(1).is_pid()) {
                             report_started(id, r.element(1));
                             return done(r.element(1));
                           }
                           if (r.is_atom() && r == atom("ignore")) return done(ok_tuple(Term::atom(undefined)));
                           if (is_tuple_of(r, 2, error)) return done(std::move(r));
                           done(error_tuple(std::move(r)));
                         });
  }

  // ---- stopping one child: OTP's shutdown/1 and unlink_flush/2; done gets none ---------------

  void stop_one(Term pid, const ChildSpec& spec, Done done) {
    Process& p = process();
    bool brutal = spec.shutdown_ms == kBrutalKill;
    Term mref = p.monitor(pid);
    p.exit(pid, Term::atom(brutal ? kill : shutdown));
    int64_t wait = brutal ? runtime::kInfinity : spec.shutdown_ms;
    bool permanent = spec.restart == RestartType::permanent;
    Term id = spec.id;
    auto is_down = [mref](const Term& m) { return is_tuple_of(m, 5, DOWN) && m.element(1) == mref; };
    p.receive(is_down, wait,
              [this, pid, mref, brutal, permanent, id, done = std::move(done)](Process& p, std::optional<Term> m) mutable {
                auto finish = [this, pid, brutal, permanent, id](Process& p, Term reason, Done done) {
                  p.unlink(pid);
                  auto judge = [this, pid, brutal, permanent, id](Term r, Done done) {
                    bool fine = (brutal && r.is_atom(killed)) || r.is_atom(shutdown) ||
                                (!permanent && is_clean_exit(r));
                    if (!fine) report("shutdown_error", r, id, pid);
                    done(Term());
                  };
                  // Dead before our signal: the EXIT already here has the real reason.
                  if (!reason.is_atom(noproc)) return judge(std::move(reason), std::move(done));
                  p.receive([pid](const Term& m) { return is_tuple_of(m, 3, EXIT) && m.element(1) == pid; }, 0,
                            [judge, done = std::move(done)](Process&, std::optional<Term> m) mutable {
                              judge(m ? m->element(2) : Term::atom(noproc), std::move(done));
                            });
                };
                if (m) return finish(p, m->element(4), std::move(done));
                p.exit(pid, Term::atom(kill));  // the shutdown timeout passed
                p.receive([mref](const Term& m) { return is_tuple_of(m, 5, DOWN) && m.element(1) == mref; },
                          runtime::kInfinity,
                          [finish, done = std::move(done)](Process& p, std::optional<Term> m) mutable {
                            finish(p, m->element(4), std::move(done));
                          });
              });
  }

  // ---- sequences over the static children (children_ is in start order) ---------------------

  // Starts children [i, end) in order. done gets none, or {failed_to_start_child, Id, Reason}
  // at the first failure (the children after it are left as they were).
  void start_range(size_t i, Done done) {
    if (i >= children_.size()) return done(Term());
    Term args = children_[i].spec.args;
    start_one(children_[i].spec, std::move(args), [this, i, done = std::move(done)](Term r) mutable {
      Child& c = children_[i];
      if (r.is_pid()) {
        c.pid = r;
        c.restarting = false;
        return start_range(i + 1, std::move(done));
      }
      if (is_tuple_of(r, 2, ok)) {  // ignore: kept with pid undefined; a temporary one is dropped
        c.pid = Term();
        c.restarting = false;
        if (c.spec.restart == RestartType::temporary) {
          children_.erase(children_.begin() + long(i));
          return start_range(i, std::move(done));
        }
        return start_range(i + 1, std::move(done));
      }
      report("start_error", r.element(1), c.spec.id, Term());
      done(Term::tuple({atom("failed_to_start_child"), c.spec.id, r.element(1)}));
    });
  }

  // Stops children [first, end) from the last to the first; then their pids are undefined and
  // the temporary ones are gone (OTP's terminate_children).
  void stop_range(size_t first, Done done) { stop_range_from(first, children_.size(), std::move(done)); }
  void stop_range_from(size_t first, size_t i, Done done) {
    while (i > first) {
      --i;
      Child& c = children_[i];
      c.restarting = false;
      if (c.pid) {
        Term pid = std::move(c.pid);
        c.pid = Term();
        return stop_one(pid, c.spec, [this, first, i, done = std::move(done)](Term) mutable {
          stop_range_from(first, i, std::move(done));
        });
      }
    }
    for (size_t j = children_.size(); j > first; --j)
      if (children_[j - 1].spec.restart == RestartType::temporary) children_.erase(children_.begin() + long(j - 1));
    done(Term());
  }

  // ---- dynamic children (simple_one_for_one) -------------------------------------------------

  // Stops them all at once, as OTP's terminate_dynamic_children: exit signals to all, one
  // timer for the shutdown time, then kill whoever is left.
  void stop_dynamic(Done done) {
    Process& p = process();
    const ChildSpec& t = templ();
    bool brutal = t.shutdown_ms == kBrutalKill;
    auto waiting = std::make_shared<std::unordered_map<Term, Term, term::TermHash>>();  // mref -> pid
    for (auto& [pid, d] : dynamic_) {
      if (d.restarting) continue;
      (*waiting)[p.monitor(pid)] = pid;
      p.exit(pid, Term::atom(brutal ? kill : shutdown));
    }
    dynamic_.clear();
    restarting_dynamic_ = 0;
    if (waiting->empty()) return done(Term());
    Term tag = p.make_ref(), tref;
    if (!brutal && t.shutdown_ms != runtime::kInfinity)
      tref = p.send_after(t.shutdown_ms, self(), Term::tuple({Term::atom(atom_kill_timer()), tag}));
    wait_dynamic(std::move(waiting), tag, tref, brutal, std::move(done));
  }

  void wait_dynamic(std::shared_ptr<std::unordered_map<Term, Term, term::TermHash>> waiting, Term tag, Term tref,
                    bool brutal, Done done) {
    auto match = [waiting, tag](const Term& m) {
      if (is_tuple_of(m, 5, DOWN)) return waiting->count(m.element(1)) > 0;
      return is_tuple_of(m, 2, atom_kill_timer()) && m.element(1) == tag;
    };
    process().receive(match, runtime::kInfinity,
                      [this, waiting, tag, tref, brutal, done = std::move(done)](Process& p, std::optional<Term> m) mutable {
                        if (is_tuple_of(*m, 2, atom_kill_timer())) {
                          for (auto& [mref, pid] : *waiting) p.exit(pid, Term::atom(kill));
                        } else {
                          auto it = waiting->find(m->element(1));
                          Term pid = it->second;
                          waiting->erase(it);
                          p.unlink(pid);
                          const Term& r = m->element(4);
                          bool permanent = templ().restart == RestartType::permanent;
                          bool fine = (brutal && r.is_atom(killed)) || r.is_atom(shutdown) ||
                                      (!permanent && is_clean_exit(r));
                          if (!fine) report("shutdown_error", r, templ().id, pid);
                        }
                        if (!waiting->empty()) return wait_dynamic(waiting, tag, tref, brutal, std::move(done));
                        if (tref) p.cancel_timer(tref);  // a timer already sent is ignored in handle_info
                        done(Term());
                      });
  }

  // ---- restarts -----------------------------------------------------------------------------

  // OTP's add_restart: false when this restart is one too many within the period.
  bool add_restart() {
    int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                      std::chrono::steady_clock::now().time_since_epoch()).count();
    while (!restarts_.empty() && restarts_.front() < now - int64_t(spec_.period_s)) restarts_.pop_front();
    restarts_.push_back(now);
    return restarts_.size() <= spec_.intensity;
  }

  // Stops every child (reverse start order), then exits with reason.
  void stop_all_and_exit(Term reason) {
    auto then = [this, reason](Term) { process().exit(reason); };
    if (simple()) return stop_dynamic(then);
    stop_range(0, then);
  }

  size_t index_of_id(const Term& id) const {
    for (size_t i = 0; i < children_.size(); ++i)
      if (children_[i].spec.id == id) return i;
    return children_.size();
  }
  size_t index_of_pid(const Term& pid) const {
    for (size_t i = 0; i < children_.size(); ++i)
      if (children_[i].pid && children_[i].pid == pid) return i;
    return children_.size();
  }

  // pid undefined, or gone for a temporary child (OTP's del_child).
  void del_child(size_t i) {
    if (children_[i].spec.restart == RestartType::temporary) {
      children_.erase(children_.begin() + long(i));
      return;
    }
    children_[i].pid = Term();
    children_[i].restarting = false;
  }

  void on_child_exit(size_t i, const Term& reason) {
    Child& c = children_[i];
    Term pid = c.pid;
    if (c.spec.restart == RestartType::permanent || (c.spec.restart == RestartType::transient && !is_clean_exit(reason))) {
      report("child_terminated", reason, c.spec.id, pid);
      return restart(i);
    }
    if (!is_clean_exit(reason)) report("child_terminated", reason, c.spec.id, pid);
    del_child(i);
  }

  void restart(size_t i) {
    if (!add_restart()) {
      report("shutdown", atom("reached_max_restart_intensity"), children_[i].spec.id, children_[i].pid);
      del_child(i);
      return stop_all_and_exit(Term::atom(shutdown));
    }
    Child& c = children_[i];
    Term id = c.spec.id;
    c.pid = Term();
    if (spec_.strategy == Strategy::one_for_one) {
      Term args = c.spec.args;
      return start_one(c.spec, std::move(args), [this, id](Term r) {
        size_t j = index_of_id(id);
        if (j == children_.size()) return;
        if (r.is_pid()) {
          children_[j].pid = r;
          children_[j].restarting = false;
        } else if (is_tuple_of(r, 2, error)) {
          report("start_error", r.element(1), id, Term());
          try_again(j);
        }
      });
    }
    size_t first = spec_.strategy == Strategy::rest_for_one ? i : 0;
    stop_range(first, [this, id, first](Term) {
      size_t from = first;
      if (spec_.strategy == Strategy::rest_for_one) from = std::min(index_of_id(id), children_.size());
      start_range(from, [this](Term failure) {
        if (!failure) return;
        size_t j = index_of_id(failure.element(1));
        if (j < children_.size()) try_again(j);
      });
    });
  }

  // OTP's try_again_restart: back to the mailbox first (a stop request may be waiting).
  void try_again(size_t i) {
    children_[i].pid = Term();
    children_[i].restarting = true;
    gen_server::cast(process(), self(), Term::tuple({atom("try_again_restart"), children_[i].spec.id}));
  }

  void on_dynamic_exit(const Term& pid, const Term& reason) {
    auto it = dynamic_.find(pid);
    const ChildSpec& t = templ();
    if (t.restart == RestartType::permanent || (t.restart == RestartType::transient && !is_clean_exit(reason))) {
      report("child_terminated", reason, t.id, pid);
      return restart_dynamic(pid);
    }
    if (!is_clean_exit(reason)) report("child_terminated", reason, t.id, pid);
    dynamic_.erase(it);
  }

  void restart_dynamic(Term old_pid) {
    if (!add_restart()) {
      report("shutdown", atom("reached_max_restart_intensity"), templ().id, old_pid);
      forget_dynamic(old_pid);
      return stop_all_and_exit(Term::atom(shutdown));
    }
    Term args = dynamic_[old_pid].args;
    forget_dynamic(old_pid);
    start_one(templ(), args, [this, old_pid, args](Term r) {
      if (r.is_pid()) {
        dynamic_[r] = Dynamic{args, false};
      } else if (is_tuple_of(r, 2, error)) {
        report("start_error", r.element(1), templ().id, Term());
        dynamic_[old_pid] = Dynamic{args, true};
        ++restarting_dynamic_;
        gen_server::cast(process(), self(),
                         Term::tuple({atom("try_again_restart"), Term::tuple({atom("restarting"), old_pid})}));
      }
    });
  }

  void forget_dynamic(const Term& pid) {
    auto it = dynamic_.find(pid);
    if (it == dynamic_.end()) return;
    if (it->second.restarting) --restarting_dynamic_;
    dynamic_.erase(it);
  }

  // ---- requests -----------------------------------------------------------------------------

  Term modules_of(const ChildSpec& c) const { return detail::child_modules(c); }
  static Term type_atom(const ChildSpec& c) { return atom(c.type == ChildType::worker ? "worker" : "supervisor"); }

  Term which_children() const;
  Term count_children();
  CallResult start_child_call(const Term& arg, const Term& from);
  CallResult terminate_child_call(const Term& id, const Term& from);
  CallResult restart_child_call(const Term& id, const Term& from);
  CallResult delete_child_call(const Term& id);
  Term get_childspec(const Term& id_or_pid) const;

  SupervisorSpec spec_;  // children moved to children_, except the simple_one_for_one template
  std::vector<Child> children_;
  std::unordered_map<Term, Dynamic, term::TermHash> dynamic_;
  size_t restarting_dynamic_ = 0;
  std::deque<int64_t> restarts_;  // monotonic seconds, oldest first
};

// ---- callbacks ----------------------------------------------------------------------------------

CallResult Supervisor::handle_call(const Term& req, const Term& from) {
  if (req.is_atom() && req == atom("which_children")) return Reply{which_children()};
  if (req.is_atom() && req == atom("count_children")) return Reply{count_children()};
  if (is_tuple_of(req, 2, "start_child")) return start_child_call(req.element(1), from);
  if (is_tuple_of(req, 2, "terminate_child")) return terminate_child_call(req.element(1), from);
  if (is_tuple_of(req, 2, "restart_child")) return restart_child_call(req.element(1), from);
  if (is_tuple_of(req, 2, "delete_child")) return delete_child_call(req.element(1));
  if (is_tuple_of(req, 2, "get_childspec")) return Reply{get_childspec(req.element(1))};
  log(LogLevel::warning, spec_.log_source,
      "Supervisor: " + name_for_log() + ". Unknown call: " + term::to_string(req, 1024, term::PrintStyle::p) + ".");
  return Reply{error_tuple(Term::tuple({atom("unknown_call"), req}))};
}

InfoResult Supervisor::handle_cast(const Term& msg) {
  if (!is_tuple_of(msg, 2, "try_again_restart")) return NoReply{};
  const Term& key = msg.element(1);
  if (simple()) {
    if (!is_tuple_of(key, 2, "restarting")) return NoReply{};
    auto it = dynamic_.find(key.element(1));
    if (it != dynamic_.end() && it->second.restarting) restart_dynamic(key.element(1));
    return NoReply{};
  }
  size_t i = index_of_id(key);
  if (i < children_.size() && children_[i].restarting) restart(i);
  return NoReply{};
}

InfoResult Supervisor::handle_info(const Term& msg) {
  if (is_tuple_of(msg, 3, EXIT)) {
    const Term& pid = msg.element(1);
    const Term& reason = msg.element(2);
    if (parent_ && pid == parent_) {
      stop_all_and_exit(reason);
      return NoReply{};
    }
    if (simple()) {
      auto it = dynamic_.find(pid);
      if (it != dynamic_.end() && !it->second.restarting) on_dynamic_exit(pid, reason);
      return NoReply{};
    }
    size_t i = index_of_pid(pid);
    if (i < children_.size()) on_child_exit(i, reason);
    return NoReply{};  // not a child (any more): OTP ignores it
  }
  if (is_tuple_of(msg, 2, atom_kill_timer())) return NoReply{};  // fired after the wait ended
  log(LogLevel::error, spec_.log_source,
      "Supervisor received unexpected message: " + term::to_string(msg, 1024, term::PrintStyle::p));
  return NoReply{};
}

// Only reached when the supervisor was stopped through gen_server (a system terminate, or its
// parent's EXIT when gen_server::start_link started it): terminate cannot wait, so the children
// get their exit signals in reverse start order and the supervisor does not wait for them.
void Supervisor::terminate(const Term&) {
  Process& p = process();
  for (size_t i = children_.size(); i > 0; --i) {
    Child& c = children_[i - 1];
    if (c.pid) p.exit(c.pid, Term::atom(c.spec.shutdown_ms == kBrutalKill ? kill : shutdown));
    c.pid = Term();
  }
  if (simple()) {
    bool brutal = templ().shutdown_ms == kBrutalKill;
    for (auto& [pid, d] : dynamic_)
      if (!d.restarting) p.exit(pid, Term::atom(brutal ? kill : shutdown));
    dynamic_.clear();
  }
}

// ---- requests -----------------------------------------------------------------------------------

Term Supervisor::which_children() const {
  std::vector<Term> out;
  if (simple()) {
    const ChildSpec& t = templ();
    for (auto& [pid, d] : dynamic_)
      out.push_back(Term::tuple({Term::atom(undefined), d.restarting ? atom("restarting") : pid, type_atom(t), modules_of(t)}));
    return Term::list(std::span<const Term>(out));
  }
  for (size_t i = children_.size(); i > 0; --i) {  // last started first, as OTP
    const Child& c = children_[i - 1];
    Term pid = c.restarting ? atom("restarting") : c.pid ? c.pid : Term::atom(undefined);
    out.push_back(Term::tuple({c.spec.id, pid, type_atom(c.spec), modules_of(c.spec)}));
  }
  return Term::list(std::span<const Term>(out));
}

Term Supervisor::count_children() {
  int64_t specs = 0, active = 0, sups = 0, workers = 0;
  if (simple()) {
    specs = 1;
    int64_t n = int64_t(dynamic_.size());
    active = n - int64_t(restarting_dynamic_);
    (templ().type == ChildType::supervisor ? sups : workers) = n;
  } else {
    for (const Child& c : children_) {
      ++specs;
      (c.spec.type == ChildType::supervisor ? sups : workers) += 1;
      if (c.pid && process().runtime().is_alive(c.pid)) ++active;
    }
  }
  auto kv = [](const char* k, int64_t v) { return Term::tuple({atom(k), Term::integer(v)}); };
  return Term::list({kv("specs", specs), kv("active", active), kv("supervisors", sups), kv("workers", workers)});
}

CallResult Supervisor::start_child_call(const Term& arg, const Term& from) {
  // A parked C++ ChildSpec, only from a process of this node.
  std::optional<ChildSpec> parked;
  if (is_tuple_of(arg, 2, "$ergod_child_spec") && from.is_tuple() && from.tuple_arity() == 2 &&
      from.element(0).is_pid() && process().runtime().node() == from.element(0).as<term::PidBox>()->node)
    parked = detail::take_spec(arg);
  if (simple()) {
    if (parked) return Reply{error_tuple(atom("simple_one_for_one"))};
    Term args = append_lists(templ().args ? templ().args : Term::nil(), arg);
    if (term::list_length(arg) < 0) {
      // OTP: apply(M, F, A ++ Extra) fails inside a catch: {error, {'EXIT', {badarg, Stack}}}.
      Term start = detail::child_start(templ());
      Term mfa = Term::list({start.element(0), start.element(1), append_lists(start.element(2), arg)});
      Term stack = Term::list({Term::tuple({atom("erlang"), atom("apply"), mfa, Term::nil()})});
      return Reply{error_tuple(Term::tuple({Term::atom(EXIT), Term::tuple({Term::atom(badarg), stack})}))};
    }
    Term keep = templ().restart == RestartType::temporary ? Term::atom(undefined) : args;
    start_one(templ(), args, [this, from, keep](Term r) {
      if (r.is_pid()) {
        dynamic_[r] = Dynamic{keep, false};
        return gen_server::reply(process(), from, ok_tuple(r));
      }
      gen_server::reply(process(), from, r);  // {ok, undefined} or {error, R}
    });
    return NoReply{};
  }
  if (!parked) {
    // As OTP: the spec is checked, then its id; only a valid new one meets ergod's limit.
    Term id;
    if (Term what = detail::check_erlang_child_spec(arg, id)) return Reply{error_tuple(what)};
    size_t i = index_of_id(id);
    if (i < children_.size()) {
      if (children_[i].pid) return Reply{error_tuple(Term::tuple({atom("already_started"), children_[i].pid}))};
      return Reply{error_tuple(atom("already_present"))};
    }
    return Reply{error_tuple(Term::tuple({atom("cxx_child_spec_required"), arg}))};
  }
  size_t i = index_of_id(parked->id);
  if (i < children_.size()) {
    if (children_[i].pid) return Reply{error_tuple(Term::tuple({atom("already_started"), children_[i].pid}))};
    return Reply{error_tuple(atom("already_present"))};
  }
  if (!parked->make) return Reply{error_tuple(Term::tuple({atom("no_factory"), parked->id}))};
  auto spec = std::make_shared<ChildSpec>(std::move(*parked));
  Term args = spec->args;
  start_one(*spec, std::move(args), [this, from, spec](Term r) {
    if (r.is_pid()) {
      children_.push_back(Child{std::move(*spec), r, false});
      return gen_server::reply(process(), from, ok_tuple(r));
    }
    if (is_tuple_of(r, 2, ok)) {  // ignore
      if (spec->restart != RestartType::temporary) children_.push_back(Child{std::move(*spec), Term(), false});
      return gen_server::reply(process(), from, r);
    }
    gen_server::reply(process(), from, error_tuple(Term::tuple({r.element(1), spec->id})));
  });
  return NoReply{};
}

CallResult Supervisor::terminate_child_call(const Term& id, const Term& from) {
  if (simple()) {
    if (!id.is_pid()) return Reply{error_tuple(atom("simple_one_for_one"))};
    auto it = dynamic_.find(id);
    if (it == dynamic_.end())
      return Reply{process().runtime().is_alive(id) ? error_tuple(atom("not_found")) : Term::atom(ok)};
    if (it->second.restarting) {
      forget_dynamic(id);
      return Reply{Term::atom(ok)};
    }
    dynamic_.erase(it);
    stop_one(id, templ(), [this, from](Term) { gen_server::reply(process(), from, Term::atom(ok)); });
    return NoReply{};
  }
  size_t i = index_of_id(id);
  if (i == children_.size()) return Reply{error_tuple(atom("not_found"))};
  if (!children_[i].pid) {
    del_child(i);
    return Reply{Term::atom(ok)};
  }
  Term pid = std::move(children_[i].pid);
  children_[i].pid = Term();
  stop_one(pid, children_[i].spec, [this, id, from](Term) {
    size_t j = index_of_id(id);
    if (j < children_.size()) del_child(j);
    gen_server::reply(process(), from, Term::atom(ok));
  });
  return NoReply{};
}

CallResult Supervisor::restart_child_call(const Term& id, const Term& from) {
  if (simple()) return Reply{error_tuple(atom("simple_one_for_one"))};
  size_t i = index_of_id(id);
  if (i == children_.size()) return Reply{error_tuple(atom("not_found"))};
  if (children_[i].restarting) return Reply{error_tuple(atom("restarting"))};
  if (children_[i].pid) return Reply{error_tuple(atom("running"))};
  Term args = children_[i].spec.args;
  start_one(children_[i].spec, std::move(args), [this, id, from](Term r) {
    size_t j = index_of_id(id);
    if (r.is_pid()) {
      if (j < children_.size()) children_[j].pid = r;
      return gen_server::reply(process(), from, ok_tuple(r));
    }
    gen_server::reply(process(), from, r);  // {ok, undefined} or {error, R}
  });
  return NoReply{};
}

CallResult Supervisor::delete_child_call(const Term& id) {
  if (simple()) return Reply{error_tuple(atom("simple_one_for_one"))};
  size_t i = index_of_id(id);
  if (i == children_.size()) return Reply{error_tuple(atom("not_found"))};
  if (children_[i].restarting) return Reply{error_tuple(atom("restarting"))};
  if (children_[i].pid) return Reply{error_tuple(atom("running"))};
  children_.erase(children_.begin() + long(i));
  return Reply{Term::atom(ok)};
}

// A tuple shaped as supervisor.erl's #state record: {state, Name, Strategy, {Ids, Db},
// Dynamics, Intensity, Period, Restarts, DynamicRestarts, AutoShutdown, Module, Args}; each
// child as #child: {child, Pid, Id, Start, Restart, Significant, Shutdown, Type, Modules}.
Term Supervisor::sys_state() {
  static const char* strategies[] = {"one_for_one", "one_for_all", "rest_for_one", "simple_one_for_one"};
  auto restart_atom = [](RestartType r) {
    return atom(r == RestartType::permanent ? "permanent" : r == RestartType::transient ? "transient" : "temporary");
  };
  auto shutdown_term = [](int64_t ms) {
    return ms == kBrutalKill ? atom("brutal_kill") : ms == runtime::kInfinity ? Term::atom(infinity) : Term::integer(ms);
  };
  auto child_record = [&](const ChildSpec& c, Term pid) {
    return Term::tuple({atom("child"), std::move(pid), c.id, detail::child_start(c), restart_atom(c.restart),
                        Term::atom(term::atoms::false_), shutdown_term(c.shutdown_ms), type_atom(c), modules_of(c)});
  };
  Term name = process().registered_name() ? Term::tuple({atom("local"), Term::atom(*process().registered_name())})
                                          : Term::tuple({self(), sys_module()});
  std::vector<Term> ids;
  std::vector<std::pair<Term, Term>> db;
  Term dynamics = Term::atom(undefined);
  if (simple()) {
    ids.push_back(templ().id);
    db.emplace_back(templ().id, child_record(templ(), Term::atom(undefined)));
    std::vector<std::pair<Term, Term>> dyn;
    std::vector<Term> pids;
    for (auto& [pid, d] : dynamic_) {
      dyn.emplace_back(pid, d.args ? d.args : Term::nil());
      pids.push_back(pid);
    }
    dynamics = templ().restart == RestartType::temporary
                   ? Term::tuple({atom("sets"), Term::list(std::span<const Term>(pids))})
                   : Term::tuple({atom("maps"), Term::map(std::span<const std::pair<Term, Term>>(dyn))});
  } else {
    for (size_t i = children_.size(); i > 0; --i) {  // as which_children: last started first
      const Child& c = children_[i - 1];
      Term pid = c.restarting ? Term::tuple({atom("restarting"), c.pid ? c.pid : Term::atom(undefined)})
                 : c.pid      ? c.pid
                              : Term::atom(undefined);
      ids.push_back(c.spec.id);
      db.emplace_back(c.spec.id, child_record(c.spec, pid));
    }
  }
  std::vector<Term> restart_terms;
  for (int64_t t : restarts_) restart_terms.insert(restart_terms.begin(), Term::integer(t));
  return Term::tuple({atom("state"), name, atom(strategies[int(spec_.strategy)]),
                      Term::tuple({Term::list(std::span<const Term>(ids)), Term::map(std::span<const std::pair<Term, Term>>(db))}),
                      dynamics, Term::integer(int64_t(spec_.intensity)), Term::integer(int64_t(spec_.period_s)),
                      Term::list(std::span<const Term>(restart_terms)), Term::integer(int64_t(restarting_dynamic_)),
                      atom("never"), sys_module(), Term::nil()});
}

// OTP's find_child + child_to_spec. simple_one_for_one: a child's pid, a dead pid (OTP's
// find_child takes any dead pid for one of its children) or the template's id give the
// template; a live pid of another process is not_found.
Term Supervisor::get_childspec(const Term& id) const {
  Term not_found = error_tuple(atom("not_found"));
  if (simple()) {
    if (id.is_pid()) {
      if (dynamic_.count(id)) return ok_tuple(detail::child_spec_map(templ()));
      // OTP's is_process_alive raises for another node's pid (the supervisor crashes); we answer.
      if (id.as<term::PidBox>()->node != process().runtime().node() || process().runtime().is_alive(id))
        return not_found;
      return ok_tuple(detail::child_spec_map(templ()));
    }
    return id == templ().id ? ok_tuple(detail::child_spec_map(templ())) : not_found;
  }
  size_t i = index_of_id(id);
  return i < children_.size() ? ok_tuple(detail::child_spec_map(children_[i].spec)) : not_found;
}

// ---- construction -------------------------------------------------------------------------------

std::unique_ptr<GenServer> make_supervisor(SupervisorSpec spec) { return std::make_unique<Supervisor>(std::move(spec)); }

ChildSpec supervisor_child(Term id, std::function<SupervisorSpec()> make_spec) {
  ChildSpec c;
  c.id = std::move(id);
  c.make = [make_spec = std::move(make_spec)] { return make_supervisor(make_spec()); };
  c.args = Term::nil();
  c.start = Term::tuple({atom("ergod_supervisor"), atom("start_link"), Term::list({c.id})});
  c.shutdown_ms = runtime::kInfinity;
  c.type = ChildType::supervisor;
  return c;
}

namespace detail {

bool prepare_supervisor(GenServer& server, const Term& starter, bool link) {
  auto* sup = dynamic_cast<Supervisor*>(&server);
  if (!sup) return false;
  sup->starter_ = starter;
  if (link) sup->parent_ = starter;
  return true;
}

}  // namespace detail
}  // namespace ergod::behaviors
