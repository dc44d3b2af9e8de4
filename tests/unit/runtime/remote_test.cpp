// The hook for the distribution layer: RemoteRouter out, deliver_* and node_down in.
#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <vector>

#include "support.h"

using namespace rt_test;
namespace atoms = ergod::term::atoms;

namespace {

// Records every call as a tuple {Kind, Args...}; answers `connected` to link/monitor.
class FakeRouter : public RemoteRouter {
 public:
  bool connected = true;

  bool send(const Term& from, const Term& to, Term m) override { return log({A("send"), from, to, m}); }
  bool send_registered(const Term& from, Atom name, Atom node, Term m) override {
    return log({A("reg_send"), from, Term::atom(name), Term::atom(node), m});
  }
  bool send_alias(const Term& from, const Term& alias, Term m) override { return log({A("alias_send"), from, alias, m}); }
  bool send_registered_noconnect(const Term& from, Atom name, Atom node, Term m) override {
    return log({A("reg_send_noconnect"), from, Term::atom(name), Term::atom(node), m});
  }
  bool link(const Term& from, const Term& to) override { return log({A("link"), from, to}) && connected; }
  bool unlink(const Term& from, const Term& to) override { return log({A("unlink"), from, to}); }
  bool link_exit(const Term& from, const Term& to, Term r) override { return log({A("link_exit"), from, to, r}); }
  bool exit(const Term& from, const Term& to, Term r) override { return log({A("exit"), from, to, r}); }
  bool monitor(const Term& from, Atom node, const Term& to, const Term& ref) override {
    return log({A("monitor"), from, Term::atom(node), to, ref}) && connected;
  }
  bool demonitor(const Term& from, Atom node, const Term& to, const Term& ref) override {
    return log({A("demonitor"), from, Term::atom(node), to, ref});
  }
  bool down(const Term& from, const Term& to, const Term& ref, Term r) override {
    return log({A("down"), from, to, ref, r});
  }

  // The next recorded call (waits up to 10 s).
  Term next() {
    std::unique_lock lock(mu_);
    REQUIRE(cv_.wait_for(lock, 10s, [&] { return taken_ < events_.size(); }));
    return events_[taken_++];
  }
  size_t pending() {
    std::lock_guard lock(mu_);
    return events_.size() - taken_;
  }

 private:
  bool log(std::initializer_list<Term> parts) {
    std::lock_guard lock(mu_);
    events_.push_back(Term::tuple(parts));
    cv_.notify_all();
    return true;
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Term> events_;
  size_t taken_ = 0;
};

RuntimeConfig local_node() {
  RuntimeConfig cfg;
  cfg.node_name = "local@host";
  cfg.creation = 5;
  return cfg;
}

Term remote_pid(uint32_t id, const char* node = "remote@host") { return Term::pid(Atom::make(node), id, 0, 9); }
Term remote_ref(uint32_t n, const char* node = "remote@host") {
  uint32_t ids[3] = {n, 1, 2};
  return Term::reference(Atom::make(node), 9, ids);
}

}  // namespace

TEST_CASE("without a router remote sends are dropped and remote links and monitors fire noconnection", "[runtime][remote]") {
  Runtime rt(local_node());
  Inbox in(rt, /*trap_exit=*/true);
  Term rp = remote_pid(10);
  Term ref, ref2;
  bool sent = false;
  REQUIRE(in.run([&](Process& p) {
    sent = p.send(rp, A("lost"));
    p.link(rp);
    ref = p.monitor(rp);
    ref2 = p.monitor(T({A("srv"), A("remote@host")}));
  }));
  CHECK(sent);
  CHECK(recv(in) == T({A("EXIT"), rp, A("noconnection")}));
  CHECK(await_down(in, ref) == T({A("DOWN"), ref, A("process"), rp, A("noconnection")}));
  CHECK(await_down(in, ref2) ==
        T({A("DOWN"), ref2, A("process"), T({A("srv"), A("remote@host")}), A("noconnection")}));
}

TEST_CASE("operations on remote pids, names and aliases go to the router in order", "[runtime][remote]") {
  Runtime rt(local_node());
  FakeRouter router;
  rt.set_remote_router(&router);
  Inbox in(rt, true);
  Term me = in.pid();
  Term rp = remote_pid(11), alias = remote_ref(3);
  Term ref, ref2;
  REQUIRE(in.run([&](Process& p) {
    p.send(rp, A("m1"));
    p.send(T({A("srv"), A("remote@host")}), A("m2"));
    p.send(alias, A("m3"));
    p.link(rp);
    p.unlink(rp);
    p.exit(rp, A("why"));
    ref = p.monitor(rp);
    p.demonitor(ref);
    ref2 = p.monitor(T({A("srv"), A("remote@host")}));
    p.demonitor(ref2);
  }));
  CHECK(router.next() == T({A("send"), me, rp, A("m1")}));
  CHECK(router.next() == T({A("reg_send"), me, A("srv"), A("remote@host"), A("m2")}));
  CHECK(router.next() == T({A("alias_send"), me, alias, A("m3")}));
  CHECK(router.next() == T({A("link"), me, rp}));
  CHECK(router.next() == T({A("unlink"), me, rp}));
  CHECK(router.next() == T({A("exit"), me, rp, A("why")}));
  CHECK(router.next() == T({A("monitor"), me, A("remote@host"), rp, ref}));
  CHECK(router.next() == T({A("demonitor"), me, A("remote@host"), rp, ref}));
  CHECK(router.next() == T({A("monitor"), me, A("remote@host"), A("srv"), ref2}));
  CHECK(router.next() == T({A("demonitor"), me, A("remote@host"), A("srv"), ref2}));
  rt.set_remote_router(nullptr);
}

TEST_CASE("a noconnect send to a remote name goes to the router as one, other dests as send", "[runtime][remote]") {
  Runtime rt(local_node());
  FakeRouter router;
  rt.set_remote_router(&router);
  Inbox in(rt, true);
  Term me = in.pid(), rp = remote_pid(12);
  REQUIRE(in.run([&](Process& p) {
    p.send_noconnect(T({A("srv"), A("remote@host")}), A("m1"));
    p.send_noconnect(rp, A("m2"));
    p.send_noconnect(T({A("srv"), A("local@host")}), A("m3"));  // no such local name: dropped
  }));
  CHECK(router.next() == T({A("reg_send_noconnect"), me, A("srv"), A("remote@host"), A("m1")}));
  CHECK(router.next() == T({A("send"), me, rp, A("m2")}));
  CHECK(router.pending() == 0);
  rt.set_remote_router(nullptr);
}

TEST_CASE("signals from remote processes reach local ones", "[runtime][remote]") {
  Runtime rt(local_node());
  FakeRouter router;
  rt.set_remote_router(&router);
  Inbox in(rt, true);
  Term me = in.pid();
  Term rp = remote_pid(12);
  rt.deliver_send(me, A("plain"));
  CHECK(recv(in) == A("plain"));
  Atom name = Atom::make("rt_test_remote_named");
  REQUIRE(rt.register_name(name, me));
  rt.deliver_reg_send(rp, name, A("by_name"));
  CHECK(recv(in) == A("by_name"));
  Term alias;
  REQUIRE(in.run([&](Process& p) { alias = p.alias(); }));
  rt.deliver_alias_send(rp, alias, A("by_alias"));
  CHECK(recv(in) == A("by_alias"));
  rt.deliver_exit(rp, me, A("exit2"));
  CHECK(recv(in) == T({A("EXIT"), rp, A("exit2")}));
  rt.deliver_link_exit(rp, me, A("not_linked"));  // ignored: no link
  rt.deliver_link(rp, me);
  rt.deliver_link_exit(rp, me, A("linked"));
  CHECK(recv(in) == T({A("EXIT"), rp, A("linked")}));
  Term ref;
  REQUIRE(in.run([&](Process& p) { ref = p.monitor(rp); }));
  CHECK(router.next().element(0) == A("monitor"));
  rt.deliver_down(rp, me, ref, A("remote_reason"));
  CHECK(await_down(in, ref) == T({A("DOWN"), ref, A("process"), rp, A("remote_reason")}));
  rt.set_remote_router(nullptr);
}

TEST_CASE("a local process that ends tells its remote links and monitors through the router", "[runtime][remote]") {
  Runtime rt(local_node());
  FakeRouter router;
  rt.set_remote_router(&router);
  Term p = spawn_fn(rt, [](Process& self, Term m) { self.exit(std::move(m)); });
  Atom name = Atom::make("rt_test_remote_watched");
  REQUIRE(rt.register_name(name, p));
  Term rp = remote_pid(13), r1 = remote_ref(1), r2 = remote_ref(2);
  rt.deliver_link(rp, p);
  rt.deliver_monitor(rp, p, r1);
  rt.deliver_monitor(rp, Term::atom(name), r2);
  rt.send(p, A("boom"));
  std::vector<Term> got;
  for (int i = 0; i < 3; ++i) got.push_back(router.next());
  auto has = [&](const Term& t) { return std::find(got.begin(), got.end(), t) != got.end(); };
  CHECK(has(T({A("link_exit"), p, rp, A("boom")})));
  CHECK(has(T({A("down"), p, rp, r1, A("boom")})));
  CHECK(has(T({A("down"), Term::atom(name), rp, r2, A("boom")})));
  rt.set_remote_router(nullptr);
}

TEST_CASE("signals from remote to missing local processes are answered with noproc", "[runtime][remote]") {
  Runtime rt(local_node());
  FakeRouter router;
  rt.set_remote_router(&router);
  Term dead = spawn_fn2(rt, [](Process& self) { self.exit(A("normal")); }, [](Process&, Term) {});
  await_exit(rt, dead);
  Term rp = remote_pid(14), r = remote_ref(4);
  rt.deliver_link(rp, dead);
  CHECK(router.next() == T({A("link_exit"), dead, rp, A("noproc")}));
  rt.deliver_monitor(rp, dead, r);
  CHECK(router.next() == T({A("down"), dead, rp, r, A("noproc")}));
  rt.deliver_monitor(rp, A("rt_test_nobody_here"), r);
  CHECK(router.next() == T({A("down"), A("rt_test_nobody_here"), rp, r, A("noproc")}));
  rt.deliver_send(dead, A("dropped"));
  CHECK(router.pending() == 0);
  rt.set_remote_router(nullptr);
}

TEST_CASE("node_down fires noconnection for every link and monitor with that node", "[runtime][remote]") {
  Runtime rt(local_node());
  FakeRouter router;
  rt.set_remote_router(&router);
  Inbox in(rt, true);
  Term rp1 = remote_pid(20), rp2 = remote_pid(21), other = remote_pid(22, "other@host");
  Term m1, m2, m3;
  REQUIRE(in.run([&](Process& p) {
    p.link(rp1);
    m1 = p.monitor(rp2);
    m2 = p.monitor(T({A("srv"), A("remote@host")}));
    m3 = p.monitor(other);
    p.link(other);
  }));
  // A remote monitor on a local process from that node is dropped by the nodedown.
  Term watched = spawn_fn(rt, [](Process& self, Term m) { self.exit(std::move(m)); });
  rt.deliver_monitor(rp1, watched, remote_ref(7));
  // A process that does not trap exits dies of noconnection.
  Term plain = spawn_idle(rt);
  rt.deliver_link(rp2, plain);
  Term plain_ref = monitor_from(in, plain);
  for (int i = 0; i < 5; ++i) router.next();  // link, 3 monitors, link
  rt.node_down(Atom::make("remote@host"));
  std::vector<Term> got;
  for (int i = 0; i < 4; ++i) got.push_back(recv(in));
  auto has = [&](const Term& t) { return std::find(got.begin(), got.end(), t) != got.end(); };
  CHECK(has(T({A("EXIT"), rp1, A("noconnection")})));
  CHECK(has(T({A("DOWN"), m1, A("process"), rp2, A("noconnection")})));
  CHECK(has(T({A("DOWN"), m2, A("process"), T({A("srv"), A("remote@host")}), A("noconnection")})));
  CHECK(has(T({A("DOWN"), plain_ref, A("process"), plain, A("noconnection")})));
  // Nothing for other@host; and the dropped remote monitor gets no DOWN when watched ends.
  rt.send(watched, A("bye"));
  await_exit(rt, watched);
  rt.send(in.pid(), A("marker"));
  CHECK(recv(in) == A("marker"));
  CHECK(router.pending() == 0);
  rt.set_remote_router(nullptr);
}

TEST_CASE("at a node_down the link exits come first, then the DOWNs in the order the monitors were made", "[runtime][remote]") {
  Runtime rt(local_node());
  FakeRouter router;
  rt.set_remote_router(&router);
  Inbox in(rt, true);
  std::vector<Term> refs;
  Term linked = remote_pid(40);
  REQUIRE(in.run([&](Process& p) {
    for (uint32_t i = 0; i < 20; ++i) refs.push_back(p.monitor(remote_pid(50 + i)));
    p.link(linked);
  }));
  for (int i = 0; i < 21; ++i) router.next();
  rt.node_down(Atom::make("remote@host"));
  CHECK(recv(in) == T({A("EXIT"), linked, A("noconnection")}));
  for (uint32_t i = 0; i < 20; ++i)
    CHECK(recv(in) == T({A("DOWN"), refs[i], A("process"), remote_pid(50 + i), A("noconnection")}));
  rt.set_remote_router(nullptr);
}

TEST_CASE("a call to a remote process ends with {nodedown, Node} when its node goes down", "[runtime][remote]") {
  Runtime rt(local_node());
  FakeRouter router;
  rt.set_remote_router(&router);
  Inbox in(rt);
  Term to = in.pid();
  Term rp = remote_pid(30);
  spawn_fn2(rt, [rp, to](Process& self) {
    self.call(rp, atoms::gen_call, A("req"), 5000, [to](Process& self, CallOutcome o) {
      self.send(to, T({A(o.ok ? "ok" : "error"), o.value}));
    });
  }, [](Process&, Term) {});
  CHECK(router.next().element(0) == A("monitor"));
  CHECK(router.next().element(0) == A("send"));
  rt.node_down(Atom::make("remote@host"));
  CHECK(recv(in) == T({A("error"), T({A("nodedown"), A("remote@host")})}));
  rt.set_remote_router(nullptr);
}

TEST_CASE("a remote reply through the alias completes a call", "[runtime][remote]") {
  Runtime rt(local_node());
  FakeRouter router;
  rt.set_remote_router(&router);
  Inbox in(rt);
  Term to = in.pid();
  Term rp = remote_pid(31);
  spawn_fn2(rt, [rp, to](Process& self) {
    self.call(rp, atoms::gen_call, A("req"), 5000, [to](Process& self, CallOutcome o) {
      self.send(to, T({A(o.ok ? "ok" : "error"), o.value}));
    });
  }, [](Process&, Term) {});
  router.next();  // monitor
  Term sent = router.next();
  REQUIRE(sent.element(0) == A("send"));
  Term msg = sent.element(3);
  Term tag = msg.element(1).element(1);
  REQUIRE(tag.is_cons());
  rt.deliver_alias_send(rp, tag.tail(), T({tag, A("from_afar")}));
  CHECK(recv(in) == T({A("ok"), A("from_afar")}));
  rt.set_remote_router(nullptr);
}

TEST_CASE("a call to {Name, Node} from a node that is not distributed gives {nodedown, Node}", "[runtime][remote]") {
  Runtime rt;  // nonode@nohost
  CallOutcome o = rt.call(T({A("srv"), A("other@host")}), atoms::gen_call, A("x"), 1000);
  CHECK_FALSE(o.ok);
  CHECK(o.value == T({A("nodedown"), A("other@host")}));
}
