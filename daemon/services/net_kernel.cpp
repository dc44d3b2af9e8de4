// See net_kernel.h.
#include "services/net_kernel.h"

#include <algorithm>
#include <climits>

#include "base/log.h"
#include "behaviors/gen_server.h"
#include "dist/node_name.h"
#include "runtime/ids.h"
#include "term/utf8.h"

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
      const auto& connect = is(r, "connect", 3) && r.element(1).is_atom(Atom::make("hidden")) ? env_.hidden_connect
                                                                                               : env_.connect;
      if (!node.is_atom() || !connect) return Reply{Term::atom(term::atoms::false_)};
      // Answered when the connection is up or has failed, as net_kernel does.
      Runtime* rt = &process().runtime();
      connect(std::string(node.atom_value().name()), [rt, from](bool ok) {
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
      bool set = is(r, "setopts", 3);
      Runtime* rt = &process().runtime();
      if (set && node.is_atom(Atom::make("new"))) {
        if (!env_.new_socket_options) return NoReply{};
        env_.new_socket_options(r.element(2), [rt, from](Term answer) { gen_server::reply(*rt, from, std::move(answer)); });
        return NoReply{};
      }
      bool up = node.is_atom() && env_.connected && env_.connected(std::string(node.atom_value().name()));
      if (!up || !env_.socket_options)
        return Reply{Term::tuple({Term::atom(term::atoms::error), Term::atom("noconnection")})};
      env_.socket_options(std::string(node.atom_value().name()), set, r.element(2),
                          [rt, from](Term answer) { gen_server::reply(*rt, from, std::move(answer)); });
      return NoReply{};
    }
    if (r.is_atom(Atom::make("get_state"))) return Reply{state_map(me)};
    if (r.is_atom(Atom::make("ticktime"))) {
      if (change_to_ms_) return Reply{Term::tuple({Term::atom("ongoing_change_to"), Term::integer(change_to_ms_)})};
      return Reply{Term::integer(env_.ticktime_ms)};
    }
    if (is(r, "new_ticktime", 3) && r.element(1).is_integer() && r.element(2).is_integer())
      return Reply{new_ticktime(r.element(1), r.element(2))};
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
    if (m.is_atom(Atom::make("transition_period_end")) && change_to_ms_) {
      // The change is done: the new time for ticks and for silence alike.
      env_.ticktime_ms = change_to_ms_;
      change_to_ms_ = 0;
      if (env_.set_ticks) env_.set_ticks(uint32_t(env_.ticktime_ms), 0);
      return NoReply{};
    }
    ergod::log_error("Net kernel got " + term::to_string(m, 512));  // net_kernel.erl's error_msg
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
  // net_kernel.erl's {new_ticktime, T, TP} with its tick intensity 4: T rounded up to whole
  // ticks; during the transition period the shorter tick interval is used for sending.
  Term new_ticktime(const Term& t, const Term& tp) {
    if (change_to_ms_) return Term::tuple({Term::atom("ongoing_change_to"), Term::integer(change_to_ms_)});
    const int64_t intensity = 4, old_ms = env_.ticktime_ms;
    int64_t want = t.is_small() ? t.small_value() : INT64_MAX / 2;
    want = std::min<int64_t>(std::max<int64_t>(want, intensity), UINT32_MAX - intensity);
    int64_t new_ms = (want + intensity - 1) / intensity * intensity;
    if (new_ms == old_ms) return Term::atom("unchanged");
    change_to_ms_ = new_ms;
    int64_t every = std::min(new_ms, old_ms) / intensity;
    // Longer: silence is judged by the new time at once. Shorter: by the old one until the end.
    if (env_.set_ticks) env_.set_ticks(uint32_t(std::max(new_ms, old_ms)), uint32_t(every));
    // aux_ticker: one tick, then ticks enough to cover the period, then the end.
    int64_t period = tp.is_small() ? std::max<int64_t>(tp.small_value(), 0) : INT64_MAX / 4;
    int64_t ticks = period > 0 ? 1 + ((period - 1) / every + 1) : 1;
    process().send_after((ticks - 1) * every, self(), Term::atom("transition_period_end"));
    return Term::atom("change_initiated");
  }

  NetKernelEnv env_;
  std::vector<Term> allowed_;  // net_kernel:allow/1 so far, in order
  int64_t change_to_ms_ = 0;   // the new ticktime while a change is ongoing
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

namespace {
void add_connect(FunctionRegistry& fns, const char* name, ConnectFn connect) {
  fns.add(Atom::make("net_kernel"), Atom::make(name), 1, [name, connect](runtime::Process& self, const Term& args) {
    const Term& node = args.head();
    if (!node.is_atom())  // net_kernel.erl's is_atom guard
      return ApplyResult::error(
          Term::atom("function_clause"),
          Term::list({Term::tuple({Term::atom("net_kernel"), Term::atom(name), args, Term::nil()})}));
    if (node.is_atom(self.runtime().node())) return ApplyResult::ok(Term::atom(term::atoms::true_));
    if (!connect) return ApplyResult::ok(Term::atom(term::atoms::false_));
    return answer_when_done(self, connect, node.atom_value());  // once up, or failed
  });
}
}  // namespace

void add_connect_function(FunctionRegistry& fns, ConnectFn connect) {
  add_connect(fns, "connect_node", std::move(connect));
}

void add_hidden_connect_function(FunctionRegistry& fns, ConnectFn hidden_connect) {
  add_connect(fns, "hidden_connect_node", std::move(hidden_connect));
}

namespace {
Term ok(Term v) { return Term::tuple({Term::atom(term::atoms::ok), std::move(v)}); }
Term error(const char* why) { return Term::tuple({Term::atom(term::atoms::error), Term::atom(why)}); }

// get_node_info's list for an up connection, in its order (without owner: see net_kernel.h).
// The address is inet_tcp_dist's #net_address{address = Peername, host = the node name's host,
// protocol = tcp, family = inet | inet6}.
Term info_list(const dist::ConnectionInfo& c) {
  auto at = c.node.find('@');
  std::string_view host = at == std::string::npos ? std::string_view() : std::string_view(c.node).substr(at + 1);
  Term address = Term::tuple({Term::atom("net_address"), c.address, term::chars(host), Term::atom("tcp"), c.family});
  auto pair = [](const char* k, Term v) { return Term::tuple({Term::atom(k), std::move(v)}); };
  return Term::list({pair("state", Term::atom("up")), pair("address", address),
                     pair("type", Term::atom(c.hidden ? "hidden" : "normal")),
                     pair("in", Term::integer(int64_t(c.in))), pair("out", Term::integer(int64_t(c.out)))});
}

// Asks for the connections and answers the call with answer(them), later.
template <class Answer>
ApplyResult with_connections(runtime::Process& self, const ConnectionInfoFn& info, Answer answer) {
  Term ref = self.make_ref();
  if (!info) return ApplyResult::ok(answer(std::vector<dist::ConnectionInfo>{}));
  Runtime* rt = &self.runtime();
  info([rt, pid = self.self(), ref, answer](std::vector<dist::ConnectionInfo> cs) {
    rt->send(pid, Term::tuple({ref, answer(cs)}));
  });
  return ApplyResult::later(ref);
}

// get_node_info(Node): {ok, Info} or {error, bad_node}.
Term node_info(const std::vector<dist::ConnectionInfo>& cs, const Term& node) {
  for (const auto& c : cs)
    if (node.is_atom() && node.atom_value().name() == c.node) return ok(info_list(c));
  return error("bad_node");
}
}  // namespace

void add_node_info_functions(FunctionRegistry& fns, ConnectionInfoFn info) {
  Atom nk = Atom::make("net_kernel");
  fns.add(nk, Atom::make("node_info"), 1, [info](runtime::Process& self, const Term& args) {
    return with_connections(self, info, [node = args.head()](const auto& cs) { return node_info(cs, node); });
  });
  fns.add(nk, Atom::make("node_info"), 2, [info](runtime::Process& self, const Term& args) {
    return with_connections(self, info, [node = args.head(), key = args.tail().head()](const auto& cs) {
      Term r = node_info(cs, node);
      if (!r.element(0).is_atom(term::atoms::ok)) return r;
      // lists:keyfind(Key, 1, Info)
      for (Term l = r.element(1); l.is_cons(); l = l.tail())
        if (l.head().element(0) == key) return ok(l.head().element(1));
      return error("invalid_key");
    });
  });
  fns.add(nk, Atom::make("nodes_info"), 0, [info](runtime::Process& self, const Term&) {
    return with_connections(self, info, [](const auto& cs) {
      std::vector<Term> out;
      for (const auto& c : cs) out.push_back(Term::tuple({Term::atom(c.node), info_list(c)}));
      return ok(Term::list(out));
    });
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

namespace {
// Calls net_kernel from the process running the rpc; the function's value is map(Reply).
template <class Map>
ApplyResult ask_net_kernel(runtime::Process& self, Term request, Map map) {
  Term ref = self.make_ref();
  gen_server::call(self, Term::atom("net_kernel"), std::move(request), runtime::kInfinity,
                   [ref, map](runtime::Process& p, Term reply) { p.send(p.self(), Term::tuple({ref, map(reply)})); });
  return ApplyResult::later(ref);
}

// net_kernel.erl's ticktime_res: milliseconds to seconds, inside {A, Ms} too.
Term to_seconds(const Term& r) {
  if (r.is_small()) return Term::integer(r.small_value() / 1000);
  if (r.is_tuple() && r.tuple_arity() == 2 && r.element(1).is_small())
    return Term::tuple({r.element(0), Term::integer(r.element(1).small_value() / 1000)});
  return r;
}

ApplyResult clause(const char* fn, Term args, Term below = Term()) {
  std::vector<Term> stack{Term::tuple({Term::atom("net_kernel"), Term::atom(fn), std::move(args), Term::nil()})};
  if (below) stack.push_back(std::move(below));
  return ApplyResult::error(Term::atom("function_clause"), Term::list(stack));
}

ApplyResult set_ticktime(runtime::Process& self, const Term& t, const Term& tp, bool via_1) {
  bool ok = t.is_integer() && t.is_small() && t.small_value() > 0 && tp.is_integer() && tp.is_small() &&
            tp.small_value() >= 0;
  if (!ok)
    return clause("set_net_ticktime", Term::list({t, tp}),
                  via_1 ? Term::tuple({Term::atom("net_kernel"), Term::atom("set_net_ticktime"), Term::integer(1), Term::nil()})
                        : Term());
  // Seconds to ms without overflow (net_kernel keeps at most 2^32 ms anyway).
  constexpr int64_t kMaxS = int64_t(1) << 40;
  Term req = Term::tuple({Term::atom("new_ticktime"), Term::integer(std::min(t.small_value(), kMaxS) * 1000),
                          Term::integer(std::min(tp.small_value(), kMaxS) * 1000)});
  return ask_net_kernel(self, std::move(req), [](const Term& r) { return to_seconds(r); });
}
}  // namespace

void add_tick_and_opts_functions(FunctionRegistry& fns) {
  Atom nk = Atom::make("net_kernel");
  fns.add(nk, Atom::make("get_net_ticktime"), 0, [](runtime::Process& self, const Term&) {
    return ask_net_kernel(self, Term::atom("ticktime"), [](const Term& r) { return to_seconds(r); });
  });
  fns.add(nk, Atom::make("set_net_ticktime"), 1, [](runtime::Process& self, const Term& args) {
    if (!args.head().is_integer()) return clause("set_net_ticktime", args);
    return set_ticktime(self, args.head(), Term::integer(60), true);  // 60 s: OTP's default period
  });
  fns.add(nk, Atom::make("set_net_ticktime"), 2, [](runtime::Process& self, const Term& args) {
    return set_ticktime(self, args.head(), args.tail().head(), false);
  });
  for (const char* op : {"getopts", "setopts"}) {
    fns.add(nk, Atom::make(op), 2, [op](runtime::Process& self, const Term& args) {
      const Term &node = args.head(), &opts = args.tail().head();
      if (!node.is_atom() || !opts.is_list()) return clause(op, args);  // net_kernel.erl's guards
      return ask_net_kernel(self, Term::tuple({Term::atom(op), node, opts}), [](const Term& r) { return r; });
    });
  }
}

void add_allow_and_ping_functions(FunctionRegistry& fns, DisconnectFn disconnect) {
  Atom nk = Atom::make("net_kernel");
  fns.add(nk, Atom::make("allow"), 1, [](runtime::Process& self, const Term& args) {
    return ask_net_kernel(self, Term::tuple({Term::atom("allow"), args.head()}), [](const Term& r) { return r; });
  });
  fns.add(nk, Atom::make("allowed"), 0, [](runtime::Process& self, const Term&) {
    return ask_net_kernel(self, Term::atom("allowed"), [](const Term& r) { return r; });
  });
  fns.add(Atom::make("net_adm"), Atom::make("ping"), 1, [disconnect](runtime::Process& self, const Term& args) {
    const Term& node = args.head();
    if (!node.is_atom())  // net_adm.erl's guard
      return ApplyResult::error(
          Term::atom("function_clause"),
          Term::list({Term::tuple({Term::atom("net_adm"), Term::atom("ping"), args, Term::nil()})}));
    Term ref = self.make_ref();
    Term dest = Term::tuple({Term::atom("net_kernel"), node});
    Term req = Term::tuple({Term::atom("is_auth"), Term::atom(self.runtime().node())});
    gen_server::try_call(self, dest, std::move(req), runtime::kInfinity,
                         [ref, node, disconnect](runtime::Process& p, runtime::CallOutcome o) {
                           bool pong = o.ok && o.value.is_atom(Atom::make("yes"));
                           if (!pong && disconnect && !node.is_atom(p.runtime().node()))
                             disconnect(std::string(node.atom_value().name()), [](bool) {});
                           p.send(p.self(), Term::tuple({ref, Term::atom(pong ? "pong" : "pang")}));
                         });
    return ApplyResult::later(ref);
  });
}

namespace {
bool is_boolean(const Term& t) { return t.is_atom(term::atoms::true_) || t.is_atom(term::atoms::false_); }
bool is_node_type(const Term& t) {
  return t.is_atom(Atom::make("visible")) || t.is_atom(Atom::make("hidden")) || t.is_atom(Atom::make("all"));
}

// Whether erts takes these options (monitor_nodes/2's fold of a list, then process_flag's
// check of the map): a proper list of nodedown_reason, connection_id and {node_type, T}
// (one T), or a map of those keys with boolean values and T; T visible, hidden or all.
bool options_taken(const Term& opts) {
  Term type;
  if (opts.is_map()) {
    for (size_t i = 0; i < opts.map_size(); ++i) {
      const Term &k = opts.map_key(i), &v = opts.map_value(i);
      if (k.is_atom(Atom::make("node_type"))) type = v;
      else if (!(k.is_atom(Atom::make("connection_id")) || k.is_atom(Atom::make("nodedown_reason"))) || !is_boolean(v))
        return false;
    }
    return !type || is_node_type(type);
  }
  Term l = opts;
  for (; l.is_cons(); l = l.tail()) {
    const Term& o = l.head();
    if (o.is_atom(Atom::make("nodedown_reason")) || o.is_atom(Atom::make("connection_id"))) continue;
    if (!is(o, "node_type", 2) || (type && !(type == o.element(1)))) return false;
    type = o.element(1);
  }
  return l.is_nil() && (!type || is_node_type(type));
}

// net_kernel.erl's check_opt/4: the option found (once, or the same each time) and the other
// options (reversed); a second {Opt, Val} with another value is thrown; a list that is not
// proper ends in function_clause.
struct OptFound {
  enum { none, found, thrown, clause } kind = none;
  Term found_opt, other, error;
};
OptFound check_opt(const Term& opt, const Term& opts) {
  Term tores = Term::atom(term::atoms::false_), other = Term::nil();
  bool valued = opt.is_tuple() && opt.tuple_arity() == 2 && opt.element(1).is_atom(Atom::make("value"));
  Term l = opts;
  for (; l.is_cons(); l = l.tail()) {
    const Term& h = l.head();
    bool none_yet = tores.is_atom(term::atoms::false_);
    if (h == opt && (none_yet || tores.element(1) == opt)) {
      tores = Term::tuple({Term::atom(term::atoms::true_), opt});
      continue;
    }
    if (valued && h.is_tuple() && h.tuple_arity() == 2 && h.element(0) == opt.element(0)) {
      if (none_yet || tores.element(1) == h) {
        tores = Term::tuple({Term::atom(term::atoms::true_), h});
        continue;
      }
      if (tores.element(1).is_tuple() && tores.element(1).tuple_arity() == 2 &&
          tores.element(1).element(0) == opt.element(0)) {
        OptFound r;
        r.kind = OptFound::thrown;
        r.error = Term::tuple({Term::atom(term::atoms::error),
                               Term::tuple({Term::atom("option_value_mismatch"), Term::list({h, tores.element(1)})})});
        return r;
      }
    }
    other = Term::cons(h, other);
  }
  OptFound r;
  if (!l.is_nil()) {
    r.kind = OptFound::clause;
    r.error = Term::list({opt, l, tores, other});  // check_opt's arguments
    return r;
  }
  if (tores.is_atom(term::atoms::false_)) return r;
  r.kind = OptFound::found, r.found_opt = tores.element(1), r.other = other;
  return r;
}

Term error_tuple(Term why) { return Term::tuple({Term::atom(term::atoms::error), std::move(why)}); }

// mk_monitor_nodes_error(Flag, Opts) for a boolean Flag: check_options' error, which names
// the first thing wrong.
Term options_error(const Term& opts) {
  auto atom = [](const char* a) { return Term::atom(a); };
  if (opts.is_map()) {
    // connection_id, nodedown_reason, node_type in turn; the rest is unknown.
    std::vector<std::pair<Term, Term>> bad;
    for (size_t i = 0; i < opts.map_size(); ++i) bad.emplace_back(opts.map_key(i), opts.map_value(i));
    for (const char* k : {"connection_id", "nodedown_reason", "node_type"}) {
      Term v = opts.map_get(atom(k));
      if (!v) continue;
      bool good = std::string_view(k) == "node_type" ? is_node_type(v) : is_boolean(v);
      if (!good) return error_tuple(Term::tuple({atom("bad_option_value"), Term::map({{atom(k), v}})}));
      std::erase_if(bad, [&](const auto& kv) { return kv.first.is_atom(Atom::make(k)); });
    }
    if (bad.empty()) return error_tuple(atom("internal_error"));
    return error_tuple(Term::tuple({atom("unknown_options"), Term::map(bad)}));
  }
  if (!opts.is_list()) return error_tuple(Term::tuple({atom("invalid_options"), opts}));
  // A function_clause from check_opt, caught: the stack is net_kernel.erl's frames (without
  // file and line; its caller's below them are not there).
  auto clause = [&](const OptFound& f) {
    auto frame = [&](const char* fn, Term args) {
      return Term::tuple({atom("net_kernel"), atom(fn), std::move(args), Term::nil()});
    };
    Term stack = Term::list({frame("check_opt", f.error), frame("check_options", Term::integer(1)),
                             frame("mk_monitor_nodes_error", Term::integer(2))});
    Term exit = Term::tuple({Term::atom(term::atoms::EXIT), Term::tuple({atom("function_clause"), stack})});
    return error_tuple(Term::tuple({atom("internal_error"), exit}));
  };
  Term rest = opts;
  OptFound t = check_opt(Term::tuple({atom("node_type"), atom("value")}), opts);
  if (t.kind == OptFound::thrown) return t.error;
  if (t.kind == OptFound::clause) return clause(t);
  if (t.kind == OptFound::found) {
    if (!is_node_type(t.found_opt.element(1))) return error_tuple(Term::tuple({atom("bad_option_value"), t.found_opt}));
    rest = t.other;
  }
  OptFound d = check_opt(atom("nodedown_reason"), rest);
  if (d.kind == OptFound::thrown) return d.error;
  if (d.kind == OptFound::clause) return clause(d);
  if (d.kind == OptFound::found) rest = d.other;
  if (rest.is_nil()) return error_tuple(atom("internal_error"));
  return error_tuple(Term::tuple({atom("unknown_options"), rest}));
}
}  // namespace

void add_monitor_nodes_functions(FunctionRegistry& fns) {
  Atom nk = Atom::make("net_kernel");
  fns.add(nk, Atom::make("monitor_nodes"), 1, [](runtime::Process&, const Term& args) {
    return ApplyResult::ok(is_boolean(args.head()) ? Term::atom(term::atoms::ok) : Term::atom(term::atoms::error));
  });
  fns.add(nk, Atom::make("monitor_nodes"), 2, [](runtime::Process&, const Term& args) {
    const Term &flag = args.head(), &opts = args.tail().head();
    if (is_boolean(flag) && options_taken(opts)) return ApplyResult::ok(Term::atom(term::atoms::ok));
    if (!is_boolean(flag)) return ApplyResult::ok(Term::atom(term::atoms::error));
    return ApplyResult::ok(options_error(opts));
  });
}

Term start_net_kernel(runtime::Runtime& rt, NetKernelEnv env) {
  StartOptions o;
  o.name = Atom::make("net_kernel");
  Term r = gen_server::start(rt, std::make_unique<NetKernel>(std::move(env)), Term::nil(), o);
  if (r.is_tuple() && r.tuple_arity() == 2 && r.element(0).is_atom(term::atoms::ok)) return r.element(1);
  return Term();
}

}  // namespace ergod::services
