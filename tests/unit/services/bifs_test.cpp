// The erlang BIFs ergod answers: erlang:nodes/0,1,2 in erts' order and with its errors
// (checked with erl 25), and the process and node BIFs with a truthful answer.
#include "../runtime/support.h"
#include "services/bifs.h"

using namespace rt_test;
using namespace ergod::services;

namespace {

Term L(std::initializer_list<Term> l) { return Term::list(l); }
Term nil() { return Term::nil(); }

struct Fixture {
  Runtime rt{RuntimeConfig{"me@host", 7, 0}};
  Inbox in{rt};
  FunctionRegistry fns;
  NodeBook book;
  Fixture() {
    book.up("vis@host");
    book.up("hid@host");
    book.up("gone@host");
    book.down("gone@host");
    NodeSource src;
    src.visible = [] { return std::vector<std::string>{"vis@host"}; };
    src.hidden = [] { return std::vector<std::string>{"hid@host"}; };
    src.book = &book;
    add_erlang_bifs(fns, src);
  }
  ApplyResult call(const char* f, std::initializer_list<Term> args) {
    ApplyResult r;
    REQUIRE(in.run([&](Process& p) { r = fns.apply(p, A("erlang"), A(f), Term::list(args)); }));
    return r;
  }
  Term ok(const char* f, std::initializer_list<Term> args) {
    ApplyResult r = call(f, args);
    CHECK(r.kind == ApplyResult::Kind::return_);
    return r.value;
  }
  void badarg(const char* f, std::initializer_list<Term> args) {
    ApplyResult r = call(f, args);
    CHECK(r.kind == ApplyResult::Kind::error);
    CHECK(r.value == A("badarg"));
    Term info = L({T({A("error_info"), Term::map({{A("module"), A("erl_erts_errors")}})})});
    CHECK(r.stack == L({T({A("erlang"), A(f), Term::list(args), info})}));
  }
};

}  // namespace

TEST_CASE("nodes/1 lists known-only, hidden, visible, then this node, each once", "[bifs]") {
  Fixture f;
  CHECK(f.ok("nodes", {}) == L({A("vis@host")}));
  CHECK(f.ok("nodes", {A("visible")}) == L({A("vis@host")}));
  CHECK(f.ok("nodes", {A("connected")}) == L({A("hid@host"), A("vis@host")}));
  CHECK(f.ok("nodes", {L({A("this"), A("hidden"), A("visible")})}) == L({A("hid@host"), A("vis@host"), A("me@host")}));
  CHECK(f.ok("nodes", {L({A("visible"), A("this"), A("visible")})}) == L({A("vis@host"), A("me@host")}));
  CHECK(f.ok("nodes", {A("known")}) ==
        L({A("nonode@nohost"), A("gone@host"), A("hid@host"), A("vis@host"), A("me@host")}));
  CHECK(f.ok("nodes", {nil()}) == nil());
}

TEST_CASE("nodes/1 raises badarg with erts' frame for anything but a kind or a list of kinds", "[bifs]") {
  Fixture f;
  f.badarg("nodes", {A("bad")});
  f.badarg("nodes", {I(1)});
  f.badarg("nodes", {L({A("visible"), A("bad")})});
  f.badarg("nodes", {Term::cons(A("visible"), A("this"))});
}

TEST_CASE("nodes/2 gives each node's connection id and type, as asked", "[bifs]") {
  Fixture f;
  Term both = Term::map({{A("connection_id"), A("true")}, {A("node_type"), A("true")}});
  Term r = f.ok("nodes", {L({A("this"), A("connected")}), both});
  REQUIRE(ergod::term::list_length(r) == 3);
  CHECK(r.head() == T({A("hid@host"), Term::map({{A("connection_id"), I(f.book.connection_id("hid@host"))},
                                                  {A("node_type"), A("hidden")}})}));
  CHECK(r.tail().tail().head() == T({A("me@host"), Term::map({{A("connection_id"), A("undefined")}, {A("node_type"), A("this")}})}));
  CHECK(f.ok("nodes", {A("visible"), Term::map({})}) == L({T({A("vis@host"), Term::map({})})}));
  Term known = f.ok("nodes", {A("known"), Term::map({{A("node_type"), A("true")}})});
  CHECK(known.head() == T({A("nonode@nohost"), Term::map({{A("node_type"), A("known")}})}));
  f.badarg("nodes", {A("visible"), Term::map({{A("bogus"), A("true")}})});
  f.badarg("nodes", {A("visible"), Term::map({{A("node_type"), I(1)}})});
  f.badarg("nodes", {A("visible"), nil()});
  f.badarg("nodes", {I(1), Term::map({})});
}

TEST_CASE("a node once connected is known for 60 s after its connection went down", "[bifs]") {
  NodeBook book;
  auto t0 = NodeBook::Clock::now();
  book.up("a@h");
  book.up("b@h");
  book.down("a@h", t0);
  CHECK(book.disconnected(t0 + std::chrono::seconds(59)) == std::vector<std::string>{"a@h"});
  book.up("a@h");  // back: connected again, not listed
  CHECK(book.disconnected(t0 + std::chrono::seconds(59)).empty());
  book.down("a@h", t0);
  CHECK(book.disconnected(t0 + std::chrono::seconds(60)).empty());
  CHECK(book.connection_id("a@h") == -1);
  CHECK(book.connection_id("b@h") > 0);
}

TEST_CASE("is_alive, self, whereis, registered and is_process_alive answer for this node", "[bifs]") {
  Fixture f;
  CHECK(f.ok("is_alive", {}) == A("true"));
  CHECK(f.ok("self", {}) == f.in.pid());
  REQUIRE(f.in.run([](Process& p) { p.register_name(Atom::make("bifs_me")); }));
  CHECK(f.ok("whereis", {A("bifs_me")}) == f.in.pid());
  CHECK(f.ok("whereis", {A("nosuch")}) == A("undefined"));
  f.badarg("whereis", {Term::list({I('x')})});
  bool listed = false;
  for (Term l = f.ok("registered", {}); l.is_cons(); l = l.tail()) listed |= l.head() == A("bifs_me");
  CHECK(listed);
  CHECK(f.ok("is_process_alive", {f.in.pid()}) == A("true"));
  Term dead = spawn_fn(f.rt, [](Process& p, Term) { p.exit(A("normal")); });
  f.rt.send(dead, A("go"));
  await_exit(f.rt, dead);
  CHECK(f.ok("is_process_alive", {dead}) == A("false"));
  f.badarg("is_process_alive", {A("x")});
  f.badarg("is_process_alive", {Term::pid(Atom::make("other@host"), 1, 0, 1)});
}

TEST_CASE("system_info answers only keys with a truthful value; the others are undef", "[bifs]") {
  Fixture f;
  CHECK(f.ok("system_info", {A("creation")}) == I(7));
  CHECK(f.ok("system_info", {A("schedulers")}) == I(f.rt.worker_count()));
  CHECK(f.ok("system_info", {A("process_count")}).is_integer());
  ApplyResult r = f.call("system_info", {A("otp_release")});
  CHECK(r.kind == ApplyResult::Kind::error);
  CHECK(r.value == A("undef"));
  CHECK(r.stack == L({T({A("erlang"), A("system_info"), L({A("otp_release")}), nil()})}));
}

TEST_CASE("timer:sleep returns ok after T ms without a worker; a bad T is timeout_value", "[bifs]") {
  Fixture f;
  ApplyResult r;
  REQUIRE(f.in.run([&](Process& p) { r = f.fns.apply(p, A("timer"), A("sleep"), L({I(250)})); }));
  CHECK(r.kind == ApplyResult::Kind::return_);
  CHECK(r.value == A("ok"));
  CHECK(r.delay_ms == 250);
  REQUIRE(f.in.run([&](Process& p) { r = f.fns.apply(p, A("timer"), A("sleep"), L({A("infinity")})); }));
  CHECK(r.delay_ms == ergod::runtime::kInfinity);
  REQUIRE(f.in.run([&](Process& p) { r = f.fns.apply(p, A("timer"), A("sleep"), L({A("x")})); }));
  CHECK(r.kind == ApplyResult::Kind::error);
  CHECK(r.value == A("timeout_value"));
  CHECK(r.stack == L({T({A("timer"), A("sleep"), I(1), nil()})}));
  REQUIRE(f.in.run([&](Process& p) { r = f.fns.apply(p, A("timer"), A("sleep"), L({I(-1)})); }));
  CHECK(r.value == A("timeout_value"));
}
