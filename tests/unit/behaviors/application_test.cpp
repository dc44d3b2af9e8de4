// Applications: dependency order, reverse-order stop, what each start type does when its top
// supervisor ends on its own, and start errors.
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "../runtime/support.h"
#include "behaviors/application.h"

using namespace rt_test;
using namespace ergod::behaviors;
namespace atoms = ergod::term::atoms;

namespace {

// What happened, in order, across threads.
struct Journal {
  std::mutex mu;
  std::vector<std::string> lines;
  void add(std::string s) {
    std::lock_guard lock(mu);
    lines.push_back(std::move(s));
  }
  std::vector<std::string> get() {
    std::lock_guard lock(mu);
    return lines;
  }
};

// A stand-in top supervisor: notes its start and stop; {stop, Reason} (a call) ends it.
class Top : public GenServer {
 public:
  Top(std::string name, std::shared_ptr<Journal> j, bool fail = false) : name_(std::move(name)), j_(std::move(j)), fail_(fail) {}
  InitResult init(const Term&) override {
    if (fail_) return Stop{A("no_children"), Term()};
    process().set_trap_exit(true);
    j_->add("start " + name_);
    return InitOk{};
  }
  CallResult handle_call(const Term& r, const Term&) override {
    if (r.is_tuple() && r.element(0) == A("stop")) return Stop{r.element(1), A("ok")};
    return Reply{A("ok")};
  }
  void terminate(const Term& reason) override { j_->add("stop " + name_ + " " + str(reason)); }

 private:
  std::string name_;
  std::shared_ptr<Journal> j_;
  bool fail_;
};

ApplicationSpec spec(const std::string& name, StartType type, std::vector<std::string> deps,
                     std::shared_ptr<Journal> j, bool fail = false) {
  ApplicationSpec s;
  s.name = name;
  s.start_type = type;
  s.depends_on = std::move(deps);
  s.make_top = [name, j, fail] { return std::make_unique<Top>(name, j, fail); };
  return s;
}

// The node-stop callback as a future the test can wait on.
struct NodeStop {
  std::promise<std::string> p;
  std::future<std::string> f = p.get_future();
  std::once_flag once;
  ApplicationController::StopNode fn() {
    return [this](const std::string& why) { std::call_once(once, [&] { p.set_value(why); }); };
  }
  bool called(std::chrono::milliseconds wait) { return f.wait_for(wait) == std::future_status::ready; }
};

Term top_of(ApplicationController& c, const std::string& name) {
  for (auto& a : c.which_applications())
    if (a.name == name) return a.top;
  return Term();
}

// Ends the application's top supervisor on its own with reason and waits until the
// controller has seen it.
void crash_top(Runtime& rt, ApplicationController& c, const std::string& name, Term reason) {
  Term top = top_of(c, name);
  REQUIRE(top);
  gen_server::call(rt, top, T({A("stop"), reason}), 5000);
  while (c.is_running(name)) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

}  // namespace

TEST_CASE("applications start after their dependencies and stop in reverse order", "[application]") {
  Runtime rt;
  auto j = std::make_shared<Journal>();
  NodeStop ns;
  ApplicationController c(rt, ns.fn());
  REQUIRE(c.load(spec("web", StartType::permanent, {"db", "cache"}, j)));
  REQUIRE(c.load(spec("db", StartType::permanent, {}, j)));
  REQUIRE(c.load(spec("cache", StartType::temporary, {"db"}, j)));
  CHECK(c.start_all().empty());
  CHECK(c.start_order() == std::vector<std::string>{"db", "cache", "web"});
  CHECK(c.start("db").error() == "application db is already started");
  c.stop_all();
  CHECK(j->get() == std::vector<std::string>{"start db", "start cache", "start web", "stop web shutdown",
                                             "stop cache shutdown", "stop db shutdown"});
  CHECK_FALSE(ns.called(std::chrono::milliseconds(0)));
}

TEST_CASE("a permanent application that stops takes the node down", "[application]") {
  Runtime rt;
  auto j = std::make_shared<Journal>();
  NodeStop ns;
  ApplicationController c(rt, ns.fn());
  REQUIRE(c.load(spec("core", StartType::permanent, {}, j)));
  REQUIRE(c.start("core"));
  crash_top(rt, c, "core", A("normal"));
  REQUIRE(ns.called(std::chrono::seconds(10)));
  CHECK(ns.f.get() == "application core exited: normal, type: permanent");
}

TEST_CASE("a transient application takes the node down only when it stops abnormally", "[application]") {
  Runtime rt;
  auto j = std::make_shared<Journal>();
  NodeStop ns;
  ApplicationController c(rt, ns.fn());
  REQUIRE(c.load(spec("tr", StartType::transient, {}, j)));
  REQUIRE(c.start("tr"));
  crash_top(rt, c, "tr", A("normal"));
  CHECK_FALSE(ns.called(std::chrono::milliseconds(50)));
  REQUIRE(c.start("tr"));
  crash_top(rt, c, "tr", A("shutdown"));
  REQUIRE(ns.called(std::chrono::seconds(10)));
  CHECK(ns.f.get() == "application tr exited: shutdown, type: transient");
}

TEST_CASE("a temporary application that stops is only reported", "[application]") {
  Runtime rt;
  auto j = std::make_shared<Journal>();
  NodeStop ns;
  ApplicationController c(rt, ns.fn());
  REQUIRE(c.load(spec("tmp", StartType::temporary, {}, j)));
  REQUIRE(c.start("tmp"));
  crash_top(rt, c, "tmp", A("boom"));
  CHECK_FALSE(ns.called(std::chrono::milliseconds(50)));
  auto apps = c.which_applications();
  REQUIRE(apps.size() == 1);
  CHECK_FALSE(apps[0].running);
  CHECK(apps[0].exit_reason == A("boom"));
}

TEST_CASE("stopping a permanent application on request leaves the node up", "[application]") {
  Runtime rt;
  auto j = std::make_shared<Journal>();
  NodeStop ns;
  ApplicationController c(rt, ns.fn());
  REQUIRE(c.load(spec("p", StartType::permanent, {}, j)));
  REQUIRE(c.start("p"));
  REQUIRE(c.stop("p"));
  CHECK_FALSE(c.is_running("p"));
  CHECK_FALSE(ns.called(std::chrono::milliseconds(50)));
  CHECK(c.stop("p").error() == "application p is not started");
  REQUIRE(c.start("p"));  // and it starts again
}

TEST_CASE("start errors name the application and what failed", "[application]") {
  Runtime rt;
  auto j = std::make_shared<Journal>();
  NodeStop ns;
  ApplicationController c(rt, ns.fn());
  REQUIRE(c.load(spec("a", StartType::temporary, {"missing"}, j)));
  REQUIRE(c.load(spec("x", StartType::temporary, {"y"}, j)));
  REQUIRE(c.load(spec("y", StartType::temporary, {"x"}, j)));
  REQUIRE(c.load(spec("bad", StartType::permanent, {}, j, /*fail=*/true)));
  REQUIRE(c.load(spec("user", StartType::temporary, {"bad"}, j)));
  CHECK(c.start("nope").error() == "unknown application nope");
  CHECK(c.start("a").error() == "application a depends on missing, which is not loaded");
  CHECK(c.start("x").error() == "dependency cycle: x -> y -> x");
  CHECK(c.start("bad").error() == "application bad failed to start: no_children");
  CHECK(c.start("user").error() == "application user is not started: its dependency bad failed to start: no_children");
  CHECK_FALSE(c.is_running("bad"));
  CHECK_FALSE(ns.called(std::chrono::milliseconds(0)));
  CHECK(c.start_all().size() == 5);
}
