// The pg and global functions of the host table (ABI 3), under a real scope `pg` and
// global_name_server: counter_c's process joins and leaves groups (and leaves them when it
// ends), registers a global name through a continuation, and bad arguments get a status.
#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include "plugin/host_table.h"
#include "plugin/proc_context.h"
#include "plugin/term_handle.h"
#include "services/global.h"
#include "services/pg.h"
#include "support.h"

using namespace plugin_test;
using namespace ergod::behaviors;
using ergod::plugin::Borrowed;
using ergod::plugin::to_handle;

namespace {

const ergod_host& H = *ergod::plugin::host_table();

// The scope as services.cpp starts it (registered `pg`), with no other nodes.
Term start_scope(Runtime& rt) {
  StartOptions o;
  o.name = Atom::make("pg");
  Term r = gen_server::start(rt, ergod::services::make_pg_scope(Atom::make("pg"), nullptr), Term::nil(), o);
  REQUIRE(r.element(0) == A("ok"));
  return r.element(1);
}

Term members(const Term& group, bool local = false) {
  ergod_term g = to_handle(group);
  Term out = ergod::plugin::take_handle(local ? H.pg_get_local_members(g) : H.pg_get_members(g));
  H.release(g);
  return out;
}

// A join or leave reaches the table when the scope has handled it: wait for it.
bool eventually(const std::function<bool()>& f) {
  for (int i = 0; i < 1000; ++i, std::this_thread::sleep_for(std::chrono::milliseconds(5)))
    if (f()) return true;
  return false;
}

}  // namespace

TEST_CASE("a plugin process joins and leaves pg groups, and leaves them when it ends", "[plugin][pg]") {
  PluginFixture f(ergod::plugin::make_app_context("counters", Term::map({{A("group"), A("counters")}})));
  REQUIRE(f.reg.load(COUNTER_C_PATH).ok());
  start_scope(f.rt);
  Term pid = f.start_ok("counter_c", "counter");
  CHECK(eventually([&] { return members(A("counters")) == Term::list({pid}); }));
  CHECK(members(A("counters"), true) == Term::list({pid}));
  CHECK(f.call(pid, T({A("join"), T({A("g"), I(2)})})) == A("ok"));
  CHECK(eventually([&] { return f.call(pid, T({A("members"), T({A("g"), I(2)})})) == Term::list({pid}); }));
  CHECK(f.call(pid, T({A("leave"), A("counters")})) == A("ok"));
  CHECK(eventually([&] { return members(A("counters")) == Term::nil(); }));
  // A leave of a group it is not in changes nothing (pg's not_joined is not reported).
  CHECK(f.call(pid, T({A("leave"), A("counters")})) == A("ok"));
  CHECK(gen_server::stop(f.rt, pid) == A("ok"));
  CHECK(eventually([&] { return members(T({A("g"), I(2)})) == Term::nil(); }));
}

TEST_CASE("pg host functions answer bad arguments with a status", "[plugin][pg]") {
  PluginFixture f(nullptr);
  CHECK(H.pg_get_members(nullptr) == nullptr);
  CHECK(H.pg_get_local_members(nullptr) == nullptr);
  CHECK(members(A("none")) == Term::nil());  // no scope yet: nobody is in any group
  CHECK(H.pg_join(nullptr, nullptr, nullptr) == ERGOD_EBADARG);
  ergod_term group = H.make_atom("g", 1);
  ergod_term remote = H.make_pid("other@host", 1, 0, 1);
  ergod_term bad_list = H.make_list(&group, 1, nullptr);  // [g]: not pids
  ergod_status no_scope = ERGOD_OK, remote_st = ERGOD_OK, list_st = ERGOD_OK, null_group = ERGOD_OK, ok = ERGOD_EBADARG;
  Term self;
  REQUIRE(f.in.run([&](Process& p) {
    ergod_proc_s ctx;
    ctx.process = &p;
    no_scope = H.pg_join(&ctx, group, nullptr);
  }));
  start_scope(f.rt);
  REQUIRE(f.in.run([&](Process& p) {
    ergod_proc_s ctx;
    ctx.process = &p;
    self = p.self();
    remote_st = H.pg_join(&ctx, group, remote);
    list_st = H.pg_leave(&ctx, group, bad_list);
    null_group = H.pg_join(&ctx, nullptr, nullptr);
    ergod_term both = to_handle(Term::list({p.self(), p.self()}));
    ok = H.pg_join(&ctx, group, both);
    H.release(both);
  }));
  CHECK(no_scope == ERGOD_ENOTFOUND);
  CHECK(remote_st == ERGOD_EBADARG);
  CHECK(list_st == ERGOD_EBADARG);
  CHECK(null_group == ERGOD_EBADARG);
  CHECK(ok == ERGOD_OK);
  CHECK(eventually([&] { return members(A("g")) == Term::list({self, self}); }));
  // The scope's reply went to an alias never made: the inbox got nothing.
  CHECK_FALSE(f.in.receive(std::chrono::milliseconds(100)).has_value());
  H.release(group);
  H.release(remote);
  H.release(bad_list);
}

TEST_CASE("a plugin process registers a global name, answered through its continuation", "[plugin][global]") {
  PluginFixture f(nullptr);
  REQUIRE(f.reg.load(COUNTER_C_PATH).ok());
  REQUIRE(ergod::services::start_global(f.rt).is_pid());
  Term c1 = f.start_ok("counter_c", "counter"), c2 = f.start_ok("counter_c", "counter");
  CHECK(f.call(c1, T({A("register_global"), A("n")})) == A("yes"));
  ergod_term name = to_handle(A("n"));
  CHECK(ergod::plugin::take_handle(H.global_whereis_name(name)) == c1);
  // taken by c1; c1 already has a name
  CHECK(f.call(c2, T({A("register_global"), A("n")})) == A("no"));
  CHECK(f.call(c1, T({A("register_global"), T({A("other"), I(1)})})) == A("no"));
  // the process goes on serving while nothing is pending
  CHECK(f.call(c1, A("get")) == I(0));
  CHECK(f.call(c1, T({A("unregister_global"), A("n")})) == A("ok"));
  CHECK(!ergod::plugin::take_handle(H.global_whereis_name(name)));
  CHECK(f.call(c1, T({A("unregister_global"), A("n")})) == A("ok"));  // nobody has it: ok at once
  CHECK(f.call(c2, T({A("register_global"), A("n")})) == A("yes"));
  // a name goes with its process
  CHECK(gen_server::stop(f.rt, c2) == A("ok"));
  // (a handle of the pid, while the name is still there, is released at once)
  CHECK(eventually([&] { return !ergod::plugin::take_handle(H.global_whereis_name(name)); }));
  H.release(name);
}

TEST_CASE("global host functions answer bad arguments with a status", "[plugin][global]") {
  PluginFixture f(nullptr);
  REQUIRE(ergod::services::start_global(f.rt).is_pid());
  auto k = [](ergod_proc*, void*, void*, int, ergod_term) { return ergod_noreply(); };
  ergod_term name = H.make_atom("n", 1);
  CHECK(H.global_whereis_name(nullptr) == nullptr);
  CHECK(H.global_whereis_name(name) == nullptr);
  CHECK(H.global_register_name(nullptr, name, nullptr, k, nullptr) == ERGOD_EBADARG);
  ergod_status null_name = ERGOD_OK, null_k = ERGOD_OK, no_server = ERGOD_OK, unreg = ERGOD_OK;
  REQUIRE(f.in.run([&](Process& p) {
    ergod_proc_s ctx;  // as in an rpc function: no server to continue in
    ctx.process = &p;
    null_name = H.global_register_name(&ctx, nullptr, nullptr, k, nullptr);
    null_k = H.global_unregister_name(&ctx, name, nullptr, nullptr);
    no_server = H.global_register_name(&ctx, name, nullptr, k, nullptr);
    unreg = H.global_unregister_name(&ctx, name, k, nullptr);
  }));
  CHECK(null_name == ERGOD_EBADARG);
  CHECK(null_k == ERGOD_EBADARG);
  CHECK(no_server == ERGOD_ESTATE);
  CHECK(unreg == ERGOD_ESTATE);
  H.release(name);
}
