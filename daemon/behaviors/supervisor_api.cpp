// supervisor: starting a supervisor (or any child server) and supervisor.erl's client calls,
// from a process (continuations) and from a non-worker thread (blocking). See supervisor.h.
#include <mutex>
#include <unordered_map>

#include "behaviors/blocking.h"
#include "behaviors/supervisor.h"
#include "behaviors/supervisor_detail.h"

namespace ergod::behaviors {

using namespace term::atoms;

namespace {

Term atom(const char* name) { return Term::atom(name); }

bool is_tuple_of(const Term& m, uint32_t arity, Atom first) {
  return m.is_tuple() && m.tuple_arity() == arity && m.element(0).is_atom(first);
}

// The parked ChildSpecs of start_child calls in flight.
struct ParkedSpecs {
  std::mutex mu;
  uint64_t next = 1;
  std::unordered_map<uint64_t, ChildSpec> specs;
};
ParkedSpecs& parked() {
  static ParkedSpecs p;
  return p;
}
Atom atom_child_spec() {
  static const Atom a = Atom::make("$ergod_child_spec");
  return a;
}
bool marker_key(const Term& marker, uint64_t& key) {
  return is_tuple_of(marker, 2, atom_child_spec()) && marker.element(1).to_uint64(key);
}

Term timeout_term(int64_t ms) { return ms == runtime::kInfinity ? Term::atom(infinity) : Term::integer(ms); }

// supervisor:call/2: gen_server:call(Sup, Req, infinity); the caller exits when it fails.
void sup_call(Process& self, const Term& sup, Term req, supervisor::ReplyContinuation k, Term marker = Term()) {
  Term saved = req;
  gen_server::try_call(self, sup, std::move(req), runtime::kInfinity,
                       [k = std::move(k), sup, saved, marker](Process& self, CallOutcome o) mutable {
                         if (marker) detail::drop_spec(marker);
                         if (o.ok) return k(self, std::move(o.value));
                         Term where = Term::tuple({atom("gen_server"), atom("call"),
                                                   Term::list({sup, saved, timeout_term(runtime::kInfinity)})});
                         self.exit(Term::tuple({std::move(o.value), std::move(where)}));
                       });
}

}  // namespace

namespace detail {

Atom started_tag() {
  static const Atom a = Atom::make("$ergod_supervisor_started");
  return a;
}

void start_server(Process& self, std::unique_ptr<GenServer> server, Term args, const StartOptions& opts, bool link,
                  gen_server::StartContinuation k) {
  if (!prepare_supervisor(*server, self.self(), link)) {
    if (link) return gen_server::start_link(self, std::move(server), std::move(args), opts, std::move(k));
    return gen_server::start(self, std::move(server), std::move(args), opts, std::move(k));
  }
  // A supervisor links itself to its parent in init (so that gen_server does not take its
  // parent's EXIT), acks, starts its children, then sends started_tag() with the result.
  gen_server::start(self, std::move(server), std::move(args), opts, [k = std::move(k)](Process& self, Term r) mutable {
    if (!is_tuple_of(r, 2, ok)) return k(self, std::move(r));
    Term pid = r.element(1);
    Term mref = self.monitor(pid);
    self.receive(
        [pid, mref](const Term& m) {
          if (is_tuple_of(m, 3, started_tag())) return m.element(1) == pid;
          return is_tuple_of(m, 5, DOWN) && m.element(1) == mref;
        },
        runtime::kInfinity,
        [k = std::move(k), mref](Process& self, std::optional<Term> m) mutable {
          if (is_tuple_of(*m, 5, DOWN)) return k(self, Term::tuple({Term::atom(error), m->element(4)}));
          self.demonitor(mref, true);
          k(self, m->element(2));
        });
  });
}

Term park_spec(ChildSpec spec) {
  auto& p = parked();
  std::lock_guard lock(p.mu);
  uint64_t key = p.next++;
  p.specs.emplace(key, std::move(spec));
  return Term::tuple({Term::atom(atom_child_spec()), Term::unsigned_integer(key)});
}

std::optional<ChildSpec> take_spec(const Term& marker) {
  uint64_t key = 0;
  if (!marker_key(marker, key)) return std::nullopt;
  auto& p = parked();
  std::lock_guard lock(p.mu);
  auto it = p.specs.find(key);
  if (it == p.specs.end()) return std::nullopt;
  ChildSpec spec = std::move(it->second);
  p.specs.erase(it);
  return spec;
}

void drop_spec(const Term& marker) {
  uint64_t key = 0;
  if (!marker_key(marker, key)) return;
  auto& p = parked();
  std::lock_guard lock(p.mu);
  p.specs.erase(key);
}

}  // namespace detail

namespace supervisor {

void start_link(Process& self, SupervisorSpec spec, const StartOptions& opts, StartContinuation k) {
  detail::start_server(self, make_supervisor(std::move(spec)), Term::nil(), opts, true, std::move(k));
}

void start(Process& self, SupervisorSpec spec, const StartOptions& opts, StartContinuation k) {
  detail::start_server(self, make_supervisor(std::move(spec)), Term::nil(), opts, false, std::move(k));
}

void start_link(Process& self, std::unique_ptr<GenServer> server, Term args, const StartOptions& opts,
                StartContinuation k) {
  detail::start_server(self, std::move(server), std::move(args), opts, true, std::move(k));
}

Term start(Runtime& rt, SupervisorSpec spec, const StartOptions& opts) {
  auto shared = std::make_shared<SupervisorSpec>(std::move(spec));
  return detail::run_blocking(rt, [shared, opts](Process& self, auto done) mutable {
    start(self, std::move(*shared), opts, std::move(done));
  });
}

void start_child(Process& self, const Term& sup, ChildSpec spec, ReplyContinuation k) {
  Term marker = detail::park_spec(std::move(spec));
  sup_call(self, sup, Term::tuple({atom("start_child"), marker}), std::move(k), marker);
}
CallOutcome start_child(Runtime& rt, const Term& sup, ChildSpec spec, int64_t timeout_ms) {
  Term marker = detail::park_spec(std::move(spec));
  CallOutcome o = gen_server::call(rt, sup, Term::tuple({atom("start_child"), marker}), timeout_ms);
  detail::drop_spec(marker);
  return o;
}

void start_child(Process& self, const Term& sup, Term extra_args, ReplyContinuation k) {
  sup_call(self, sup, Term::tuple({atom("start_child"), std::move(extra_args)}), std::move(k));
}
CallOutcome start_child(Runtime& rt, const Term& sup, Term extra_args, int64_t timeout_ms) {
  return gen_server::call(rt, sup, Term::tuple({atom("start_child"), std::move(extra_args)}), timeout_ms);
}

void terminate_child(Process& self, const Term& sup, Term id_or_pid, ReplyContinuation k) {
  sup_call(self, sup, Term::tuple({atom("terminate_child"), std::move(id_or_pid)}), std::move(k));
}
CallOutcome terminate_child(Runtime& rt, const Term& sup, Term id_or_pid, int64_t timeout_ms) {
  return gen_server::call(rt, sup, Term::tuple({atom("terminate_child"), std::move(id_or_pid)}), timeout_ms);
}

void restart_child(Process& self, const Term& sup, Term id, ReplyContinuation k) {
  sup_call(self, sup, Term::tuple({atom("restart_child"), std::move(id)}), std::move(k));
}
CallOutcome restart_child(Runtime& rt, const Term& sup, Term id, int64_t timeout_ms) {
  return gen_server::call(rt, sup, Term::tuple({atom("restart_child"), std::move(id)}), timeout_ms);
}

void delete_child(Process& self, const Term& sup, Term id, ReplyContinuation k) {
  sup_call(self, sup, Term::tuple({atom("delete_child"), std::move(id)}), std::move(k));
}
CallOutcome delete_child(Runtime& rt, const Term& sup, Term id, int64_t timeout_ms) {
  return gen_server::call(rt, sup, Term::tuple({atom("delete_child"), std::move(id)}), timeout_ms);
}

void get_childspec(Process& self, const Term& sup, Term id_or_pid, ReplyContinuation k) {
  sup_call(self, sup, Term::tuple({atom("get_childspec"), std::move(id_or_pid)}), std::move(k));
}
CallOutcome get_childspec(Runtime& rt, const Term& sup, Term id_or_pid, int64_t timeout_ms) {
  return gen_server::call(rt, sup, Term::tuple({atom("get_childspec"), std::move(id_or_pid)}), timeout_ms);
}

void which_children(Process& self, const Term& sup, ReplyContinuation k) {
  sup_call(self, sup, atom("which_children"), std::move(k));
}
CallOutcome which_children(Runtime& rt, const Term& sup, int64_t timeout_ms) {
  return gen_server::call(rt, sup, atom("which_children"), timeout_ms);
}

void count_children(Process& self, const Term& sup, ReplyContinuation k) {
  sup_call(self, sup, atom("count_children"), std::move(k));
}
CallOutcome count_children(Runtime& rt, const Term& sup, int64_t timeout_ms) {
  return gen_server::call(rt, sup, atom("count_children"), timeout_ms);
}

}  // namespace supervisor
}  // namespace ergod::behaviors
