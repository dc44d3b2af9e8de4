// See net_kernel.h.
#include "services/net_kernel.h"

#include "base/log.h"
#include "behaviors/gen_server.h"
#include "dist/node_name.h"
#include "runtime/ids.h"

namespace ergod::services {
namespace {

using namespace behaviors;

bool is(const Term& t, const char* tag, uint32_t arity) {
  return t.is_tuple() && t.tuple_arity() == arity && t.element(0).is_atom(Atom::make(tag));
}

// The domain dist dials by (an IP address host is long too, dotted or not).
bool long_names(Atom me) { return dist::own_name_domain(me.name()) == dist::NameDomain::longnames; }

Term state_map(Atom me) {
  return Term::map({{Term::atom("started"), Term::atom("static")},
                    {Term::atom("name_type"), Term::atom("static")},
                    {Term::atom("name"), Term::atom(me)},
                    {Term::atom("name_domain"), Term::atom(long_names(me) ? "longnames" : "shortnames")}});
}

class NetKernel final : public GenServer {
 public:
  explicit NetKernel(NetKernelEnv env) : env_(std::move(env)) {}

  CallResult handle_call(const Term& r, const Term& from) override {
    Atom me = process().runtime().node();
    if (is(r, "is_auth", 2)) return Reply{Term::atom("yes")};
    if (is(r, "connect", 3) || is(r, "passive_cnct", 2)) {
      const Term& node = r.element(r.tuple_arity() - 1);
      if (node.is_atom(me)) return Reply{Term::atom(term::atoms::true_)};
      if (!node.is_atom() || !env_.connect) return Reply{Term::atom(term::atoms::false_)};
      // Answered when the connection is up or has failed, as net_kernel does.
      Runtime* rt = &process().runtime();
      env_.connect(std::string(node.atom_value().name()), [rt, from](bool ok) {
        gen_server::reply(*rt, from, Term::atom(ok ? term::atoms::true_ : term::atoms::false_));
      });
      return NoReply{};
    }
    if (is(r, "disconnect", 2)) {
      const Term& node = r.element(1);
      if (!node.is_atom() || node.is_atom(me) || !env_.disconnect) return Reply{Term::atom(term::atoms::false_)};
      // Answered once the connection is gone, as net_kernel waits for its controller's exit.
      // A caller on that node gets no answer (its call fails with {nodedown, Us}): net_kernel
      // answers with noconnect, so the answer does not bring the connection back.
      Runtime* rt = &process().runtime();
      bool caller_there = from.is_tuple() && from.tuple_arity() == 2 && from.element(0).is_pid() &&
                          runtime::pid_node(from.element(0)) == node.atom_value();
      env_.disconnect(std::string(node.atom_value().name()), [rt, from, caller_there](bool done) {
        if (done && caller_there) return;
        gen_server::reply(*rt, from, Term::atom(done ? term::atoms::true_ : term::atoms::false_));
      });
      return NoReply{};
    }
    if (is(r, "getopts", 3) || is(r, "setopts", 3)) {
      // net_kernel asks the connection's owner; with no connection up, it answers at once.
      const Term& node = r.element(1);
      bool up = node.is_atom() && env_.connected && env_.connected(std::string(node.atom_value().name()));
      if (!node.is_atom(Atom::make("new")) && !up)
        return Reply{Term::tuple({Term::atom(term::atoms::error), Term::atom("noconnection")})};
      return NoReply{};
    }
    if (r.is_atom(Atom::make("get_state"))) return Reply{state_map(me)};
    if (r.is_atom(Atom::make("ticktime"))) return Reply{Term::integer(env_.ticktime_ms)};
    if (r.is_atom(Atom::make("longnames")))
      return Reply{Term::atom(long_names(me) ? term::atoms::true_ : term::atoms::false_)};
    if (r.is_atom(Atom::make("nodename"))) return Reply{Term::atom(me)};
    if (is(r, "allow", 2)) {
      // net_kernel.erl: a list of atoms is appended to the list, anything else is error.
      std::vector<Term> nodes;
      Term l = r.element(1);
      for (; l.is_cons() && l.head().is_atom(); l = l.tail()) nodes.push_back(l.head());
      if (!l.is_nil()) return Reply{Term::atom(term::atoms::error)};
      std::vector<std::string> names;
      for (const Term& n : nodes) names.emplace_back(n.atom_value().name());
      allowed_.insert(allowed_.end(), nodes.begin(), nodes.end());
      if (env_.allow) env_.allow(std::move(names));
      return Reply{Term::atom(term::atoms::ok)};
    }
    if (r.is_atom(Atom::make("allowed"))) return Reply{Term::tuple({Term::atom(term::atoms::ok), Term::list(allowed_)})};
    return NoReply{};  // net_kernel.erl: handle_call(_Msg, _From, State) -> {noreply, State}.
  }
  InfoResult handle_info(const Term& m) override {
    ergod::log_warning("net_kernel got " + term::to_string(m, 512));
    return NoReply{};
  }
  InfoResult handle_cast(const Term& m) override {
    // net_kernel:async_disconnect/1: the same without an answer.
    if (is(m, "async_disconnect", 2) && m.element(1).is_atom() &&
        !m.element(1).is_atom(process().runtime().node()) && env_.disconnect)
      env_.disconnect(std::string(m.element(1).atom_value().name()), [](bool) {});
    return NoReply{};
  }

 private:
  NetKernelEnv env_;
  std::vector<Term> allowed_;  // net_kernel:allow/1 so far, in order
};

}  // namespace

namespace {
// Starts op(node, done) and answers the call with done's true/false when it comes (as a
// message to the process running the call), as net_kernel answers once its work is done.
template <class Op>
ApplyResult answer_when_done(runtime::Process& self, const Op& op, Atom node) {
  Term ref = self.make_ref();
  Runtime* rt = &self.runtime();
  op(std::string(node.name()), [rt, pid = self.self(), ref](bool ok) {
    rt->send(pid, Term::tuple({ref, Term::atom(ok ? term::atoms::true_ : term::atoms::false_)}));
  });
  return ApplyResult::later(ref);
}
}  // namespace

void add_disconnect_functions(FunctionRegistry& fns, DisconnectFn disconnect) {
  auto fn = [disconnect](runtime::Process& self, const Term& args) {
    const Term& node = args.head();
    if (!node.is_atom() || node.is_atom(self.runtime().node()) || !disconnect)
      return ApplyResult::ok(Term::atom(term::atoms::false_));
    return answer_when_done(self, disconnect, node.atom_value());  // once the connection is gone
  };
  fns.add(Atom::make("net_kernel"), Atom::make("disconnect"), 1, fn);
  fns.add(term::atoms::erlang, Atom::make("disconnect_node"), 1, fn);
}

void add_connect_function(FunctionRegistry& fns, ConnectFn connect) {
  fns.add(Atom::make("net_kernel"), Atom::make("connect_node"), 1, [connect](runtime::Process& self, const Term& args) {
    const Term& node = args.head();
    if (!node.is_atom())  // net_kernel.erl's is_atom guard
      return ApplyResult::error(
          Term::atom("function_clause"),
          Term::list({Term::tuple({Term::atom("net_kernel"), Term::atom("connect_node"), args, Term::nil()})}));
    if (node.is_atom(self.runtime().node())) return ApplyResult::ok(Term::atom(term::atoms::true_));
    if (!connect) return ApplyResult::ok(Term::atom(term::atoms::false_));
    return answer_when_done(self, connect, node.atom_value());  // once up, or failed
  });
}

void add_name_functions(FunctionRegistry& fns) {
  Atom nk = Atom::make("net_kernel");
  fns.add(nk, Atom::make("longnames"), 0, [](runtime::Process& self, const Term&) {
    return ApplyResult::ok(Term::atom(long_names(self.runtime().node()) ? term::atoms::true_ : term::atoms::false_));
  });
  fns.add(nk, Atom::make("nodename"), 0,
          [](runtime::Process& self, const Term&) { return ApplyResult::ok(Term::atom(self.runtime().node())); });
  fns.add(nk, Atom::make("get_state"), 0,
          [](runtime::Process& self, const Term&) { return ApplyResult::ok(state_map(self.runtime().node())); });
}

Term start_net_kernel(runtime::Runtime& rt, NetKernelEnv env) {
  StartOptions o;
  o.name = Atom::make("net_kernel");
  Term r = gen_server::start(rt, std::make_unique<NetKernel>(std::move(env)), Term::nil(), o);
  if (r.is_tuple() && r.tuple_arity() == 2 && r.element(0).is_atom(term::atoms::ok)) return r.element(1);
  return Term();
}

}  // namespace ergod::services
