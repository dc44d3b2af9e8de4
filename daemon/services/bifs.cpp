// See bifs.h.
#include "services/bifs.h"

#include <unistd.h>

#include <algorithm>
#include <algorithm>
#include <optional>
#include <thread>

#include "runtime/runtime.h"

namespace ergod::services {

void NodeBook::up(const std::string& node) {
  std::lock_guard l(mu_);
  for (auto& e : nodes_)
    if (e.node == node) {
      e.id = next_id_++;
      return;
    }
  nodes_.push_back({node, next_id_++, {}});
}

void NodeBook::down(const std::string& node, Clock::time_point now) {
  std::lock_guard l(mu_);
  for (auto& e : nodes_)
    if (e.node == node) {
      e.id = -1;
      e.down_at = now;
    }
}

int64_t NodeBook::connection_id(const std::string& node) const {
  std::lock_guard l(mu_);
  for (const auto& e : nodes_)
    if (e.node == node) return e.id;
  return -1;
}

std::vector<std::string> NodeBook::disconnected(Clock::time_point now) {
  std::lock_guard l(mu_);
  std::erase_if(nodes_, [&](const Entry& e) { return e.id < 0 && now - e.down_at >= kForgetAfter; });
  std::vector<std::string> out;
  for (const auto& e : nodes_)
    if (e.id < 0) out.push_back(e.node);
  return out;
}

namespace {

Term atom(std::string_view s) { return Term::atom(s); }
ApplyResult badarg() { return ApplyResult::bif_error(Term::atom(term::atoms::badarg)); }

// Which kinds of node nodes/1,2 list, from its first argument.
struct Kinds {
  bool this_ = false, visible = false, hidden = false, known = false;
};

bool add_kind(Kinds& k, const Term& a) {
  if (!a.is_atom()) return false;
  std::string_view s = a.atom_value().name();
  if (s == "this") k.this_ = true;
  else if (s == "visible") k.visible = true;
  else if (s == "hidden") k.hidden = true;
  else if (s == "connected") k.visible = k.hidden = true;
  else if (s == "known") k.this_ = k.visible = k.hidden = k.known = true;
  else return false;
  return true;
}

// nodes/1's argument: one kind or a proper list of kinds (repeats count once).
bool parse_kinds(const Term& arg, Kinds& k) {
  if (arg.is_atom()) return add_kind(k, arg);
  Term l = arg;
  for (; l.is_cons(); l = l.tail())
    if (!add_kind(k, l.head())) return false;
  return l.is_nil();
}

struct Listed {
  std::string node;
  const char* type;  // node_type: known, hidden, visible, this
};

// In erts' order: nodes known but not connected, then hidden, then visible, then this node.
std::vector<Listed> list_nodes(const NodeSource& src, const Kinds& k, Atom self) {
  std::vector<Listed> out;
  if (k.known) {
    // Every OTP node started with -name or -sname knows nonode@nohost, its name at boot.
    out.push_back({"nonode@nohost", "known"});
    if (src.book)
      for (auto& n : src.book->disconnected()) out.push_back({n, "known"});
  }
  if (k.hidden && src.hidden)
    for (auto& n : src.hidden()) out.push_back({n, "hidden"});
  if (k.visible && src.visible)
    for (auto& n : src.visible()) out.push_back({n, "visible"});
  if (k.this_) out.push_back({std::string(self.name()), "this"});
  return out;
}

Term node_atoms(const std::vector<Listed>& nodes) {
  std::vector<Term> out;
  for (const auto& n : nodes) out.push_back(atom(n.node));
  return Term::list(out);
}

// nodes/2's options: a map of connection_id and node_type to booleans.
bool parse_info_opts(const Term& opts, bool& conn_id, bool& node_type) {
  if (!opts.is_map()) return false;
  for (uint32_t i = 0; i < opts.map_size(); ++i) {
    const Term& v = opts.map_value(i);
    if (!v.is_atom(term::atoms::true_) && !v.is_atom(term::atoms::false_)) return false;
    bool on = v.is_atom(term::atoms::true_);
    if (opts.map_key(i).is_atom(Atom::make("connection_id"))) conn_id = on;
    else if (opts.map_key(i).is_atom(Atom::make("node_type"))) node_type = on;
    else return false;
  }
  return true;
}

// system_info/1 keys with a truthful value; nullopt for the rest.
std::optional<Term> system_info(runtime::Process& self, const Term& key) {
  if (!key.is_atom()) return std::nullopt;
  std::string_view k = key.atom_value().name();
  runtime::Runtime& rt = self.runtime();
  if (k == "creation") return Term::integer(rt.creation());
  if (k == "logical_processors") {
    unsigned n = std::thread::hardware_concurrency();
    return n ? Term::integer(n) : atom("unknown");
  }
  if (k == "schedulers" || k == "schedulers_online") return Term::integer(rt.worker_count());
  if (k == "process_count") return Term::integer(int64_t(rt.process_count()));
  return std::nullopt;
}

}  // namespace

void add_erlang_bifs(FunctionRegistry& fns, NodeSource src) {
  Atom erlang = term::atoms::erlang;
  // os:getpid/0: the daemon's OS process id as a string, as for the beam process.
  fns.add(Atom::make("os"), Atom::make("getpid"), 0, [](runtime::Process&, const Term&) {
    std::string s = std::to_string(::getpid());
    std::vector<Term> chars;
    for (char c : s) chars.push_back(Term::integer(c));
    return ApplyResult::ok(Term::list(chars));
  });
  auto add = [&](const char* f, unsigned arity, Function fn) { fns.add(erlang, Atom::make(f), arity, std::move(fn)); };

  add("node", 0, [](runtime::Process& self, const Term&) { return ApplyResult::ok(Term::atom(self.runtime().node())); });
  // node/1: the node of a pid, port or reference; anything else badarg, as in erts.
  add("node", 1, [](runtime::Process&, const Term& args) {
    const Term& x = args.head();
    if (x.is_pid()) return ApplyResult::ok(Term::atom(x.as<term::PidBox>()->node));
    if (x.is_port()) return ApplyResult::ok(Term::atom(x.as<term::PortBox>()->node));
    if (x.is_reference()) return ApplyResult::ok(Term::atom(x.as<term::RefBox>()->node));
    return badarg();
  });
  add("nodes", 0, [src](runtime::Process& self, const Term&) {
    Kinds k;
    k.visible = true;
    return ApplyResult::ok(node_atoms(list_nodes(src, k, self.runtime().node())));
  });
  add("nodes", 1, [src](runtime::Process& self, const Term& args) {
    Kinds k;
    if (!parse_kinds(args.head(), k)) return badarg();
    return ApplyResult::ok(node_atoms(list_nodes(src, k, self.runtime().node())));
  });
  add("nodes", 2, [src](runtime::Process& self, const Term& args) {
    Kinds k;
    bool conn_id = false, node_type = false;
    if (!parse_kinds(args.head(), k) || !parse_info_opts(args.tail().head(), conn_id, node_type)) return badarg();
    std::vector<Term> out;
    for (const auto& n : list_nodes(src, k, self.runtime().node())) {
      std::vector<std::pair<Term, Term>> info;
      if (conn_id) {
        int64_t id = src.book ? src.book->connection_id(n.node) : -1;
        bool connected = std::string_view(n.type) == "visible" || std::string_view(n.type) == "hidden";
        info.emplace_back(atom("connection_id"), connected && id >= 0 ? Term::integer(id) : atom("undefined"));
      }
      if (node_type) info.emplace_back(atom("node_type"), atom(n.type));
      out.push_back(Term::tuple({atom(n.node), Term::map(info)}));
    }
    return ApplyResult::ok(Term::list(out));
  });
  add("is_alive", 0, [](runtime::Process&, const Term&) { return ApplyResult::ok(Term::atom(term::atoms::true_)); });
  add("self", 0, [](runtime::Process& self, const Term&) { return ApplyResult::ok(self.self()); });
  add("whereis", 1, [](runtime::Process& self, const Term& args) {
    const Term& name = args.head();
    if (!name.is_atom()) return badarg();
    Term pid = self.runtime().whereis(name.atom_value());
    return ApplyResult::ok(pid ? pid : Term::atom(term::atoms::undefined));
  });
  // erlang:send/2 (Dest ! Msg) from the process running the call: Msg, or badarg for a name
  // not registered or a destination of no kind, as in erts.
  add("send", 2, [](runtime::Process& self, const Term& args) {
    const Term &dest = args.head(), &msg = args.tail().head();
    if (!self.send(dest, msg)) return badarg();
    return ApplyResult::ok(msg);
  });
  add("registered", 0, [](runtime::Process& self, const Term&) {
    std::vector<Term> out;
    for (Atom a : self.runtime().registered()) out.push_back(Term::atom(a));
    return ApplyResult::ok(Term::list(out));
  });
  add("is_process_alive", 1, [](runtime::Process& self, const Term& args) {
    const Term& pid = args.head();
    // A pid of another node is badarg, as in erts.
    if (!pid.is_pid() || pid.as<term::PidBox>()->node != self.runtime().node()) return badarg();
    return ApplyResult::ok(Term::atom(self.runtime().is_alive(pid) ? term::atoms::true_ : term::atoms::false_));
  });
  // monitor_node/2,3: the monitor belongs to the process running the call (erpc's, which ends
  // with the call, or rex), as on an OTP node; a node not connected is dialled, as erts does.
  auto monitor_node = [](runtime::Process& self, const Term& node, const Term& flag) {
    bool on = flag.is_atom(term::atoms::true_);
    if (!node.is_atom() || (!on && !flag.is_atom(term::atoms::false_))) return false;
    self.monitor_node(node.atom_value(), on);
    return true;
  };
  add("monitor_node", 2, [monitor_node](runtime::Process& self, const Term& args) {
    if (!monitor_node(self, args.head(), args.tail().head())) return badarg();
    return ApplyResult::ok(Term::atom(term::atoms::true_));
  });
  add("monitor_node", 3, [monitor_node](runtime::Process& self, const Term& args) {
    // Options: a proper list of allow_passive_connect (ergod connects either way); anything
    // else is badarg with cause badopt, as erts says.
    bool opts_ok = term::list_length(args.tail().tail().head()) >= 0;
    for (Term l = args.tail().tail().head(); opts_ok && l.is_cons(); l = l.tail())
      opts_ok = l.head().is_atom(Atom::make("allow_passive_connect"));
    if (!opts_ok) {
      Term info = Term::map({{atom("cause"), atom("badopt")}, {atom("module"), atom("erl_erts_errors")}});
      Term frame = Term::tuple({Term::atom(term::atoms::erlang), atom("monitor_node"), args,
                                Term::list({Term::tuple({atom("error_info"), info})})});
      return ApplyResult::error(Term::atom(term::atoms::badarg), Term::list({frame}));
    }
    if (!monitor_node(self, args.head(), args.tail().head())) return badarg();
    return ApplyResult::ok(Term::atom(term::atoms::true_));
  });
  // timer:sleep/1: the value ok after T ms, the process waiting on a timer (never for
  // infinity); a bad T is timer.erl's timeout_value error.
  fns.add(Atom::make("timer"), Atom::make("sleep"), 1, [](runtime::Process&, const Term& args) {
    const Term& t = args.head();
    Term ok = Term::atom(term::atoms::ok);
    if (t.is_atom(term::atoms::infinity)) return ApplyResult::after(runtime::kInfinity, ok);
    // Longer than ~139 years waits that long: the timer's clock must not overflow.
    constexpr int64_t kLongest = int64_t(1) << 42;
    int64_t ms = 0;
    if (t.is_integer() && !t.to_int64(ms)) ms = term::compare(t, Term::integer(0)) > 0 ? kLongest : -1;
    if (!t.is_integer() || ms < 0) {
      Term frame = Term::tuple({Term::atom("timer"), Term::atom("sleep"), Term::integer(1), Term::nil()});
      return ApplyResult::error(Term::atom("timeout_value"), Term::list({frame}));
    }
    return ApplyResult::after(std::min(ms, kLongest), ok);
  });
  add("system_info", 1, [](runtime::Process& self, const Term& args) {
    if (auto v = system_info(self, args.head())) return ApplyResult::ok(*v);
    return ApplyResult::undef();
  });
}

}  // namespace ergod::services
