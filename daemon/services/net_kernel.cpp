// See net_kernel.h.
#include "services/net_kernel.h"

#include "base/log.h"
#include "behaviors/gen_server.h"

namespace ergod::services {
namespace {

using namespace behaviors;

bool is(const Term& t, const char* tag, uint32_t arity) {
  return t.is_tuple() && t.tuple_arity() == arity && t.element(0).is_atom(Atom::make(tag));
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
      bool connected = node.is_atom() && !node.is_atom(me) && env_.connected &&
                       env_.connected(std::string(node.atom_value().name()));
      if (!connected) return Reply{Term::atom(term::atoms::false_)};
      return NoReply{};
    }
    if (r.is_atom(Atom::make("get_state"))) {
      std::string_view name = me.name();
      bool longnames = name.find('.', name.find('@')) != std::string_view::npos;
      return Reply{Term::map({{Term::atom("started"), Term::atom("static")},
                              {Term::atom("name_type"), Term::atom("static")},
                              {Term::atom("name"), Term::atom(me)},
                              {Term::atom("name_domain"), Term::atom(longnames ? "longnames" : "shortnames")}})};
    }
    if (r.is_atom(Atom::make("ticktime"))) return Reply{Term::integer(env_.ticktime_ms)};
    if (r.is_atom(Atom::make("longnames"))) {
      std::string_view name = me.name();
      bool longnames = name.find('.', name.find('@')) != std::string_view::npos;
      return Reply{Term::atom(longnames ? term::atoms::true_ : term::atoms::false_)};
    }
    if (r.is_atom(Atom::make("nodename"))) return Reply{Term::atom(me)};
    if (r.is_atom(Atom::make("allowed"))) return Reply{Term::tuple({Term::atom(term::atoms::ok), Term::nil()})};
    return NoReply{};  // net_kernel.erl: handle_call(_Msg, _From, State) -> {noreply, State}.
  }
  InfoResult handle_info(const Term& m) override {
    ergod::log_warning("net_kernel got " + term::to_string(m, 512));
    return NoReply{};
  }
  InfoResult handle_cast(const Term&) override { return NoReply{}; }

 private:
  NetKernelEnv env_;
};

}  // namespace

Term start_net_kernel(runtime::Runtime& rt, NetKernelEnv env) {
  StartOptions o;
  o.name = Atom::make("net_kernel");
  Term r = gen_server::start(rt, std::make_unique<NetKernel>(std::move(env)), Term::nil(), o);
  if (r.is_tuple() && r.tuple_arity() == 2 && r.element(0).is_atom(term::atoms::ok)) return r.element(1);
  return Term();
}

}  // namespace ergod::services
