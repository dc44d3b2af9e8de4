// The counter_c example plugin (plain C11): loaded, started with an env, called, cast to,
// ticking, and its rpc function registered.
#include <catch2/catch.hpp>

#include "../runtime/support.h"
#include "behaviors/gen_server.h"
#include "plugin/plugin_registry.h"
#include "services/functions.h"

using namespace rt_test;
using namespace ergod::behaviors;

TEST_CASE("counter_c counts through calls and casts, starting from its env", "[plugin][counter_c]") {
  Runtime rt;
  ergod::services::FunctionRegistry fns;
  ergod::plugin::PluginRegistry reg(rt, &fns);
  auto p = reg.load(COUNTER_C_PATH);
  REQUIRE(p.ok());
  CHECK((*p)->version == "1.0.0");
  auto app = ergod::plugin::make_app_context("counters", Term::map({{A("start"), I(10)}, {A("name"), A("counter_c_test")}}));
  auto server = reg.make_server("counter_c", "counter", app);
  REQUIRE(server.ok());
  Term started = gen_server::start(rt, std::move(server).value(), Term::nil());
  REQUIRE(started.element(0) == A("ok"));
  Term name = A("counter_c_test");
  CHECK(rt.whereis(Atom::make("counter_c_test")) == started.element(1));
  CHECK(gen_server::call(rt, name, A("get")).value == I(10));
  CHECK(gen_server::call(rt, name, T({A("add"), I(5)})).value == I(15));
  gen_server::cast(rt, name, T({A("add"), I(-20)}));
  CHECK(gen_server::call(rt, name, A("get")).value == I(-5));
  CHECK(gen_server::call(rt, name, A("reset")).value == A("ok"));
  CHECK(gen_server::call(rt, name, A("get")).value == I(0));
  CHECK(gen_server::call(rt, name, A("bogus")).value == T({A("error"), A("unknown_call")}));
  CHECK(gen_server::stop(rt, name) == A("ok"));
}

TEST_CASE("counter_c ticks through send_after when tick_ms is set", "[plugin][counter_c]") {
  Runtime rt;
  ergod::plugin::PluginRegistry reg(rt, nullptr);
  REQUIRE(reg.load(COUNTER_C_PATH).ok());
  auto app = ergod::plugin::make_app_context("ticking", Term::map({{A("tick_ms"), I(1)}, {A("step"), I(2)}}));
  Term started = gen_server::start(rt, reg.make_server("counter_c", "counter", app).value(), Term::nil());
  REQUIRE(started.element(0) == A("ok"));
  Term pid = started.element(1);
  // Ticks arrive on their own; wait for three through the monitor-free polling of calls.
  int64_t ticks = 0;
  while (ticks < 3) gen_server::call(rt, pid, A("ticks")).value.to_int64(ticks);
  int64_t count = 0;
  CHECK(gen_server::call(rt, pid, A("get")).value.to_int64(count));
  CHECK(count >= 6);
  CHECK(count % 2 == 0);
}

TEST_CASE("counter_c registers counter_c:version/0 as an rpc function", "[plugin][counter_c][rpc]") {
  Runtime rt;
  ergod::services::FunctionRegistry fns;
  ergod::plugin::PluginRegistry reg(rt, &fns);
  REQUIRE(reg.load(COUNTER_C_PATH).ok());
  Inbox in(rt);
  ergod::services::ApplyResult r;
  REQUIRE(in.run([&](Process& self) { r = fns.apply(self, A("counter_c"), A("version"), Term::nil()); }));
  CHECK(r.kind == ergod::services::ApplyResult::Kind::return_);
  CHECK(r.value == Term::binary(std::string_view("1.0.0")));
  reg.unload("counter_c");
  CHECK_FALSE(fns.find(Atom::make("counter_c"), Atom::make("version"), 0));
}
