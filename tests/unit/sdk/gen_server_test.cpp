// Plugins written with the C++ layer, loaded by the daemon's real loader and run under the
// real runtime: the sdk_test plugin (coroutine calls, replies after a wait, exceptions, exits,
// structs, rpc functions) and the echo example plugin (plugins/echo).
#include <catch2/catch.hpp>

#include <ergod/ergod.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "../plugin/support.h"
#include "behaviors/gen_server.h"
#include "plugin/plugin_loader.h"
#include "plugin/plugin_registry.h"
#include "plugin/term_handle.h"
#include "services/global.h"
#include "services/pg.h"

using namespace plugin_test;
using namespace ergod::behaviors;

namespace {

struct Fixture : PluginFixture {
  Fixture() : PluginFixture(ergod::plugin::make_app_context("sdk_app", Term())) {
    auto loaded = reg.load(SDK_TEST_PLUGIN);
    INFO((loaded.ok() ? std::string() : loaded.error()));
    REQUIRE(loaded.ok());
    REQUIRE(reg.load(ECHO_PLUGIN).ok());
  }
};

Term cxx_exception(std::string_view what) { return T({A("cxx_exception"), Term::binary(what)}); }

}  // namespace

TEST_CASE("a plain handler's reply goes straight back", "[sdk][gen_server]") {
  Fixture f;
  Term relay = f.start_ok("sdk_test", "relay");
  CHECK(f.call(relay, A("ping")) == A("pong"));
}

TEST_CASE("a handler co_awaits a call to another server and replies with its answer", "[sdk][gen_server][call]") {
  Fixture f;
  Term relay = f.start_ok("sdk_test", "relay");
  Term silent = f.start_ok("sdk_test", "silent");
  CHECK(f.call(relay, T({A("call"), silent, T({A("reply"), I(42)}), I(5000)})) == T({A("ok"), I(42)}));
  // Twice in a row, through a helper coroutine the handler awaits.
  CHECK(f.call(relay, T({A("twice"), silent, T({A("reply"), I(1)}), T({A("reply"), I(2)})})) ==
        Term::list({T({A("got"), I(1)}), T({A("got"), I(2)})}));
  CHECK(f.call(relay, A("ping")) == A("pong"));  // and the server goes on
}

TEST_CASE("try_call gives a failed call's reason as a value", "[sdk][gen_server][call]") {
  Fixture f;
  Term relay = f.start_ok("sdk_test", "relay");
  Term silent = f.start_ok("sdk_test", "silent");
  CHECK(f.call(relay, T({A("try_call"), A("sdk_nobody"), A("x"), I(5000)})) == T({A("error"), A("noproc")}));
  CHECK(f.call(relay, T({A("try_call"), silent, A("no_answer"), I(1)})) == T({A("error"), A("timeout")}));
  CHECK(f.call(relay, T({A("try_call"), relay, A("ping"), I(5000)})) == T({A("error"), A("calling_self")}));
}

TEST_CASE("a failed call exits the caller with gen_server:call's reason", "[sdk][gen_server][call]") {
  Fixture f;
  Term relay = f.start_ok("sdk_test", "relay");
  Term mref = monitor_from(f.in, relay);
  Term expected = T({A("noproc"), T({A("gen_server"), A("call"), Term::list({A("sdk_nobody"), A("x"), I(5000)})})});
  CHECK(f.call(relay, T({A("call"), A("sdk_nobody"), A("x"), I(5000)})) == T({A("call_failed"), expected}));
  CHECK(await_down(f.in, mref).element(4) == expected);
}

TEST_CASE("a stop after a wait replies through host->reply, then ends the process", "[sdk][gen_server][call]") {
  Fixture f;
  Term relay = f.start_ok("sdk_test", "relay");
  Term silent = f.start_ok("sdk_test", "silent");
  Term mref = monitor_from(f.in, relay);
  CHECK(f.call(relay, T({A("call_then_stop"), silent, T({A("reply"), I(9)})})) == I(9));
  CHECK(await_down(f.in, mref).element(4) == A("relayed"));
}

TEST_CASE("an exception escaping a callback ends the process with {cxx_exception, What}", "[sdk][gen_server][crash]") {
  Fixture f;
  SECTION("thrown at once") {
    Term relay = f.start_ok("sdk_test", "relay");
    CHECK(f.call(relay, T({A("throw"), Term::binary("boom")})) == T({A("call_failed"), cxx_exception("boom")}));
  }
  SECTION("thrown after a wait") {
    Term relay = f.start_ok("sdk_test", "relay");
    Term silent = f.start_ok("sdk_test", "silent");
    CHECK(f.call(relay, T({A("call_then_throw"), silent, T({A("reply"), I(1)})})) ==
          T({A("call_failed"), cxx_exception("thrown after a call")}));
  }
  SECTION("a BadTerm, with its message") {
    Term relay = f.start_ok("sdk_test", "relay");
    CHECK(f.call(relay, T({A("as_int32"), I(int64_t{1} << 40)})) ==
          T({A("call_failed"), cxx_exception("expected an integer in [-2147483648, 2147483647], got 1099511627776")}));
  }
  SECTION("thrown by init") {
    CHECK(f.start("sdk_test", "relay", A("crash")) == T({A("error"), cxx_exception("init crashed")}));
  }
}

TEST_CASE("exit(Reason) ends the process with exactly Reason", "[sdk][gen_server]") {
  Fixture f;
  Term relay = f.start_ok("sdk_test", "relay");
  CHECK(f.call(relay, T({A("exit"), T({A("shutdown"), A("bye")})})) ==
        T({A("call_failed"), T({A("shutdown"), A("bye")})}));
}

TEST_CASE("a handler reads and answers an ERGOD_STRUCT", "[sdk][gen_server][struct]") {
  Fixture f;
  Term relay = f.start_ok("sdk_test", "relay");
  Term p = Term::map({{A("x"), I(1)}, {A("y"), I(2)}});
  CHECK(f.call(relay, T({A("mirror"), p})) == Term::map({{A("x"), I(2)}, {A("y"), I(1)}}));
  CHECK(f.call(relay, T({A("mirror"), Term::map({{A("x"), I(1)}})})) ==
        T({A("call_failed"), cxx_exception("Point: missing field y in #{x => 1}")}));
}

TEST_CASE("a kept From is answered later from another callback", "[sdk][gen_server]") {
  Fixture f;
  Term relay = f.start_ok("sdk_test", "relay");
  CHECK(f.call(relay, T({A("later"), A("value")})) == A("value"));
}

TEST_CASE("rpc functions made from plain C++ functions convert arguments and results", "[sdk][function]") {
  Fixture f;
  auto plugin = f.reg.find("sdk_test");
  REQUIRE(plugin);
  const ergod_plugin* d = plugin->descriptor;
  REQUIRE(d->function_count == 3);
  auto run = [&](const char* name, Term args, Term* out) {
    for (size_t i = 0; i < d->function_count; ++i) {
      const ergod_function& fn = d->functions[i];
      if (std::string(fn.function) != name) continue;
      ergod_term result = nullptr;
      ergod_status st = fn.fn(nullptr, fn.user_data, ergod::plugin::lend(args), &result);
      *out = ergod::plugin::take_handle(result);
      return st;
    }
    FAIL("no function " << name);
    return ERGOD_ENOTFOUND;
  };
  CHECK(d->functions[0].arity == 2);
  CHECK(std::string(d->functions[0].module) == "sdk_test");
  Term r;
  CHECK(run("add", Term::list({I(2), I(3)}), &r) == ERGOD_OK);
  CHECK(r == I(5));
  CHECK(run("origin", Term::nil(), &r) == ERGOD_OK);
  CHECK(r == Term::map({{A("x"), I(0)}, {A("y"), I(0)}}));
  CHECK(run("greet", Term::list({Term::binary("joe")}), &r) == ERGOD_OK);
  CHECK(r == Term::binary("hello joe"));
  CHECK(run("add", Term::list({I(2)}), &r) != ERGOD_OK);
  CHECK(r == cxx_exception("expected 2 arguments, got [2]"));
  CHECK(run("add", Term::list({I(2), A("x")}), &r) != ERGOD_OK);
  CHECK(r == cxx_exception("argument 2: expected an integer in [-9223372036854775808, 9223372036854775807], got x"));
  CHECK(run("greet", Term::list({Term::binary("")}), &r) != ERGOD_OK);
  CHECK(r == cxx_exception("nobody to greet"));
}

TEST_CASE("the echo plugin speaks the interop echo protocol", "[sdk][echo]") {
  Fixture f;
  Term echo = f.start_ok("echo", "echo");
  Term silent = f.start_ok("sdk_test", "silent");
  CHECK(f.call(echo, A("ping")) == A("pong"));
  Term big = T({A("x"), Term::list({I(1), Term::binary("two"), Term::map({{A("k"), I(3)}})})});
  CHECK(f.call(echo, T({A("echo"), big})) == big);
  CHECK(f.call(echo, A("self")) == echo);
  CHECK(f.call(echo, T({A("call"), silent, T({A("reply"), A("hi")}), I(5000)})) == T({A("ok"), A("hi")}));
  CHECK(f.call(echo, T({A("call"), silent, A("no_answer"), I(1)})) == T({A("error"), A("timeout")}));
  CHECK(f.call(echo, T({A("call"), A("sdk_nobody"), A("x"), A("infinity")})) == T({A("error"), A("noproc")}));
  CHECK(f.call(echo, T({A("send"), f.in.pid(), A("sent")})) == A("ok"));
  CHECK(recv(f.in) == A("sent"));
  gen_server::cast(f.rt, echo, T({A("send"), f.in.pid(), A("cast")}));
  CHECK(recv(f.in) == A("cast"));
  f.rt.send(echo, T({A("echo"), f.in.pid(), A("info")}));
  CHECK(recv(f.in) == A("info"));

  // Links and monitors: trapped exits and DOWNs are kept for `events`, oldest first.
  Term idle = spawn_idle(f.rt);
  CHECK(f.call(echo, T({A("link"), idle})) == A("ok"));
  Term mref = f.call(echo, T({A("monitor"), idle}));
  CHECK(mref.is_reference());
  f.rt.exit(idle, A("kill"));
  // The EXIT and the DOWN arrive on their own: ask until both are in (events forgets what it
  // returned, so collect).
  std::vector<Term> events;
  while (events.size() < 2) {
    Term batch = f.call(echo, A("events"));
    REQUIRE(batch.is_list());
    for (Term l = batch; l.is_cons(); l = l.tail()) events.push_back(l.head());
  }
  REQUIRE(events.size() == 2);
  CHECK(events[0] == T({A("EXIT"), idle, A("killed")}));
  CHECK(events[1] == T({A("DOWN"), mref, A("process"), idle, A("killed")}));
  CHECK(f.call(echo, A("events")) == Term::nil());

  Term emref = monitor_from(f.in, echo);
  // As echo_ref's: {function_clause, [{echo, handle_call, [Request, From, State], []}]}.
  Term failed = f.call(echo, A("what"));
  REQUIRE(failed.is_tuple());
  CHECK(failed.element(0) == A("call_failed"));
  Term reason = await_down(f.in, emref).element(4);
  CHECK(reason == failed.element(1));
  REQUIRE(reason.is_tuple());
  CHECK(reason.element(0) == A("function_clause"));
  Term top = reason.element(1).head();
  CHECK(top.element(0) == A("echo"));
  CHECK(top.element(1) == A("handle_call"));
  CHECK(top.element(2).head() == A("what"));
  Term echo2 = f.start_ok("echo", "echo");
  Term mref2 = monitor_from(f.in, echo2);
  CHECK(f.call(echo2, T({A("stop"), A("normal")})) == A("ok"));
  CHECK(await_down(f.in, mref2).element(4) == A("normal"));
}

// Run by tests/e2e/sdk_out_of_tree.sh with ERGOD_SDK_PLUGIN=hello.so, a plugin it built
// against the installed SDK (hidden: not part of the unit suite).
TEST_CASE("a plugin built out of tree against the installed SDK loads and runs", "[.][out_of_tree]") {
  const char* path = std::getenv("ERGOD_SDK_PLUGIN");
  REQUIRE(path);
  Fixture f;
  auto loaded = f.reg.load(path);
  INFO((loaded.ok() ? std::string() : loaded.error()));
  REQUIRE(loaded.ok());
  Term hello = f.start_ok("hello", "hello");
  Term greeting = Term::map({{A("to"), Term::binary("erl")}, {A("times"), I(2)}});
  CHECK(f.call(hello, T({A("hello"), greeting})) == Term::binary("hello erl! hello erl! "));
  Term silent = f.start_ok("sdk_test", "silent");
  CHECK(f.call(hello, T({A("ask"), silent, T({A("reply"), A("pong")})})) == A("pong"));
  const ergod_plugin* d = f.reg.find("hello")->descriptor;
  REQUIRE(d->function_count == 1);
  ergod_term result = nullptr;
  Term args = Term::list({I(21)});
  CHECK(d->functions[0].fn(nullptr, nullptr, ergod::plugin::lend(args), &result) == ERGOD_OK);
  CHECK(ergod::plugin::take_handle(result) == I(42));
}

TEST_CASE("pg_join, register_global and the name readers of the C++ layer", "[sdk][gen_server][names]") {
  Fixture f;
  StartOptions o;
  o.name = Atom::make("pg");
  REQUIRE(gen_server::start(f.rt, ergod::services::make_pg_scope(Atom::make("pg"), nullptr), Term::nil(), o)
              .element(0) == A("ok"));
  REQUIRE(ergod::services::start_global(f.rt).is_pid());
  Term named = f.start_ok("sdk_test", "named");
  CHECK(f.call(named, T({A("join"), A("g")})) == A("ok"));
  // the join is the scope's call, so this call's reading comes once the scope has it
  Term members = Term::nil();
  for (int i = 0; i < 1000 && members != Term::list({named}); ++i) members = f.call(named, T({A("members"), A("g")}));
  CHECK(members == Term::list({named}));
  CHECK(f.call(named, T({A("register"), A("n")})) == A("true"));
  CHECK(f.call(named, T({A("whereis"), A("n")})) == named);
  CHECK(f.call(named, T({A("register"), A("m")})) == A("false"));  // it has a name already
  CHECK(f.call(named, T({A("unregister"), A("n")})) == A("true"));
  CHECK(f.call(named, T({A("whereis"), A("n")})) == A("undefined"));
  CHECK(f.call(named, T({A("leave"), A("g")})) == A("ok"));
}
