// rex: rpc.erl's requests as an OTP 25 rex answers them (gen_server calls, casts and the plain
// messages of rpc:sbcast, rpc's features probe and hidden C nodes).
#include "../runtime/support.h"
#include "behaviors/gen_server.h"
#include "services/rex.h"

using namespace rt_test;
using namespace ergod::services;
namespace gen_server = ergod::behaviors::gen_server;

namespace {

struct RexFixture {
  Runtime rt;
  FunctionRegistry fns;
  Term rex;
  RexFixture() {
    fns.add(Atom::make("erlang"), Atom::make("node"), 0,
            [](Process& self, const Term&) { return ApplyResult::ok(Term::atom(self.runtime().node())); });
    rex = start_rex(rt, fns);
    REQUIRE(rex.is_pid());
  }
  Term node() { return Term::atom(rt.node()); }
};

Term gl() { return A("user"); }

}  // namespace

TEST_CASE("rex answers call and block_call with the value, and badrpc for a missing function", "[rex]") {
  RexFixture f;
  CHECK(gen_server::call(f.rt, A("rex"), T({A("call"), A("erlang"), A("node"), Term::nil(), gl()})).value == f.node());
  CHECK(gen_server::call(f.rt, A("rex"), T({A("block_call"), A("erlang"), A("node"), Term::nil(), gl()})).value ==
        f.node());
  Term undef = T({A("badrpc"), T({A("EXIT"), T({A("undef"), Term::list({T({A("nosuch"), A("fn"), Term::nil(), Term::nil()})})})})});
  CHECK(gen_server::call(f.rt, A("rex"), T({A("block_call"), A("nosuch"), A("fn"), Term::nil(), gl()})).value == undef);
}

TEST_CASE("rex never answers an unknown call, as rpc.erl ignores it", "[rex]") {
  RexFixture f;
  CallOutcome o = gen_server::call(f.rt, A("rex"), A("bogus"), 200);
  CHECK_FALSE(o.ok);
  CHECK(o.value == A("timeout"));
  CHECK(f.rt.is_alive(f.rex));
}

TEST_CASE("sbcast sends and answers {rex, node(), node()}, or nonexisting_name for a missing name", "[rex]") {
  RexFixture f;
  Inbox me(f.rt), target(f.rt);
  REQUIRE(target.run([](Process& p) { p.register_name(Atom::make("rex_test_target")); }));
  f.rt.send(A("rex"), T({me.pid(), T({A("sbcast"), A("rex_test_target"), A("hello")})}));
  CHECK(recv(target) == A("hello"));
  CHECK(recv(me) == T({A("rex"), f.node(), f.node()}));
  f.rt.send(A("rex"), T({me.pid(), T({A("sbcast"), A("nosuch_name"), A("hello")})}));
  CHECK(recv(me) == T({A("rex"), f.node(), T({A("nonexisting_name"), A("nosuch_name")})}));
}

TEST_CASE("send delivers {From, Msg} and answers only when the name is missing", "[rex]") {
  RexFixture f;
  Inbox me(f.rt), target(f.rt);
  REQUIRE(target.run([](Process& p) { p.register_name(Atom::make("rex_test_send")); }));
  f.rt.send(A("rex"), T({me.pid(), T({A("send"), A("rex_test_send"), A("hi")})}));
  CHECK(recv(target) == T({me.pid(), A("hi")}));
  f.rt.send(A("rex"), T({me.pid(), T({A("send"), A("nosuch_name"), A("hi")})}));
  CHECK(recv(me) == T({A("rex"), f.node(), T({A("nonexisting_name"), A("nosuch_name")})}));
  CHECK(me.size() == 0);
}

TEST_CASE("a call sent as a plain message is answered {rex, Result}", "[rex]") {
  RexFixture f;
  Inbox me(f.rt);
  f.rt.send(A("rex"), T({me.pid(), T({A("call"), A("erlang"), A("node"), Term::nil(), gl()})}));
  CHECK(recv(me) == T({A("rex"), f.node()}));
}

TEST_CASE("features_request is answered with erpc", "[rex]") {
  RexFixture f;
  Inbox me(f.rt);
  f.rt.send(A("rex"), T({me.pid(), A("features_request")}));
  CHECK(recv(me) == T({A("features_reply"), f.node(), Term::list({A("erpc")})}));
}

TEST_CASE("a delayed result (timer:sleep) is answered when its timer fires, and rex serves others meanwhile", "[rex]") {
  RexFixture f;
  f.fns.add(Atom::make("test"), Atom::make("slow"), 0, [](Process&, const Term&) { return ApplyResult::after(300, A("done")); });
  Inbox me(f.rt);
  f.rt.send(A("rex"), T({me.pid(), T({A("call"), A("test"), A("slow"), Term::nil(), gl()})}));
  f.rt.send(A("rex"), T({me.pid(), T({A("call"), A("erlang"), A("node"), Term::nil(), gl()})}));
  CHECK(recv(me) == T({A("rex"), f.node()}));
  CHECK(recv(me) == T({A("rex"), A("done")}));
  CHECK(gen_server::call(f.rt, A("rex"), T({A("block_call"), A("test"), A("slow"), Term::nil(), gl()})).value == A("done"));
}
