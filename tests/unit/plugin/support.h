// Helpers for the tests that run plugins under the real runtime (unit/plugin, unit/sdk):
// PluginFixture, a runtime with an inbox, a plugin registry and an application context, and
// the gen_server client calls those tests make on the plugins' servers.
// Threads: a fixture belongs to its test's thread; the calls block it (not a worker).
#pragma once

#include <memory>
#include <utility>

#include "../runtime/support.h"
#include "behaviors/gen_server.h"
#include "plugin/plugin_registry.h"

namespace plugin_test {

using namespace rt_test;

struct PluginFixture {
  Runtime rt;
  Inbox in{rt, true};
  ergod::plugin::PluginRegistry reg{rt, nullptr};
  std::shared_ptr<const ergod::plugin::AppContext> app;

  explicit PluginFixture(std::shared_ptr<const ergod::plugin::AppContext> context) : app(std::move(context)) {}

  // gen_server::start of plugin's behavior (with app as its application): {ok, Pid} or why not.
  Term start(const char* plugin, const char* behavior, Term args = Term::nil()) {
    auto server = reg.make_server(plugin, behavior, app);
    REQUIRE(server.ok());
    return ergod::behaviors::gen_server::start(rt, std::move(server).value(), std::move(args));
  }
  // The same, requiring {ok, Pid}: the Pid.
  Term start_ok(const char* plugin, const char* behavior, Term args = Term::nil()) {
    Term r = start(plugin, behavior, std::move(args));
    REQUIRE(r.is_tuple());
    REQUIRE(r.element(0) == A("ok"));
    return r.element(1);
  }
  // The reply, or {call_failed, Reason}.
  Term call(const Term& pid, Term req) {
    ergod::behaviors::CallOutcome o = ergod::behaviors::gen_server::call(rt, pid, std::move(req));
    return o.ok ? o.value : T({A("call_failed"), o.value});
  }
};

}  // namespace plugin_test
