// net_kernel: what net_kernel.erl answers a remote caller, where ergod has a truthful value;
// silence (as net_kernel.erl's catch-all gives) for the rest.
#include <mutex>
#include <thread>
#include <vector>

#include "../runtime/support.h"
#include "behaviors/gen_server.h"
#include "services/net_kernel.h"

using namespace rt_test;
using namespace ergod::services;
namespace gen_server = ergod::behaviors::gen_server;

TEST_CASE("net_kernel answers is_auth, get_state, ticktime, nodename, longnames and allowed", "[net_kernel]") {
  Runtime rt;
  NetKernelEnv env;
  env.ticktime_ms = 30000;
  REQUIRE(start_net_kernel(rt, env).is_pid());
  Term nk = A("net_kernel");
  Term me = Term::atom(rt.node());
  CHECK(gen_server::call(rt, nk, T({A("is_auth"), me})).value == A("yes"));
  CHECK(gen_server::call(rt, nk, A("get_state")).value ==
        Term::map({{A("started"), A("static")}, {A("name_type"), A("static")}, {A("name"), me},
                   {A("name_domain"), A("shortnames")}}));
  CHECK(gen_server::call(rt, nk, A("ticktime")).value == I(30000));
  CHECK(gen_server::call(rt, nk, A("nodename")).value == me);
  CHECK(gen_server::call(rt, nk, A("longnames")).value == A("false"));
  CHECK(gen_server::call(rt, nk, A("allowed")).value == T({A("ok"), Term::nil()}));
}

TEST_CASE("connect answers true for the local node, and the connection's outcome for others", "[net_kernel]") {
  Runtime rt;
  NetKernelEnv env;
  env.connect = [](const std::string& node, std::function<void(bool)> done) { done(node == "up@host"); };
  REQUIRE(start_net_kernel(rt, env).is_pid());
  Term nk = A("net_kernel");
  CHECK(gen_server::call(rt, nk, T({A("connect"), A("normal"), Term::atom(rt.node())})).value == A("true"));
  CHECK(gen_server::call(rt, nk, T({A("connect"), A("normal"), A("up@host")})).value == A("true"));
  CHECK(gen_server::call(rt, nk, T({A("connect"), A("normal"), A("down@host")})).value == A("false"));
  CHECK(gen_server::call(rt, nk, T({A("passive_cnct"), A("up@host")})).value == A("true"));
}

TEST_CASE("disconnect answers false for the local node and for a node not connected", "[net_kernel]") {
  Runtime rt;
  REQUIRE(start_net_kernel(rt).is_pid());
  Term nk = A("net_kernel");
  CHECK(gen_server::call(rt, nk, T({A("disconnect"), Term::atom(rt.node())})).value == A("false"));
  CHECK(gen_server::call(rt, nk, T({A("disconnect"), A("nosuch@host")})).value == A("false"));
}

TEST_CASE("disconnect of a connected node answers true once the connection is gone", "[net_kernel]") {
  Runtime rt;
  NetKernelEnv env;
  std::mutex mu;
  std::vector<std::string> dropped;
  env.disconnect = [&](const std::string& node, std::function<void(bool)> done) {
    bool up = node == "up@host";
    if (up) {
      std::lock_guard<std::mutex> l(mu);
      dropped.push_back(node);
    }
    done(up);
  };
  REQUIRE(start_net_kernel(rt, env).is_pid());
  Term nk = A("net_kernel");
  CHECK(gen_server::call(rt, nk, T({A("disconnect"), A("up@host")})).value == A("true"));
  CHECK(gen_server::call(rt, nk, T({A("disconnect"), A("down@host")})).value == A("false"));
  CHECK(gen_server::call(rt, nk, T({A("disconnect"), Term::atom(rt.node())})).value == A("false"));
  // net_kernel:async_disconnect/1: a cast, no answer
  gen_server::cast(rt, nk, T({A("async_disconnect"), A("up@host")}));
  CHECK(gen_server::call(rt, nk, A("nodename")).value == Term::atom(rt.node()));  // the cast is through
  std::lock_guard<std::mutex> l(mu);
  CHECK(dropped == std::vector<std::string>{"up@host", "up@host"});
}

TEST_CASE("an unknown call gets no answer and net_kernel stays", "[net_kernel]") {
  Runtime rt;
  Term pid = start_net_kernel(rt);
  CallOutcome o = gen_server::call(rt, A("net_kernel"), A("bogus"), 200);
  CHECK_FALSE(o.ok);
  CHECK(o.value == A("timeout"));
  CHECK(gen_server::call(rt, A("net_kernel"), T({A("monitor_nodes"), A("true")}), 200).value == A("timeout"));
  CHECK(rt.is_alive(pid));
}

TEST_CASE("allow takes a list of atoms (ok, appended to allowed and handed to dist), else error", "[net_kernel]") {
  Runtime rt;
  NetKernelEnv env;
  std::vector<std::string> handed;
  std::mutex mu;
  env.allow = [&](std::vector<std::string> nodes) {
    std::lock_guard<std::mutex> l(mu);
    handed.insert(handed.end(), nodes.begin(), nodes.end());
  };
  REQUIRE(start_net_kernel(rt, env).is_pid());
  Term nk = A("net_kernel");
  CHECK(gen_server::call(rt, nk, T({A("allow"), Term::list({A("a@h"), Term::binary("b")})})).value == A("error"));
  CHECK(gen_server::call(rt, nk, T({A("allow"), A("x")})).value == A("error"));
  CHECK(gen_server::call(rt, nk, T({A("allow"), Term::list({A("a@h")})})).value == A("ok"));
  CHECK(gen_server::call(rt, nk, T({A("allow"), Term::nil()})).value == A("ok"));
  CHECK(gen_server::call(rt, nk, T({A("allow"), Term::list({A("b@h")})})).value == A("ok"));
  CHECK(gen_server::call(rt, nk, A("allowed")).value == T({A("ok"), Term::list({A("a@h"), A("b@h")})}));
  std::lock_guard<std::mutex> l(mu);
  CHECK(handed == std::vector<std::string>{"a@h", "b@h"});
}

TEST_CASE("a ticktime change answers as net_kernel and moves the ticks through the transition", "[net_kernel]") {
  Runtime rt;
  NetKernelEnv env;
  env.ticktime_ms = 60000;
  std::mutex mu;
  std::vector<std::pair<uint32_t, uint32_t>> ticks;
  env.set_ticks = [&](uint32_t t, uint32_t every) {
    std::lock_guard l(mu);
    ticks.emplace_back(t, every);
  };
  REQUIRE(start_net_kernel(rt, env).is_pid());
  Term nk = A("net_kernel");
  auto change = [&](int64_t ms, int64_t tp) { return gen_server::call(rt, nk, T({A("new_ticktime"), I(ms), I(tp)})).value; };
  CHECK(change(60000, 1000) == A("unchanged"));
  // shorter: ticks at the new rate at once, silence judged by the old time until the end
  CHECK(change(20000, 200) == A("change_initiated"));
  CHECK(gen_server::call(rt, nk, A("ticktime")).value == T({A("ongoing_change_to"), I(20000)}));
  CHECK(change(30000, 0) == T({A("ongoing_change_to"), I(20000)}));
  for (int i = 0; i < 500 && gen_server::call(rt, nk, A("ticktime")).value != I(20000); ++i)
    std::this_thread::sleep_for(10ms);  // the transition is net_kernel's own timer
  CHECK(gen_server::call(rt, nk, A("ticktime")).value == I(20000));
  // longer: silence judged by the new time at once, ticks at the old rate until the end
  CHECK(change(40001, 0) == A("change_initiated"));  // rounded up to whole ticks: 40004
  for (int i = 0; i < 500 && gen_server::call(rt, nk, A("ticktime")).value != I(40004); ++i)
    std::this_thread::sleep_for(10ms);
  std::lock_guard l(mu);
  CHECK(ticks == std::vector<std::pair<uint32_t, uint32_t>>{{60000, 5000}, {20000, 0}, {40004, 5000}, {40004, 0}});
}
