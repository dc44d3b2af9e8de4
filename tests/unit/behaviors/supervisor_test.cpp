// supervisor: start order, failed starts, ignore, the strategies, restart types, intensity,
// shutdown kinds, reverse-order shutdown, simple_one_for_one, nested supervisors and the
// request protocol (which_children, count_children, terminate/restart/delete/start_child).
// Test children report {init, Id, Pid} and {terminate, Id, Reason} to the test's Inbox, so the
// tests wait on those events, never on the clock.
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "../runtime/support.h"
#include "base/log.h"
#include "behaviors/supervisor.h"

using namespace rt_test;
using namespace ergod::behaviors;
namespace atoms = ergod::term::atoms;

namespace {

struct Knobs {
  std::atomic<int> fail_starts{0};  // the next N inits fail
};

// args: {Id, Mode}; Mode: ok | fail | ignore | trap (traps exits: terminate runs on shutdown) |
// hang (traps exits and then waits for a message that never comes, so it never exits).
// Casts: {exit, Reason} stops with Reason.
class Worker : public GenServer {
 public:
  Worker(Term report, std::shared_ptr<Knobs> knobs) : report_(std::move(report)), knobs_(std::move(knobs)) {}

  InitResult init(const Term& args) override {
    Term mode;
    if (args.is_tuple()) {
      id_ = args.element(0);
      mode = args.element(1);
    } else {  // simple_one_for_one: [Id | Extra]
      id_ = args;
      mode = A("ok");
    }
    process().send(report_, T({A("init"), id_, self()}));
    if (knobs_ && knobs_->fail_starts.load() > 0) {
      knobs_->fail_starts.fetch_sub(1);
      return Stop{A("knob_failed"), Term()};
    }
    if (mode == A("fail")) return Stop{A("init_failed"), Term()};
    if (mode == A("ignore")) return Ignore{};
    if (mode == A("trap") || mode == A("hang")) process().set_trap_exit(true);
    if (mode == A("hang"))
      process().receive([](const Term&) { return false; }, kInfinity, [](Process&, std::optional<Term>) {});
    return InitOk{};
  }
  InfoResult handle_cast(const Term& m) override {
    if (m.is_tuple() && m.element(0) == A("exit")) return Stop{m.element(1), Term()};
    return NoReply{};
  }
  void terminate(const Term& reason) override { process().send(report_, T({A("terminate"), id_, reason})); }

 private:
  Term report_, id_;
  std::shared_ptr<Knobs> knobs_;
};

ChildSpec child(const char* id, const Term& report, const char* mode = "ok",
                RestartType restart = RestartType::permanent, int64_t shutdown_ms = 5000,
                std::shared_ptr<Knobs> knobs = nullptr) {
  ChildSpec c;
  c.id = A(id);
  c.make = [report, knobs] { return std::make_unique<Worker>(report, knobs); };
  c.args = T({A(id), A(mode)});
  c.restart = restart;
  c.shutdown_ms = shutdown_ms;
  return c;
}

SupervisorSpec sup_spec(Strategy s, std::vector<ChildSpec> children, uint32_t intensity = 10) {
  SupervisorSpec spec;
  spec.strategy = s;
  spec.intensity = intensity;
  spec.period_s = 60;
  spec.children = std::move(children);
  spec.log_source = "suptest";
  return spec;
}

Term ok_pid(const Term& r) {
  INFO(str(r));
  REQUIRE(r.is_tuple());
  REQUIRE(r.element(0) == A("ok"));
  REQUIRE(r.element(1).is_pid());
  return r.element(1);
}

Term reply(const CallOutcome& o) {
  INFO(str(o.value));
  REQUIRE(o.ok);
  return o.value;
}

bool is_event(const Term& m, const char* what, const char* id) {
  return m.is_tuple() && m.tuple_arity() == 3 && m.element(0) == A(what) && m.element(1) == A(id);
}
// The next {init, Id, Pid} or {terminate, Id, _} event (others stay queued); returns element 2.
Term next_event(Inbox& in) {
  Term m = recv_if(in, [](const Term& m) {
    return m.is_tuple() && m.tuple_arity() == 3 && (m.element(0) == A("init") || m.element(0) == A("terminate"));
  });
  return m;
}
void expect_events(Inbox& in, const std::vector<std::pair<const char*, const char*>>& want) {
  for (auto& [what, id] : want) {
    Term m = next_event(in);
    INFO("expected {" << what << ", " << id << ", _}");
    CHECK(is_event(m, what, id));
  }
}

// which_children as Id -> pid (or the atom undefined/restarting).
Term child_pid(Runtime& rt, const Term& sup, const char* id) {
  Term list = reply(supervisor::which_children(rt, sup));
  for (Term t = list; t.is_cons(); t = t.tail())
    if (t.head().element(0) == A(id)) return t.head().element(1);
  return Term();
}

Term count(Runtime& rt, const Term& sup) { return reply(supervisor::count_children(rt, sup)); }
Term counts(int64_t specs, int64_t active, int64_t sups, int64_t workers) {
  return Term::list({T({A("specs"), I(specs)}), T({A("active"), I(active)}), T({A("supervisors"), I(sups)}),
                     T({A("workers"), I(workers)})});
}

// Captures log lines for the duration of a test.
struct LogCapture {
  std::mutex mu;
  std::vector<std::string> lines;
  LogCapture() {
    ergod::set_log_sink([this](ergod::LogLevel, std::string_view m) {
      std::lock_guard lock(mu);
      lines.emplace_back(m);
    });
  }
  ~LogCapture() { ergod::set_log_sink({}); }
  bool has(std::string_view part) {
    std::lock_guard lock(mu);
    for (auto& l : lines)
      if (l.find(part) != std::string::npos) return true;
    return false;
  }
};

// A parent process for start_link: {start, Spec*} starts the supervisor (reports
// {started, Result} to `to`); {exit, Reason} ends the parent with Reason.
Term spawn_parent(Runtime& rt, const Term& to, std::shared_ptr<SupervisorSpec> spec) {
  return spawn_fn(rt, [to, spec](Process& self, Term m) {
    if (m == A("start")) {
      supervisor::start_link(self, std::move(*spec), {}, [to](Process& self, Term r) {
        self.send(to, T({A("started"), r}));
      });
    } else if (m.is_tuple() && m.element(0) == A("exit")) {
      self.exit(m.element(1));
    }
  });
}

Term start_sup(Runtime& rt, SupervisorSpec spec) { return ok_pid(supervisor::start(rt, std::move(spec))); }

// A simple_one_for_one supervisor with template t, started by a parent (spawn_parent) whose
// {started, _} report goes to in.
struct SimpleSup {
  Term parent, sup;
};
SimpleSup start_simple_sup(Runtime& rt, Inbox& in, ChildSpec t) {
  auto spec = std::make_shared<SupervisorSpec>(sup_spec(Strategy::simple_one_for_one, {std::move(t)}));
  Term parent = spawn_parent(rt, in.pid(), spec);
  rt.send(parent, A("start"));
  return {parent,
          ok_pid(recv_if(in, [](const Term& m) { return m.is_tuple() && m.element(0) == A("started"); }).element(1))};
}

void stop_sup(Runtime& rt, const Term& sup) { CHECK(gen_server::stop(rt, sup, A("shutdown")) == A("ok")); }

}  // namespace

TEST_CASE("children start in order, each after the previous one's init", "[behaviors][supervisor]") {
  Runtime rt;
  Inbox in(rt);
  Term sup = start_sup(rt, sup_spec(Strategy::one_for_one, {child("a", in.pid()), child("b", in.pid()), child("c", in.pid())}));
  expect_events(in, {{"init", "a"}, {"init", "b"}, {"init", "c"}});
  // which_children: last started first, Modules [Id].
  Term list = reply(supervisor::which_children(rt, sup));
  REQUIRE(ergod::term::list_length(list) == 3);
  CHECK(list.head().element(0) == A("c"));
  CHECK(list.head().element(1).is_pid());
  CHECK(list.head().element(2) == A("worker"));
  CHECK(list.head().element(3) == Term::list({A("c")}));
  CHECK(count(rt, sup) == counts(3, 3, 0, 3));
  stop_sup(rt, sup);
}

TEST_CASE("a child whose init fails: the started ones stop in reverse order and the start fails",
          "[behaviors][supervisor]") {
  Runtime rt;
  Inbox in(rt);
  LogCapture logs;
  Term r = supervisor::start(
      rt, sup_spec(Strategy::one_for_one,
                   {child("a", in.pid(), "trap"), child("b", in.pid(), "trap"), child("c", in.pid(), "fail"),
                    child("d", in.pid())}));
  CHECK(r == T({A("error"), T({A("shutdown"), T({A("failed_to_start_child"), A("c"), A("init_failed")})})}));
  expect_events(in, {{"init", "a"}, {"init", "b"}, {"init", "c"}, {"terminate", "b"}, {"terminate", "a"}});
  CHECK(logs.has("Context: start_error. Reason: init_failed. Offender: id=c"));
  CHECK(in.size() == 0);  // d never started
}

TEST_CASE("a supervisor with a registered name can be started again at once after a failed start",
          "[behaviors][supervisor]") {
  Runtime rt;
  Inbox in(rt);
  StartOptions named;
  named.name = Atom::make("sup_again");
  Term r = supervisor::start(rt, sup_spec(Strategy::one_for_one, {child("a", in.pid(), "fail")}), named);
  CHECK(r.element(0) == A("error"));
  Term sup = ok_pid(supervisor::start(rt, sup_spec(Strategy::one_for_one, {child("a", in.pid())}), named));
  CHECK(rt.whereis(Atom::make("sup_again")) == sup);
  stop_sup(rt, sup);
}

TEST_CASE("init returning ignore: the child is kept with pid undefined and not restarted; a temporary one is dropped",
          "[behaviors][supervisor]") {
  Runtime rt;
  Inbox in(rt);
  Term sup = start_sup(rt, sup_spec(Strategy::one_for_one,
                                    {child("a", in.pid(), "ignore"), child("t", in.pid(), "ignore", RestartType::temporary),
                                     child("b", in.pid())}));
  expect_events(in, {{"init", "a"}, {"init", "t"}, {"init", "b"}});
  CHECK(child_pid(rt, sup, "a") == A("undefined"));
  CHECK(!child_pid(rt, sup, "t"));
  CHECK(count(rt, sup) == counts(2, 1, 0, 2));
  stop_sup(rt, sup);
}

TEST_CASE("one_for_one restarts only the child that ended", "[behaviors][supervisor]") {
  Runtime rt;
  Inbox in(rt);
  Term sup = start_sup(rt, sup_spec(Strategy::one_for_one,
                                    {child("a", in.pid(), "trap"), child("b", in.pid(), "trap"), child("c", in.pid(), "trap")}));
  expect_events(in, {{"init", "a"}, {"init", "b"}, {"init", "c"}});
  Term a = child_pid(rt, sup, "a"), b = child_pid(rt, sup, "b"), c = child_pid(rt, sup, "c");
  gen_server::cast(rt, b, T({A("exit"), A("boom")}));
  expect_events(in, {{"terminate", "b"}, {"init", "b"}});
  Term b2 = child_pid(rt, sup, "b");
  CHECK(b2.is_pid());
  CHECK(b2 != b);
  CHECK(child_pid(rt, sup, "a") == a);
  CHECK(child_pid(rt, sup, "c") == c);
  stop_sup(rt, sup);
}

TEST_CASE("one_for_all stops the others in reverse order and restarts all in order", "[behaviors][supervisor]") {
  Runtime rt;
  Inbox in(rt);
  Term sup = start_sup(rt, sup_spec(Strategy::one_for_all,
                                    {child("a", in.pid(), "trap"), child("b", in.pid(), "trap"), child("c", in.pid(), "trap")}));
  expect_events(in, {{"init", "a"}, {"init", "b"}, {"init", "c"}});
  gen_server::cast(rt, child_pid(rt, sup, "b"), T({A("exit"), A("boom")}));
  expect_events(in, {{"terminate", "b"}, {"terminate", "c"}, {"terminate", "a"}, {"init", "a"}, {"init", "b"}, {"init", "c"}});
  CHECK(count(rt, sup) == counts(3, 3, 0, 3));
  stop_sup(rt, sup);
}

TEST_CASE("rest_for_one stops and restarts the children after the one that ended", "[behaviors][supervisor]") {
  Runtime rt;
  Inbox in(rt);
  Term sup = start_sup(rt, sup_spec(Strategy::rest_for_one,
                                    {child("a", in.pid(), "trap"), child("b", in.pid(), "trap"), child("c", in.pid(), "trap"),
                                     child("d", in.pid(), "trap")}));
  expect_events(in, {{"init", "a"}, {"init", "b"}, {"init", "c"}, {"init", "d"}});
  Term a = child_pid(rt, sup, "a");
  gen_server::cast(rt, child_pid(rt, sup, "b"), T({A("exit"), A("boom")}));
  expect_events(in, {{"terminate", "b"}, {"terminate", "d"}, {"terminate", "c"}, {"init", "b"}, {"init", "c"}, {"init", "d"}});
  CHECK(child_pid(rt, sup, "a") == a);
  stop_sup(rt, sup);
}

TEST_CASE("restart types: permanent always, transient only after an abnormal exit, temporary never",
          "[behaviors][supervisor]") {
  Runtime rt;
  Inbox in(rt);
  LogCapture logs;
  Term sup = start_sup(rt, sup_spec(Strategy::one_for_one,
                                    {child("p", in.pid()), child("tr", in.pid(), "ok", RestartType::transient),
                                     child("te", in.pid(), "ok", RestartType::temporary)}));
  expect_events(in, {{"init", "p"}, {"init", "tr"}, {"init", "te"}});

  gen_server::cast(rt, child_pid(rt, sup, "p"), T({A("exit"), A("normal")}));
  expect_events(in, {{"terminate", "p"}, {"init", "p"}});

  gen_server::cast(rt, child_pid(rt, sup, "tr"), T({A("exit"), A("boom")}));
  expect_events(in, {{"terminate", "tr"}, {"init", "tr"}});
  CHECK(logs.has("Context: child_terminated. Reason: boom. Offender: id=tr"));
  gen_server::cast(rt, child_pid(rt, sup, "tr"), T({A("exit"), T({A("shutdown"), A("done")})}));
  expect_events(in, {{"terminate", "tr"}});

  gen_server::cast(rt, child_pid(rt, sup, "te"), T({A("exit"), A("boom")}));
  expect_events(in, {{"terminate", "te"}});
  // Both requests below queue behind the EXITs, so the table is up to date.
  CHECK(child_pid(rt, sup, "tr") == A("undefined"));
  CHECK(!child_pid(rt, sup, "te"));  // removed
  CHECK(count(rt, sup) == counts(2, 1, 0, 2));
  CHECK(in.size() == 0);  // nothing restarted
  stop_sup(rt, sup);
}

TEST_CASE("more restarts than the intensity within the period: children stop and the supervisor exits shutdown",
          "[behaviors][supervisor]") {
  Runtime rt;
  Inbox in(rt);
  LogCapture logs;
  Term sup = start_sup(rt, sup_spec(Strategy::one_for_one, {child("a", in.pid()), child("b", in.pid(), "trap")}, 1));
  expect_events(in, {{"init", "a"}, {"init", "b"}});
  Term mref = monitor_from(in, sup);
  gen_server::cast(rt, child_pid(rt, sup, "a"), T({A("exit"), A("boom")}));
  expect_events(in, {{"terminate", "a"}, {"init", "a"}});  // one restart is allowed
  gen_server::cast(rt, child_pid(rt, sup, "a"), T({A("exit"), A("boom")}));
  expect_events(in, {{"terminate", "a"}, {"terminate", "b"}});
  Term down = recv_if(in, [&](const Term& m) { return is_down_for(m, mref); });
  CHECK(down.element(4) == A("shutdown"));
  CHECK(logs.has("Context: shutdown. Reason: reached_max_restart_intensity. Offender: id=a"));
}

TEST_CASE("shutdown: brutal_kill kills, a timeout lets the child terminate, a child ignoring shutdown is killed after it",
          "[behaviors][supervisor]") {
  Runtime rt;
  Inbox in(rt);
  LogCapture logs;
  Term sup = start_sup(rt, sup_spec(Strategy::one_for_one,
                                    {child("brutal", in.pid(), "trap", RestartType::permanent, kBrutalKill),
                                     child("polite", in.pid(), "trap", RestartType::permanent, 5000),
                                     child("deaf", in.pid(), "hang", RestartType::permanent, 50)}));
  expect_events(in, {{"init", "brutal"}, {"init", "polite"}, {"init", "deaf"}});

  auto stop_and_reason = [&](const char* id) {
    Term pid = child_pid(rt, sup, id);
    Term mref = monitor_from(in, pid);
    CHECK(reply(supervisor::terminate_child(rt, sup, A(id))) == A("ok"));
    return recv_if(in, [&](const Term& m) { return is_down_for(m, mref); }).element(4);
  };
  CHECK(stop_and_reason("brutal") == A("killed"));
  CHECK(stop_and_reason("polite") == A("shutdown"));
  expect_events(in, {{"terminate", "polite"}});
  CHECK(stop_and_reason("deaf") == A("killed"));
  CHECK(logs.has("Context: shutdown_error. Reason: killed. Offender: id=deaf"));
  CHECK(!logs.has("Offender: id=brutal"));
  CHECK(in.size() == 0);  // brutal and deaf ran no terminate
  stop_sup(rt, sup);
}

TEST_CASE("when the parent exits, the supervisor stops its children in reverse start order and exits too",
          "[behaviors][supervisor]") {
  Runtime rt;
  Inbox in(rt);
  auto spec = std::make_shared<SupervisorSpec>(sup_spec(
      Strategy::one_for_one, {child("a", in.pid(), "trap"), child("b", in.pid(), "trap"), child("c", in.pid(), "trap")}));
  Term parent = spawn_parent(rt, in.pid(), spec);
  rt.send(parent, A("start"));
  Term started = recv_if(in, [](const Term& m) { return m.is_tuple() && m.element(0) == A("started"); });
  Term sup = ok_pid(started.element(1));
  expect_events(in, {{"init", "a"}, {"init", "b"}, {"init", "c"}});
  Term mref = monitor_from(in, sup);
  rt.send(parent, T({A("exit"), A("shutdown")}));
  expect_events(in, {{"terminate", "c"}, {"terminate", "b"}, {"terminate", "a"}});
  CHECK(recv_if(in, [&](const Term& m) { return is_down_for(m, mref); }).element(4) == A("shutdown"));
}

TEST_CASE("simple_one_for_one: dynamic children get Args ++ ExtraArgs, restart, and stop with the supervisor",
          "[behaviors][supervisor]") {
  Runtime rt;
  Inbox in(rt);
  ChildSpec t = child("t", in.pid(), "ok", RestartType::permanent, 5000);
  t.args = Term::list({A("x")});
  SimpleSup started = start_simple_sup(rt, in, t);
  Term parent = started.parent, sup = started.sup;

  Term c1 = ok_pid(reply(supervisor::start_child(rt, sup, Term::list({A("y")}))));
  Term ev = next_event(in);
  CHECK(ev.element(1) == Term::list({A("x"), A("y")}));  // the Worker's id is its whole args
  Term c2 = ok_pid(reply(supervisor::start_child(rt, sup, Term::list({A("z")}))));
  CHECK(next_event(in).element(1) == Term::list({A("x"), A("z")}));
  CHECK(count(rt, sup) == counts(1, 2, 0, 2));
  Term list = reply(supervisor::which_children(rt, sup));
  REQUIRE(ergod::term::list_length(list) == 2);
  CHECK(list.head().element(0) == A("undefined"));
  CHECK(list.head().element(2) == A("worker"));
  CHECK(list.head().element(3) == Term::list({A("t")}));

  // A crashed dynamic child comes back with the same arguments.
  gen_server::cast(rt, c1, T({A("exit"), A("boom")}));
  Term again = next_event(in);
  CHECK(again.element(0) == A("terminate"));
  again = next_event(in);
  CHECK(again.element(0) == A("init"));
  CHECK(again.element(1) == Term::list({A("x"), A("y")}));

  CHECK(reply(supervisor::terminate_child(rt, sup, c2)) == A("ok"));
  CHECK(!rt.is_alive(c2));
  CHECK(reply(supervisor::terminate_child(rt, sup, A("t"))) == T({A("error"), A("simple_one_for_one")}));
  CHECK(reply(supervisor::restart_child(rt, sup, A("t"))) == T({A("error"), A("simple_one_for_one")}));
  CHECK(reply(supervisor::delete_child(rt, sup, A("t"))) == T({A("error"), A("simple_one_for_one")}));
  CHECK(reply(supervisor::start_child(rt, sup, A("not_a_list"))).element(0) == A("error"));
  CHECK(count(rt, sup) == counts(1, 1, 0, 1));

  Term c3 = again.element(2);
  Term mref = monitor_from(in, c3);
  Term smref = monitor_from(in, sup);
  rt.send(parent, T({A("exit"), A("shutdown")}));
  CHECK(recv_if(in, [&](const Term& m) { return is_down_for(m, mref); }).element(4) == A("shutdown"));
  CHECK(recv_if(in, [&](const Term& m) { return is_down_for(m, smref); }).element(4) == A("shutdown"));
}

TEST_CASE("nested supervisors: the inner one is a supervisor child, restarted as a whole, stopped before its parent ends",
          "[behaviors][supervisor]") {
  Runtime rt;
  Inbox in(rt);
  Term report = in.pid();
  ChildSpec inner = supervisor_child(A("inner"), [report] {
    return sup_spec(Strategy::one_for_one, {child("x", report, "trap"), child("y", report, "trap")}, 0);
  });
  auto spec = std::make_shared<SupervisorSpec>(sup_spec(Strategy::one_for_one, {child("a", report, "trap"), inner}));
  Term parent = spawn_parent(rt, in.pid(), spec);
  rt.send(parent, A("start"));
  Term top = ok_pid(recv_if(in, [](const Term& m) { return m.is_tuple() && m.element(0) == A("started"); }).element(1));
  expect_events(in, {{"init", "a"}, {"init", "x"}, {"init", "y"}});
  Term list = reply(supervisor::which_children(rt, top));
  CHECK(list.head().element(0) == A("inner"));
  CHECK(list.head().element(2) == A("supervisor"));
  CHECK(count(rt, top) == counts(2, 2, 1, 1));
  Term inner_pid = child_pid(rt, top, "inner");
  CHECK(count(rt, inner_pid) == counts(2, 2, 0, 2));

  // The inner supervisor gives up at once (intensity 0): the top restarts it with its children.
  gen_server::cast(rt, child_pid(rt, inner_pid, "x"), T({A("exit"), A("boom")}));
  expect_events(in, {{"terminate", "x"}, {"terminate", "y"}, {"init", "x"}, {"init", "y"}});
  Term inner2 = child_pid(rt, top, "inner");
  CHECK(inner2.is_pid());
  CHECK(inner2 != inner_pid);

  // The top's parent exits: inner (last started) stops first, with its own children in reverse.
  Term mref = monitor_from(in, top);
  rt.send(parent, T({A("exit"), A("shutdown")}));
  expect_events(in, {{"terminate", "y"}, {"terminate", "x"}, {"terminate", "a"}});
  CHECK(recv_if(in, [&](const Term& m) { return is_down_for(m, mref); }).element(4) == A("shutdown"));
}

TEST_CASE("a failing nested supervisor fails its parent's start", "[behaviors][supervisor]") {
  Runtime rt;
  Inbox in(rt);
  Term report = in.pid();
  ChildSpec inner = supervisor_child(A("inner"), [report] {
    return sup_spec(Strategy::one_for_one, {child("x", report, "fail")});
  });
  Term r = supervisor::start(rt, sup_spec(Strategy::one_for_one, {child("a", report, "trap"), inner}));
  Term inner_reason = T({A("shutdown"), T({A("failed_to_start_child"), A("x"), A("init_failed")})});
  CHECK(r == T({A("error"), T({A("shutdown"), T({A("failed_to_start_child"), A("inner"), inner_reason})})}));
  expect_events(in, {{"init", "a"}, {"init", "x"}, {"terminate", "a"}});
}

TEST_CASE("terminate_child, restart_child, delete_child and start_child answer as supervisor.erl",
          "[behaviors][supervisor]") {
  Runtime rt;
  Inbox in(rt);
  Term sup = start_sup(rt, sup_spec(Strategy::one_for_one, {child("a", in.pid()), child("b", in.pid())}));
  expect_events(in, {{"init", "a"}, {"init", "b"}});
  Term err_running = T({A("error"), A("running")}), err_not_found = T({A("error"), A("not_found")});

  CHECK(reply(supervisor::restart_child(rt, sup, A("a"))) == err_running);
  CHECK(reply(supervisor::delete_child(rt, sup, A("a"))) == err_running);
  CHECK(reply(supervisor::terminate_child(rt, sup, A("nope"))) == err_not_found);
  CHECK(reply(supervisor::restart_child(rt, sup, A("nope"))) == err_not_found);
  CHECK(reply(supervisor::delete_child(rt, sup, A("nope"))) == err_not_found);

  CHECK(reply(supervisor::terminate_child(rt, sup, A("a"))) == A("ok"));
  CHECK(child_pid(rt, sup, "a") == A("undefined"));
  CHECK(count(rt, sup) == counts(2, 1, 0, 2));
  CHECK(reply(supervisor::terminate_child(rt, sup, A("a"))) == A("ok"));  // already stopped: still ok
  Term a2 = ok_pid(reply(supervisor::restart_child(rt, sup, A("a"))));
  expect_events(in, {{"init", "a"}});
  CHECK(child_pid(rt, sup, "a") == a2);

  CHECK(reply(supervisor::terminate_child(rt, sup, A("b"))) == A("ok"));
  CHECK(reply(supervisor::delete_child(rt, sup, A("b"))) == A("ok"));
  CHECK(!child_pid(rt, sup, "b"));

  // start_child with a C++ spec; the id must be new.
  Term c = ok_pid(reply(supervisor::start_child(rt, sup, child("c", in.pid()))));
  expect_events(in, {{"init", "c"}});
  CHECK(reply(supervisor::start_child(rt, sup, child("c", in.pid()))) == T({A("error"), T({A("already_started"), c})}));
  CHECK(reply(supervisor::terminate_child(rt, sup, A("c"))) == A("ok"));
  CHECK(reply(supervisor::start_child(rt, sup, child("c", in.pid()))) == T({A("error"), A("already_present")}));
  CHECK(reply(supervisor::start_child(rt, sup, child("d", in.pid(), "fail"))) ==
        T({A("error"), T({A("init_failed"), A("d")})}));
  expect_events(in, {{"init", "d"}});
  CHECK(!child_pid(rt, sup, "d"));
  // A valid child spec term (what an Erlang node would send) names no C++ code.
  Term spec_map = Term::map({{A("id"), A("e")}, {A("start"), T({A("m"), A("f"), Term::nil()})}});
  CHECK(reply(gen_server::call(rt, sup, T({A("start_child"), spec_map}))) ==
        T({A("error"), T({A("cxx_child_spec_required"), spec_map})}));
  // A later child starts after the others and is listed first.
  CHECK(reply(supervisor::which_children(rt, sup)).head().element(0) == A("c"));
  stop_sup(rt, sup);
}

TEST_CASE("a restart that fails is retried (child shown as restarting meanwhile) and counts toward the intensity",
          "[behaviors][supervisor]") {
  Runtime rt;
  Inbox in(rt);
  auto knobs = std::make_shared<Knobs>();
  Term sup = start_sup(rt, sup_spec(Strategy::one_for_one,
                                    {child("a", in.pid(), "trap", RestartType::permanent, 5000, knobs)}, 5));
  expect_events(in, {{"init", "a"}});
  knobs->fail_starts = 2;
  gen_server::cast(rt, child_pid(rt, sup, "a"), T({A("exit"), A("boom")}));
  expect_events(in, {{"terminate", "a"}, {"init", "a"}, {"init", "a"}, {"init", "a"}});
  Term a = child_pid(rt, sup, "a");
  CHECK(a.is_pid());
  CHECK(rt.is_alive(a));

  // Failing for good: the retries exhaust the intensity and the supervisor gives up.
  Term mref = monitor_from(in, sup);
  knobs->fail_starts = 1000;
  gen_server::cast(rt, a, T({A("exit"), A("boom")}));
  CHECK(recv_if(in, [&](const Term& m) { return is_down_for(m, mref); }).element(4) == A("shutdown"));
}

TEST_CASE("an unknown call is answered with an error and the supervisor keeps running", "[behaviors][supervisor]") {
  Runtime rt;
  Inbox in(rt);
  Term sup = start_sup(rt, sup_spec(Strategy::one_for_one, {child("a", in.pid())}));
  CHECK(reply(gen_server::call(rt, sup, A("what"))) == T({A("error"), T({A("unknown_call"), A("what")})}));
  CHECK(child_pid(rt, sup, "a").is_pid());
  stop_sup(rt, sup);
}

TEST_CASE("get_childspec answers OTP 25's map for a child's id and not_found for an unknown id",
          "[behaviors][supervisor]") {
  Runtime rt;
  Inbox in(rt);
  ChildSpec b = child("b", in.pid(), "ok", RestartType::transient, kBrutalKill);
  b.start = T({A("ergod_plugin"), A("start_link"), Term::list({A("p"), A("beh"), Term::nil()})});
  Term sup = start_sup(rt, sup_spec(Strategy::one_for_one, {child("a", in.pid()), b}));
  expect_events(in, {{"init", "a"}, {"init", "b"}});
  Term want_a = Term::map({{A("id"), A("a")},
                           {A("start"), T({A("ergod_cxx"), A("start_link"), Term::list({T({A("a"), A("ok")})})})},
                           {A("restart"), A("permanent")},
                           {A("significant"), A("false")},
                           {A("shutdown"), I(5000)},
                           {A("type"), A("worker")},
                           {A("modules"), Term::list({A("a")})}});
  CHECK(reply(supervisor::get_childspec(rt, sup, A("a"))) == T({A("ok"), want_a}));
  Term got_b = reply(supervisor::get_childspec(rt, sup, A("b"))).element(1);
  CHECK(got_b.map_get(A("start")) == b.start);
  CHECK(got_b.map_get(A("restart")) == A("transient"));
  CHECK(got_b.map_get(A("shutdown")) == A("brutal_kill"));
  CHECK(reply(supervisor::get_childspec(rt, sup, A("nope"))) == T({A("error"), A("not_found")}));
  // A stopped child still has its spec, as in OTP.
  CHECK(reply(supervisor::terminate_child(rt, sup, A("a"))) == A("ok"));
  CHECK(reply(supervisor::get_childspec(rt, sup, A("a"))) == T({A("ok"), want_a}));
  stop_sup(rt, sup);
}

TEST_CASE("simple_one_for_one get_childspec gives the template for a child's pid or the template's id, not for another live process",
          "[behaviors][supervisor]") {
  Runtime rt;
  Inbox in(rt);
  ChildSpec t = child("t", in.pid(), "ok", RestartType::temporary, 5000);
  t.args = Term::list({A("x")});
  SimpleSup started = start_simple_sup(rt, in, t);
  Term parent = started.parent, sup = started.sup;
  Term c1 = ok_pid(reply(supervisor::start_child(rt, sup, Term::list({A("y")}))));
  next_event(in);
  Term got = reply(supervisor::get_childspec(rt, sup, c1));
  REQUIRE(got.element(0) == A("ok"));
  CHECK(got.element(1).map_get(A("id")) == A("t"));
  CHECK(got.element(1).map_get(A("restart")) == A("temporary"));
  CHECK(got.element(1).map_get(A("start")) == T({A("ergod_cxx"), A("start_link"), Term::list({Term::list({A("x")})})}));
  CHECK(reply(supervisor::get_childspec(rt, sup, A("t"))) == got);
  CHECK(reply(supervisor::get_childspec(rt, sup, A("other"))) == T({A("error"), A("not_found")}));
  CHECK(reply(supervisor::get_childspec(rt, sup, in.pid())) == T({A("error"), A("not_found")}));
  Term smref = monitor_from(in, sup);
  rt.send(parent, T({A("exit"), A("shutdown")}));
  recv_if(in, [&](const Term& m) { return is_down_for(m, smref); });
}

TEST_CASE("start_child with an Erlang spec checks it as OTP (spec, then id) before refusing to start it",
          "[behaviors][supervisor]") {
  Runtime rt;
  Inbox in(rt);
  Term sup = start_sup(rt, sup_spec(Strategy::one_for_one, {child("a", in.pid()), child("b", in.pid())}));
  expect_events(in, {{"init", "a"}, {"init", "b"}});
  CHECK(reply(supervisor::terminate_child(rt, sup, A("b"))) == A("ok"));
  Term a = child_pid(rt, sup, "a");
  auto start = [&](Term spec) { return reply(gen_server::call(rt, sup, T({A("start_child"), spec}))); };
  auto err = [](Term what) { return T({A("error"), what}); };
  Term mfa = T({A("m"), A("f"), Term::nil()});
  auto spec = [&](std::initializer_list<std::pair<Term, Term>> extra) {
    std::vector<std::pair<Term, Term>> kv = {{A("id"), A("a")}, {A("start"), mfa}};
    for (auto& e : extra) kv.push_back(e);
    return Term::map(std::span<const std::pair<Term, Term>>(kv));
  };
  CHECK(start(A("foo")) == err(T({A("invalid_child_spec"), A("foo")})));
  CHECK(start(T({A("a"), A("b"), A("c")})) == err(T({A("invalid_child_spec"), T({A("a"), A("b"), A("c")})})));
  CHECK(start(Term::map({{A("start"), mfa}})) == err(A("missing_id")));
  CHECK(start(Term::map({{A("id"), A("x")}})) == err(A("missing_start")));
  // The spec is checked before the id: a taken id with a bad start is an invalid_mfa.
  CHECK(start(spec({{A("start"), A("bad")}})) == err(T({A("invalid_mfa"), A("bad")})));
  CHECK(start(spec({{A("restart"), A("foo")}})) == err(T({A("invalid_restart_type"), A("foo")})));
  CHECK(start(spec({{A("significant"), A("foo")}})) == err(T({A("invalid_significant"), A("foo")})));
  CHECK(start(spec({{A("significant"), A("true")}})) ==
        err(T({A("bad_combination"), Term::list({T({A("auto_shutdown"), A("never")}), T({A("significant"), A("true")})})})));
  CHECK(start(spec({{A("type"), A("foo")}})) == err(T({A("invalid_child_type"), A("foo")})));
  CHECK(start(spec({{A("shutdown"), I(-1)}})) == err(T({A("invalid_shutdown"), I(-1)})));
  CHECK(start(spec({{A("modules"), A("foo")}})) == err(T({A("invalid_modules"), A("foo")})));
  CHECK(start(spec({{A("modules"), Term::list({I(1)})}})) == err(T({A("invalid_module"), I(1)})));
  // Valid: the id decides, as OTP's handle_start_child.
  CHECK(start(spec({})) == err(T({A("already_started"), a})));
  CHECK(start(T({A("a"), mfa, A("permanent"), I(5000), A("worker"), Term::list({A("m")})})) ==
        err(T({A("already_started"), a})));
  CHECK(start(Term::map({{A("id"), A("b")}, {A("start"), mfa}})) == err(A("already_present")));
  Term fresh = Term::map({{A("id"), A("c")}, {A("start"), mfa}});
  CHECK(start(fresh) == err(T({A("cxx_child_spec_required"), fresh})));
  stop_sup(rt, sup);
}

TEST_CASE("simple_one_for_one start_child with extra args that are not a list fails as OTP's apply does",
          "[behaviors][supervisor]") {
  Runtime rt;
  Inbox in(rt);
  ChildSpec t = child("t", in.pid());
  t.args = Term::nil();
  SimpleSup started = start_simple_sup(rt, in, t);
  Term parent = started.parent, sup = started.sup;
  Term r = reply(supervisor::start_child(rt, sup, A("notalist")));
  REQUIRE(r.element(0) == A("error"));
  REQUIRE(r.element(1).element(0) == A("EXIT"));
  CHECK(r.element(1).element(1).element(0) == A("badarg"));
  CHECK(r.element(1).element(1).element(1).head().element(0) == A("erlang"));
  CHECK(r.element(1).element(1).element(1).head().element(1) == A("apply"));
  CHECK(count(rt, sup) == counts(1, 0, 0, 0));
  Term smref = monitor_from(in, sup);
  rt.send(parent, T({A("exit"), A("shutdown")}));
  recv_if(in, [&](const Term& m) { return is_down_for(m, smref); });
}

TEST_CASE("supervisor reports print terms as OTP's logger does (~tp): a binary reason is <<\"boom\">>, not bytes",
          "[behaviors][supervisor]") {
  Runtime rt;
  Inbox in(rt);
  LogCapture logs;
  Term sup = start_sup(rt, sup_spec(Strategy::one_for_one, {child("a", in.pid(), "trap")}));
  expect_events(in, {{"init", "a"}});
  gen_server::cast(rt, child_pid(rt, sup, "a"), T({A("exit"), T({A("shutdown_not"), Term::binary(std::string_view("boom")), Term::list({I('o'), I('k')})})}));
  expect_events(in, {{"terminate", "a"}, {"init", "a"}});
  CHECK(logs.has("Context: child_terminated. Reason: {shutdown_not,<<\"boom\">>,\"ok\"}. Offender: id=a,pid="));
  stop_sup(rt, sup);
}
