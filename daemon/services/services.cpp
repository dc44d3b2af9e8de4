// See services.h.
#include "services/services.h"

#include "behaviors/supervisor.h"

#include "services/global.h"
#include "services/global_locks.h"
#include "services/global_registrar.h"
#include "services/global_resolve.h"
#include "services/net_kernel.h"
#include "services/pg.h"
#include "services/pg_functions.h"
#include "services/rex.h"

namespace ergod::services {

// OTP's kernel_safe_sup: the kernel children that may be restarted; here the pg scope, which
// crashes on an unknown request as pg.erl does. OTP allows 4 restarts an hour and then halts
// the node; ergod allows 10 a second, so that peers sending junk cannot take the scope (or
// the node) down for good.
Term start_kernel_safe_sup(runtime::Runtime& rt, dist::Distribution* dist) {
  behaviors::SupervisorSpec spec;
  spec.strategy = behaviors::Strategy::one_for_one;
  spec.intensity = 10;
  spec.period_s = 1;
  behaviors::ChildSpec pg;
  pg.id = Term::atom("pg");
  pg.name = Atom::make("pg");
  pg.make = [dist] {
    VisibleNodes nodes;
    if (dist) nodes = [dist] { return dist->visible_nodes(); };
    return make_pg_scope(Atom::make("pg"), std::move(nodes));
  };
  pg.args = Term::nil();
  spec.children.push_back(std::move(pg));
  behaviors::StartOptions o;
  o.name = Atom::make("kernel_safe_sup");
  return behaviors::supervisor::start(rt, std::move(spec), o);
}

void Services::install(dist::Distribution& dist, runtime::Runtime& rt) {
  dist_ = &dist;
  NodeSource src;
  src.visible = [&dist] { return dist.visible_nodes(); };
  src.hidden = [&dist] { return dist.hidden_nodes(); };
  src.book = &nodes_;
  add_erlang_bifs(functions_, std::move(src));
  add_global_functions(functions_);
  add_pg_functions(functions_);
  add_global_registrar_functions(functions_, [&dist] { return dist.visible_nodes(); });
  add_global_lock_functions(functions_, [&dist] { return dist.visible_nodes(); });
  add_global_resolve_functions(functions_);
  add_name_functions(functions_);
  add_tick_and_opts_functions(functions_);
  add_allow_and_ping_functions(functions_, [&dist](const std::string& node, std::function<void(bool)> done) {
    dist.disconnect(node, std::move(done));
  });
  add_connect_function(functions_, [&dist](const std::string& node, std::function<void(bool)> done) {
    dist.connect(node, [done = std::move(done)](Status s) { done(bool(s)); });
  });
  add_hidden_connect_function(functions_, [&dist](const std::string& node, std::function<void(bool)> done) {
    dist.connect(node, [done = std::move(done)](Status s) { done(bool(s)); }, true);
  });
  add_node_info_functions(functions_, [&dist](std::function<void(std::vector<dist::ConnectionInfo>)> done) {
    dist.connection_info(std::move(done));
  });
  add_monitor_nodes_functions(functions_);
  add_disconnect_functions(functions_, [&dist](const std::string& node, std::function<void(bool)> done) {
    dist.disconnect(node, std::move(done));
  });
  erpc_ = std::make_unique<ErpcServer>(rt, dist, functions_);
  dist.set_spawn_handler([this](const dist::SpawnRequest& r) { erpc_->handle(r); });
  watch_nodes_for_global(dist, rt, [this](const std::string& node, bool up) {
    if (up) nodes_.up(node);
    else nodes_.down(node);
  });
}

Status Services::start(runtime::Runtime& rt) {
  NetKernelEnv nk;
  if (dist_) {
    dist::Distribution* d = dist_;
    nk.connect = [d](const std::string& node, std::function<void(bool)> done) {
      d->connect(node, [done = std::move(done)](Status s) { done(bool(s)); });
    };
    nk.hidden_connect = [d](const std::string& node, std::function<void(bool)> done) {
      d->connect(node, [done = std::move(done)](Status s) { done(bool(s)); }, true);
    };
    nk.disconnect = [d](const std::string& node, std::function<void(bool)> done) {
      d->disconnect(node, std::move(done));
    };
    nk.connected = [d](const std::string& node) {
      for (const auto& n : d->nodes())
        if (n == node) return true;
      return false;
    };
    nk.allow = [d](std::vector<std::string> nodes) { d->allow(std::move(nodes)); };
    nk.socket_options = [d](const std::string& node, bool set, Term opts, std::function<void(Term)> done) {
      d->socket_options(node, set, std::move(opts), std::move(done));
    };
    nk.new_socket_options = [d](Term opts, std::function<void(Term)> done) {
      d->set_new_socket_options(std::move(opts), std::move(done));
    };
    nk.set_ticks = [d](uint32_t ticktime_ms, uint32_t every_ms) { d->set_ticks(ticktime_ms, every_ms); };
    nk.ticktime_ms = d->net_ticktime_ms();
  }
  if (!start_net_kernel(rt, std::move(nk))) return make_error("net_kernel did not start");
  if (!start_rex(rt, functions_)) return make_error("rex did not start");
  Term safe_sup = start_kernel_safe_sup(rt, dist_);
  if (!(safe_sup.is_tuple() && safe_sup.element(0).is_atom(term::atoms::ok)))
    return make_error("kernel_safe_sup (pg) did not start: " + term::to_string(safe_sup));
  if (!start_global(rt)) return make_error("global_name_server did not start");
  return Ok{};
}

}  // namespace ergod::services
