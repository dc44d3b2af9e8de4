// gen_server: start/init results, calls, casts, infos, reply-later, stop, terminate, names,
// call errors and OTP's wire format.
#include <latch>
#include <thread>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "../runtime/support.h"
#include "behaviors/gen_server.h"

using namespace rt_test;
using namespace ergod::behaviors;
namespace atoms = ergod::term::atoms;

namespace {

// What a test server saw, readable from the test thread.
struct Seen {
  std::mutex mu;
  std::vector<Term> events;
  void add(Term t) {
    std::lock_guard lock(mu);
    events.push_back(std::move(t));
  }
  bool has(const Term& t) {
    std::lock_guard lock(mu);
    for (auto& e : events)
      if (e == t) return true;
    return false;
  }
};

// A server driven by its requests:
//   {echo, X}          -> reply X
//   {later, X}         -> reply X from a helper process, later
//   {stop, R, Reply}   -> {stop, R, Reply}
//   {stop, R}          -> {stop, R} (no reply: the caller sees R)
//   {call, Dest, Req}  -> calls Dest (try_call) and replies with the outcome
//   throw              -> throws
//   casts: {forward, Pid, X} sends X to Pid; stop -> {stop, normal}
//   infos: forwarded to `report` as {info, Msg}
class TestServer : public GenServer {
 public:
  TestServer(std::shared_ptr<Seen> seen, Term report = Term()) : seen_(std::move(seen)), report_(std::move(report)) {}

  InitResult init(const Term& args) override {
    seen_->add(T({A("init"), args}));
    if (args == A("fail")) return Stop{A("init_failed"), Term()};
    if (args == A("ignore")) return Ignore{};
    if (args == A("throw")) throw std::runtime_error("init threw");
    if (args == A("trap")) process().set_trap_exit(true);
    return InitOk{};
  }

  CallResult handle_call(const Term& req, const Term& from) override {
    if (req.is_tuple() && req.element(0) == A("echo")) return Reply{req.element(1)};
    if (req.is_tuple() && req.element(0) == A("later")) {
      Term value = req.element(1);
      auto r = process().spawn(make_behavior([from, value](Process& helper) {
        gen_server::reply(helper, from, value);
        helper.exit(A("normal"));
      }, [](Process&, Term) {}));
      (void)r;
      return NoReply{};
    }
    if (req.is_tuple() && req.element(0) == A("stop"))
      return Stop{req.element(1), req.tuple_arity() == 3 ? req.element(2) : Term()};
    if (req.is_tuple() && req.element(0) == A("call")) {
      gen_server::try_call(process(), req.element(1), req.element(2), 1000, [from](Process& self, CallOutcome o) {
        gen_server::reply(self, from, T({A(o.ok ? "ok" : "error"), o.value}));
      });
      return NoReply{};
    }
    if (req == A("throw")) throw std::runtime_error("call threw");
    return Reply{T({A("unknown"), req})};
  }

  InfoResult handle_cast(const Term& msg) override {
    seen_->add(T({A("cast"), msg}));
    if (msg.is_tuple() && msg.element(0) == A("forward")) process().send(msg.element(1), msg.element(2));
    if (msg == A("stop")) return Stop{A("normal"), Term()};
    return NoReply{};
  }

  InfoResult handle_info(const Term& msg) override {
    seen_->add(T({A("info"), msg}));
    if (report_) process().send(report_, T({A("info"), msg}));
    return NoReply{};
  }

  void terminate(const Term& reason) override { seen_->add(T({A("terminate"), reason})); }

 private:
  std::shared_ptr<Seen> seen_;
  Term report_;
};

Term start_server(Runtime& rt, std::shared_ptr<Seen> seen, Term args = A("none"), StartOptions opts = {},
                  Term report = Term()) {
  return gen_server::start(rt, std::make_unique<TestServer>(std::move(seen), std::move(report)), std::move(args),
                           opts);
}

Term pid_of(const Term& started) {
  REQUIRE(started.is_tuple());
  REQUIRE(started.element(0) == A("ok"));
  return started.element(1);
}

}  // namespace

TEST_CASE("start returns {ok, Pid} after init, and the server answers calls", "[behaviors][gen_server]") {
  Runtime rt;
  auto seen = std::make_shared<Seen>();
  Term pid = pid_of(start_server(rt, seen, A("args")));
  CHECK(seen->has(T({A("init"), A("args")})));  // init ran before start returned
  CallOutcome o = gen_server::call(rt, pid, T({A("echo"), I(7)}));
  CHECK(o.ok);
  CHECK(o.value == I(7));
}

TEST_CASE("start returns init's error: {stop, Reason} gives {error, Reason}, ignore gives ignore", "[behaviors][gen_server]") {
  Runtime rt;
  auto seen = std::make_shared<Seen>();
  StartOptions named;
  named.name = Atom::make("gs_test_failing");
  CHECK(start_server(rt, seen, A("fail"), named) == T({A("error"), A("init_failed")}));
  CHECK_FALSE(rt.whereis(*named.name));  // the name is free again at once
  CHECK(start_server(rt, seen, A("ignore"), named) == A("ignore"));
  CHECK_FALSE(rt.whereis(*named.name));
  CHECK(start_server(rt, seen, A("throw")) ==
        T({A("error"), T({A("cxx_exception"), Term::binary(std::string_view("init threw"))})}));
  CHECK_FALSE(seen->has(T({A("terminate"), A("init_failed")})));  // OTP: no terminate after init fails
}

TEST_CASE("a registered server is reached by name, and a second start gives already_started", "[behaviors][gen_server]") {
  Runtime rt;
  auto seen = std::make_shared<Seen>();
  StartOptions named;
  named.name = Atom::make("gs_test_named");
  Term pid = pid_of(start_server(rt, seen, A("none"), named));
  CHECK(rt.whereis(*named.name) == pid);
  CHECK(gen_server::call(rt, A("gs_test_named"), T({A("echo"), A("by_name")})).value == A("by_name"));
  CHECK(gen_server::call(rt, T({A("gs_test_named"), Term::atom(rt.node())}), T({A("echo"), A("x")})).value == A("x"));
  CHECK(start_server(rt, seen, A("none"), named) == T({A("error"), T({A("already_started"), pid})}));
}

TEST_CASE("casts reach handle_cast and other messages reach handle_info, in order", "[behaviors][gen_server]") {
  Runtime rt;
  Inbox in(rt);
  auto seen = std::make_shared<Seen>();
  Term pid = pid_of(start_server(rt, seen, A("none"), {}, in.pid()));
  gen_server::cast(rt, pid, T({A("forward"), in.pid(), A("cast_done")}));
  rt.send(pid, A("plain_message"));
  CHECK(recv(in) == A("cast_done"));
  CHECK(recv(in) == T({A("info"), A("plain_message")}));
  gen_server::cast(rt, A("gs_test_nobody"), A("x"));  // a cast never fails
}

TEST_CASE("a server replies later with reply(From, Value), even from another process", "[behaviors][gen_server]") {
  Runtime rt;
  auto seen = std::make_shared<Seen>();
  Term pid = pid_of(start_server(rt, seen));
  CallOutcome o = gen_server::call(rt, pid, T({A("later"), A("eventually")}));
  CHECK(o.ok);
  CHECK(o.value == A("eventually"));
  o = gen_server::call(rt, pid, T({A("later"), A("no_timeout")}), kInfinity);  // plain-ref tag
  CHECK(o.value == A("no_timeout"));
}

TEST_CASE("stop with a reason runs terminate, replies, and linked processes see the reason", "[behaviors][gen_server]") {
  Runtime rt;
  Inbox in(rt);
  auto seen = std::make_shared<Seen>();
  Term to = in.pid();
  // A trapping parent starts the server linked, then calls it with a stop request.
  SpawnOptions trap;
  trap.trap_exit = true;
  spawn_fn2(rt, [seen, to](Process& self) {
    gen_server::start_link(self, std::make_unique<TestServer>(seen), A("none"), {}, [to](Process& self, Term r) {
      self.send(to, T({A("started"), r}));
      gen_server::try_call(self, r.element(1), T({A("stop"), A("boom"), A("bye")}), 5000,
                           [to](Process& self, CallOutcome o) { self.send(to, T({A("reply"), o.value})); });
    });
  }, [to](Process& self, Term m) { self.send(to, std::move(m)); }, trap);
  Term started = recv(in);
  Term server = started.element(1).element(1);
  CHECK(recv(in) == T({A("reply"), A("bye")}));
  CHECK(recv(in) == T({A("EXIT"), server, A("boom")}));
  CHECK(seen->has(T({A("terminate"), A("boom")})));
}

TEST_CASE("a stop without a reply ends the caller's call with the server's reason", "[behaviors][gen_server]") {
  Runtime rt;
  auto seen = std::make_shared<Seen>();
  Term pid = pid_of(start_server(rt, seen));
  CallOutcome o = gen_server::call(rt, pid, T({A("stop"), A("gone_away")}));
  CHECK_FALSE(o.ok);
  CHECK(o.value == A("gone_away"));
  CHECK(seen->has(T({A("terminate"), A("gone_away")})));
}

TEST_CASE("gen_server::stop runs terminate and returns ok once the server is gone", "[behaviors][gen_server]") {
  Runtime rt;
  auto seen = std::make_shared<Seen>();
  StartOptions named;
  named.name = Atom::make("gs_test_stopped");
  Term pid = pid_of(start_server(rt, seen, A("none"), named));
  CHECK(gen_server::stop(rt, A("gs_test_stopped"), A("shutdown")) == A("ok"));
  CHECK(seen->has(T({A("terminate"), A("shutdown")})));
  CHECK_FALSE(rt.is_alive(pid));
  CHECK_FALSE(rt.whereis(*named.name));
  CHECK(gen_server::stop(rt, pid) == A("noproc"));
}

TEST_CASE("calling a dead server: call exits the caller with {noproc, {gen_server, call, ...}}, try_call gives noproc", "[behaviors][gen_server]") {
  Runtime rt;
  Inbox in(rt);
  auto seen = std::make_shared<Seen>();
  Term pid = pid_of(start_server(rt, seen));
  REQUIRE(gen_server::stop(rt, pid) == A("ok"));
  CHECK(gen_server::call(rt, pid, A("x")).value == A("noproc"));
  Term to = in.pid();
  Watched w = spawn_watched(in, [pid, to](Process& self) {
    gen_server::call(self, pid, A("req"), 1000, [to](Process& self, Term) { self.send(to, A("unexpected")); });
  }, [](Process&, Term) {});
  CHECK(exit_reason(in, w) ==
        T({A("noproc"), T({A("gen_server"), A("call"), Term::list({pid, A("req"), I(1000)})})}));
}

TEST_CASE("a call that times out exits the caller with {timeout, ...} and the late reply is dropped", "[behaviors][gen_server]") {
  Runtime rt;
  Inbox in(rt);
  Term silent = spawn_idle(rt);  // never answers
  Term to = in.pid();
  Watched w = spawn_watched(in, [silent, to](Process& self) {
    gen_server::call(self, silent, A("req"), 20, [to](Process& self, Term) { self.send(to, A("unexpected")); });
  }, [](Process&, Term) {});
  CHECK(exit_reason(in, w) ==
        T({A("timeout"), T({A("gen_server"), A("call"), Term::list({silent, A("req"), I(20)})})}));
  CallOutcome o = gen_server::call(rt, silent, A("req"), 20);
  CHECK_FALSE(o.ok);
  CHECK(o.value == A("timeout"));
}

TEST_CASE("a server calling itself gets calling_self", "[behaviors][gen_server]") {
  Runtime rt;
  auto seen = std::make_shared<Seen>();
  Term pid = pid_of(start_server(rt, seen));
  CallOutcome o = gen_server::call(rt, pid, T({A("call"), pid, A("x")}));
  CHECK(o.value == T({A("error"), A("calling_self")}));
}

TEST_CASE("a server waiting on another server's reply handles its other messages after it, in order", "[behaviors][gen_server]") {
  Runtime rt;
  Inbox in(rt);
  auto seen = std::make_shared<Seen>();
  Term a = pid_of(start_server(rt, seen));
  Term b = pid_of(start_server(rt, std::make_shared<Seen>()));
  // a calls b for a reply that comes later; meanwhile a is sent casts.
  std::thread caller([&] {
    CallOutcome o = gen_server::call(rt, a, T({A("call"), b, T({A("later"), A("from_b")})}));
    rt.send(in.pid(), T({A("outer"), o.value}));
  });
  for (int i = 0; i < 3; ++i) gen_server::cast(rt, a, T({A("forward"), in.pid(), I(i)}));
  Term first = recv(in);
  caller.join();
  // Whatever the interleaving, a handled the casts in their order.
  std::vector<Term> got{first};
  for (int i = 0; i < 3; ++i) got.push_back(recv(in));
  std::vector<Term> casts;
  for (auto& g : got)
    if (g.is_small()) casts.push_back(g);
  REQUIRE(casts.size() == 3);
  CHECK(casts[0] == I(0));
  CHECK(casts[1] == I(1));
  CHECK(casts[2] == I(2));
  bool outer_ok = false;
  for (auto& g : got)
    if (g == T({A("outer"), T({A("ok"), A("from_b")})})) outer_ok = true;
  CHECK(outer_ok);
}

TEST_CASE("when the parent ends, a server that traps exits runs terminate and ends with its reason", "[behaviors][gen_server]") {
  Runtime rt;
  Inbox in(rt);
  auto seen = std::make_shared<Seen>();
  Term to = in.pid();
  Watched parent = spawn_watched(in, [seen, to](Process& self) {
    gen_server::start_link(self, std::make_unique<TestServer>(seen), A("trap"), {},
                           [to](Process& self, Term r) { self.send(to, T({A("started"), r})); });
  }, [](Process& self, Term m) {
    if (m == A("die")) self.exit(A("parent_quit"));
  });
  Term server = recv(in).element(1).element(1);
  Term sref = monitor_from(in, server);
  rt.send(parent.pid, A("die"));
  CHECK(await_down(in, sref).element(4) == A("parent_quit"));
  CHECK(seen->has(T({A("terminate"), A("parent_quit")})));
}

TEST_CASE("an exception in a callback runs terminate and ends the server with cxx_exception", "[behaviors][gen_server]") {
  Runtime rt;
  auto seen = std::make_shared<Seen>();
  Term pid = pid_of(start_server(rt, seen));
  CallOutcome o = gen_server::call(rt, pid, A("throw"));
  Term reason = T({A("cxx_exception"), Term::binary(std::string_view("call threw"))});
  CHECK_FALSE(o.ok);
  CHECK(o.value == reason);
  CHECK(seen->has(T({A("terminate"), reason})));
}

TEST_CASE("the wire format is OTP's: replies go to [alias|A] tags' alias, else to the caller's pid", "[behaviors][gen_server]") {
  Runtime rt;
  Inbox in(rt);
  auto seen = std::make_shared<Seen>();
  Term pid = pid_of(start_server(rt, seen));
  // An Erlang-style caller with a plain reference tag (gen.erl, infinity, local).
  Term ref = rt.make_ref();
  rt.send(pid, T({A("$gen_call"), T({in.pid(), ref}), T({A("echo"), A("plain")})}));
  CHECK(recv(in) == T({ref, A("plain")}));
  // With [alias | Alias]: the reply goes to the alias (here an alias of the inbox).
  Term alias;
  REQUIRE(in.run([&](Process& p) { alias = p.alias(); }));
  Term tag = Term::cons(A("alias"), alias);
  Term other = spawn_idle(rt);  // the pid in From is not where the reply goes
  rt.send(pid, T({A("$gen_call"), T({other, tag}), T({A("echo"), A("aliased")})}));
  CHECK(recv(in) == T({tag, A("aliased")}));
  // A cast is {'$gen_cast', Msg}.
  rt.send(pid, T({A("$gen_cast"), T({A("forward"), in.pid(), A("raw_cast")})}));
  CHECK(recv(in) == A("raw_cast"));
}

TEST_CASE("a call whose From is no {Pid, Tag} is handled, then the server crashes in gen:reply without terminate", "[behaviors][gen_server]") {
  Runtime rt;
  Inbox in(rt);
  auto seen = std::make_shared<Seen>();
  Term pid = pid_of(start_server(rt, seen));
  Term mref = monitor_from(in, pid);
  rt.send(pid, T({A("$gen_call"), A("bogus"), T({A("echo"), A("x")})}));
  Term frame = T({A("gen"), A("reply"), Term::list({A("bogus"), A("x")}), Term::nil()});
  CHECK(await_down(in, mref).element(4) == T({A("function_clause"), Term::list({frame})}));
  for (auto& e : seen->events) CHECK(e.element(0) != A("terminate"));
}

TEST_CASE("start_link from a process gives init's error and the starter gets the exit signal", "[behaviors][gen_server]") {
  Runtime rt;
  Inbox in(rt);
  auto seen = std::make_shared<Seen>();
  Term to = in.pid();
  SpawnOptions trap;
  trap.trap_exit = true;
  spawn_fn2(rt, [seen, to](Process& self) {
    gen_server::start_link(self, std::make_unique<TestServer>(seen), A("fail"), {},
                           [to](Process& self, Term r) { self.send(to, T({A("result"), r})); });
  }, [to](Process& self, Term m) { self.send(to, std::move(m)); }, trap);
  CHECK(recv(in) == T({A("result"), T({A("error"), A("init_failed")})}));
  Term exit = recv(in);
  CHECK(exit.element(0) == A("EXIT"));
  CHECK(exit.element(2) == A("init_failed"));
}

TEST_CASE("a start whose init outlasts the start timeout gives {error, timeout} and kills the server", "[behaviors][gen_server]") {
  RuntimeConfig cfg;
  cfg.workers = 2;
  Runtime rt(cfg);
  Inbox in(rt);
  auto release = std::make_shared<std::latch>(1);
  struct Slow : GenServer {
    std::shared_ptr<std::latch> release;
    explicit Slow(std::shared_ptr<std::latch> r) : release(std::move(r)) {}
    InitResult init(const Term&) override {
      release->wait();  // holds this worker until the test lets go
      return InitOk{};
    }
  };
  StartOptions opts;
  opts.timeout = 30;
  Term to = in.pid();
  spawn_fn2(rt, [release, opts, to](Process& self) {
    gen_server::start(self, std::make_unique<Slow>(release), A("none"), opts, [to](Process& self, Term r) {
      self.send(to, r);
    });
  }, [](Process&, Term) {});
  CHECK(recv(in) == T({A("error"), A("timeout")}));
  release->count_down();
}

TEST_CASE("gen_server::spawn returns the pid without waiting for init, which runs in the new process", "[behaviors][gen_server]") {
  Runtime rt;
  Inbox in(rt, true);
  auto seen = std::make_shared<Seen>();
  Term pid, mref;
  REQUIRE(in.run([&](Process& self) {
    SpawnOptions opts;
    opts.link = true;
    opts.monitor = true;
    opts.name = Atom::make("gs_test_spawned");
    auto r = gen_server::spawn(self, std::make_unique<TestServer>(seen, in.pid()), A("args"), opts);
    REQUIRE(r.ok());
    pid = r->pid;
    mref = r->monitor;
  }));
  CHECK(mref.is_reference());
  CHECK(gen_server::call(rt, A("gs_test_spawned"), T({A("echo"), I(1)})).value == I(1));
  CHECK(seen->has(T({A("init"), A("args")})));
  // A failing init just ends the process; nobody is waiting for an ack.
  Term failing;
  REQUIRE(in.run([&](Process& self) {
    SpawnOptions opts;
    opts.monitor = true;
    auto r = gen_server::spawn(self, std::make_unique<TestServer>(seen), A("fail"), opts);
    REQUIRE(r.ok());
    failing = r->monitor;
  }));
  Term down = recv_if(in, [&](const Term& m) { return is_down_for(m, failing); });
  CHECK(down.element(4) == A("init_failed"));
}
