// pg: the scope answers discover as pg.erl does, crashes on what pg.erl crashes on, and
// kernel_safe_sup restarts it.
#include <thread>

#include "../runtime/support.h"
#include "behaviors/gen_server.h"
#include "services/services.h"

using namespace rt_test;
using namespace ergod::services;
namespace gen_server = ergod::behaviors::gen_server;

namespace {

bool is_ok(const Term& t) { return t.is_tuple() && t.element(0) == A("ok"); }

// Waits until `pg` is registered to a pid other than old.
Term await_new_scope(Runtime& rt, const Term& old) {
  for (int i = 0; i < 500; ++i) {
    Term p = rt.whereis(Atom::make("pg"));
    if (p && p != old) return p;
    std::this_thread::sleep_for(10ms);  // no event to wait on: the restart is the supervisor's
  }
  FAIL("pg was not restarted");
  return Term();
}

void check_discover(Runtime& rt, const Term& scope) {
  Inbox peer(rt);
  rt.send(A("pg"), T({A("discover"), peer.pid()}));
  CHECK(recv(peer) == T({A("$gen_cast"), T({A("sync"), scope, Term::nil()})}));
  CHECK(recv(peer) == T({A("discover"), scope}));
}

Term badarg_in(const char* fn, int arity) {
  return T({A("badarg"), Term::list({T({A("pg"), A(fn), I(arity), Term::nil()})})});
}

}  // namespace

TEST_CASE("the scope answers discover with an empty sync and its own discover", "[pg]") {
  Runtime rt;
  REQUIRE(is_ok(start_kernel_safe_sup(rt, nullptr)));
  Term scope = rt.whereis(Atom::make("pg"));
  REQUIRE(scope.is_pid());
  check_discover(rt, scope);
}

TEST_CASE("a sync from an unknown scope makes it a peer: its discover then gets no discover back", "[pg]") {
  Runtime rt;
  REQUIRE(is_ok(start_kernel_safe_sup(rt, nullptr)));
  Term scope = rt.whereis(Atom::make("pg"));
  Inbox peer(rt);
  gen_server::cast(rt, A("pg"), T({A("sync"), peer.pid(), Term::nil()}));
  rt.send(A("pg"), T({A("discover"), peer.pid()}));
  CHECK(recv(peer) == T({A("$gen_cast"), T({A("sync"), scope, Term::nil()})}));
  CHECK_FALSE(peer.receive(200ms).has_value());
}

TEST_CASE("an unknown call crashes the scope with badarg, and kernel_safe_sup restarts it", "[pg]") {
  Runtime rt;
  REQUIRE(is_ok(start_kernel_safe_sup(rt, nullptr)));
  Term scope = rt.whereis(Atom::make("pg"));
  CallOutcome o = gen_server::call(rt, A("pg"), A("bogus"), 2000);
  CHECK_FALSE(o.ok);
  CHECK(o.value == badarg_in("handle_call", 3));
  Term again = await_new_scope(rt, scope);
  check_discover(rt, again);
}

TEST_CASE("an unknown cast or message crashes the scope too, and it comes back each time", "[pg]") {
  Runtime rt;
  REQUIRE(is_ok(start_kernel_safe_sup(rt, nullptr)));
  Term scope = rt.whereis(Atom::make("pg"));
  Term ref = [&] {
    Inbox w(rt);
    Term r = monitor_from(w, scope);
    gen_server::cast(rt, A("pg"), A("bogus"));
    CHECK(await_down(w, r).element(4) == badarg_in("handle_cast", 2));
    return r;
  }();
  (void)ref;
  Term second = await_new_scope(rt, scope);
  Inbox w(rt);
  Term r = monitor_from(w, second);
  rt.send(A("pg"), A("junk"));
  CHECK(await_down(w, r).element(4) == badarg_in("handle_info", 2));
  check_discover(rt, await_new_scope(rt, second));
}
