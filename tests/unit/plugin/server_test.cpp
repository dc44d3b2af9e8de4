// Plugin gen_servers under the runtime (the test plugin's "probe" and "bare" behaviors):
// calls, casts, infos, results, host->spawn/link/monitor/send_after/call/exit/app_env, and
// destroy called exactly once however the process ends.
#include <catch2/catch.hpp>

#include "behaviors/gen_server.h"
#include "plugin/host_table.h"
#include "plugin/plugin_registry.h"
#include "plugin/term_handle.h"
#include "support.h"

using namespace plugin_test;
using namespace ergod::behaviors;

namespace {

struct Fixture : PluginFixture {
  Fixture()
      : PluginFixture(ergod::plugin::make_app_context(
            "probe_app", Term::map({{A("start"), I(5)}, {A("mode"), A("test")}}))) {
    REQUIRE(reg.load(std::string(PLUGIN_TEST_DIR) + "/test_plugin.so").ok());
  }

  Term start(const char* behavior, Term args) { return PluginFixture::start("test_plugin", behavior, std::move(args)); }
  Term start_probe() { return start_ok("test_plugin", "probe", in.pid()); }
  // Messages up to the DOWN of mref; returns how many were `destroyed`.
  int destroyed_until_down(const Term& mref, Term* reason = nullptr) {
    int n = 0;
    for (;;) {
      Term m = recv(in);
      if (m == A("destroyed")) ++n;
      if (is_down_for(m, mref)) {
        if (reason) *reason = m.element(4);
        return n;
      }
    }
  }
};

}  // namespace

TEST_CASE("a plugin gen_server answers calls with its C callbacks", "[plugin][server]") {
  Fixture f;
  Term pid = f.start_probe();
  CHECK(f.call(pid, T({A("echo"), T({A("x"), I(1)})})) == T({A("x"), I(1)}));
  CHECK(f.call(pid, A("self")) == pid);
  CHECK(f.call(pid, A("what")) == A("unknown_request"));
}

TEST_CASE("app_env reads the application's env; app_env_all returns it whole", "[plugin][server]") {
  Fixture f;
  Term pid = f.start_probe();
  CHECK(f.call(pid, T({A("env"), A("start")})) == I(5));
  CHECK(f.call(pid, T({A("env"), A("absent_key_1")})) == A("undefined"));
  CHECK(f.call(pid, A("env_all")) == f.app->env);
}

TEST_CASE("init's results: stop gives {error, Reason}, ignore gives ignore, host->exit stops", "[plugin][server]") {
  Fixture f;
  CHECK(f.start("probe", A("fail")) == T({A("error"), A("init_failed")}));
  CHECK(f.start("probe", A("ignore")) == A("ignore"));
  CHECK(f.start("probe", A("exit")) == T({A("error"), A("exited_in_init")}));
}

TEST_CASE("destroy runs exactly once after terminate when a callback stops", "[plugin][server]") {
  Fixture f;
  Term pid = f.start_probe();
  Term mref = monitor_from(f.in, pid);
  CHECK(f.call(pid, T({A("stop"), A("normal")})) == A("stopping"));  // {stop, R, Reply, S}
  CHECK(recv(f.in) == T({A("terminate"), A("normal")}));
  Term reason;
  CHECK(f.destroyed_until_down(mref, &reason) == 1);
  CHECK(reason == A("normal"));
}

TEST_CASE("destroy runs exactly once, without terminate, when the process is killed", "[plugin][server]") {
  Fixture f;
  Term pid = f.start_probe();
  Term mref = monitor_from(f.in, pid);
  f.rt.exit(pid, A("kill"));
  Term m = recv(f.in);
  CHECK(m == A("destroyed"));
  Term reason;
  CHECK(f.destroyed_until_down(mref, &reason) == 0);
  CHECK(reason == A("killed"));
}

TEST_CASE("host->exit in handle_call stops the server with that reason after terminate", "[plugin][server]") {
  Fixture f;
  Term pid = f.start_probe();
  Term mref = monitor_from(f.in, pid);
  CHECK(f.call(pid, T({A("exit"), A("bye")})) == T({A("call_failed"), A("bye")}));
  CHECK(recv(f.in) == T({A("terminate"), A("bye")}));
  CHECK(f.destroyed_until_down(mref) == 1);
}

TEST_CASE("casts run handle_cast, other messages handle_info", "[plugin][server]") {
  Fixture f;
  Term pid = f.start_probe();
  gen_server::cast(f.rt, pid, T({A("send"), f.in.pid(), A("from_cast")}));
  f.rt.send(pid, A("plain"));
  CHECK(recv(f.in) == A("from_cast"));
  CHECK(recv(f.in) == T({A("info"), A("plain")}));
}

TEST_CASE("host->spawn starts a linked, monitored server that inherits the application", "[plugin][server]") {
  Fixture f;
  Term parent = f.start_probe();
  Term r = f.call(parent, T({A("spawn"), f.in.pid()}));
  REQUIRE(r.is_tuple());
  Term child = r.element(0);
  CHECK(child.is_pid());
  CHECK(r.element(1).is_reference());
  CHECK(f.call(child, T({A("echo"), A("hi")})) == A("hi"));
  CHECK(f.call(child, T({A("env"), A("mode")})) == A("test"));
  CHECK(f.call(parent, T({A("spawn_unknown"), A("x")})) == I(ERGOD_ENOTFOUND));
  CHECK(f.call(parent, T({A("spawn_named"), A("probe_named")})) == A("ok"));
  CHECK(f.call(parent, T({A("spawn_named"), A("probe_named")})) == A("eexist"));
  CHECK(f.call(parent, A("whereis_me")) == f.rt.whereis(Atom::make("probe_named")));
  // The child is linked: when the parent stops abnormally, the child goes too.
  Term mref = monitor_from(f.in, child);
  CHECK(f.call(parent, T({A("stop"), A("crash")})) == A("stopping"));
  Term down = recv_if(f.in, [&](const Term& m) { return is_down_for(m, mref); });
  CHECK(down.element(4) == A("crash"));
}

TEST_CASE("send_after delivers a message to the server later", "[plugin][server]") {
  Fixture f;
  Term pid = f.start_probe();
  CHECK(f.call(pid, T({A("send_after"), I(1), A("later")})) == A("later"));
}

TEST_CASE("host->call runs the continuation with the reply or the reason, one call at a time", "[plugin][server]") {
  Fixture f;
  Term a = f.start_probe();
  Term b = f.start_probe();
  CHECK(f.call(a, T({A("call"), b, T({A("echo"), A("x")})})) == T({A("ok"), A("x")}));
  Term dead = spawn_idle(f.rt);
  Term mref = monitor_from(f.in, dead);
  f.rt.exit(dead, A("kill"));
  recv_if(f.in, [&](const Term& m) { return is_down_for(m, mref); });
  CHECK(f.call(a, T({A("call"), dead, A("x")})) == T({A("error"), A("noproc")}));
}

TEST_CASE("host->monitor and link: a DOWN arrives as an info message", "[plugin][server]") {
  Fixture f;
  Term pid = f.start_probe();
  Term target = spawn_idle(f.rt);
  Term ref = f.call(pid, T({A("monitor"), target}));
  REQUIRE(ref.is_reference());
  CHECK(f.call(pid, A("trap_exit")) == I(0));
  CHECK(f.call(pid, T({A("link"), target})) == A("ok"));
  f.rt.exit(target, A("kill"));
  Term down = recv_if(f.in, [&](const Term& m) {
    return m.is_tuple() && m.element(0) == A("info") && m.element(1).is_tuple() && m.element(1).element(0) == A("DOWN");
  });
  CHECK(down.element(1) == T({A("DOWN"), ref, A("process"), target, A("killed")}));
  Term exit = recv_if(f.in, [&](const Term& m) {
    return m.is_tuple() && m.element(0) == A("info") && m.element(1).is_tuple() && m.element(1).element(0) == A("EXIT");
  });
  CHECK(exit.element(1) == T({A("EXIT"), target, A("killed")}));
}

TEST_CASE("NULL callbacks: a call stops the server with {bad_call, Req}, infos are dropped", "[plugin][server]") {
  Fixture f;
  Term r = f.start("bare", A("x"));
  REQUIRE(r.element(0) == A("ok"));
  Term pid = r.element(1);
  f.rt.send(pid, A("ignored"));
  CHECK(f.call(pid, A("hello")) == T({A("call_failed"), T({A("bad_call"), A("hello")})}));
}

TEST_CASE("abort_on_crash in the host table follows the daemon's switch", "[plugin][server]") {
  const ergod_host* h = ergod::plugin::host_table();
  CHECK(h->abort_on_crash() == 0);
  ergod::plugin::set_abort_on_crash(true);
  CHECK(h->abort_on_crash() == 1);
  ergod::plugin::set_abort_on_crash(false);
}

TEST_CASE("send_any delivers from outside any process", "[plugin][server]") {
  Fixture f;
  const ergod_host* h = ergod::plugin::host_table();
  ergod_term dest = ergod::plugin::to_handle(f.in.pid());
  ergod_term msg = h->make_atom("hello", 5);
  CHECK(h->send_any(dest, msg) == ERGOD_OK);
  CHECK(h->send_any(nullptr, msg) == ERGOD_EBADARG);
  h->release(dest);
  h->release(msg);
  CHECK(recv(f.in) == A("hello"));
}
