// See node.h. Signals are taken synchronously with sigwait on the main thread rather than
// in a handler: the shutdown path can then log, take locks and stop the runtime normally.
//
// Start-up order: Distribution (listen, EPMD registration: gives the creation), Runtime (with
// that name and creation), the services' spawn handler, attach (traffic flows from here), the
// service processes. Shutdown is the reverse: Distribution (connections, EPMD), Runtime, the
// services' state.
//
// Around them: the control socket is bound first (before any thread, as it sets the umask;
// a second daemon with the same config stops there) and served once the node runs; systemd
// hears READY=1 once the node is up, RELOADING=1/READY=1 around SIGHUP, STOPPING=1 at the
// end, and WATCHDOG=1 while the runtime answers (sd_notify.h).
#include "cli/node.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>

#include "cli/app_control.h"
#include "cli/applications.h"
#include "dist/distribution.h"
#include "base/log.h"
#include "cli/control.h"
#include "cli/node_control.h"
#include "cli/sd_notify.h"
#include "runtime/runtime.h"
#include "services/services.h"
#include "term/atom.h"

namespace ergod::cli {
namespace {

dist::DistributionOptions dist_options(const Config& cfg) {
  dist::DistributionOptions o;
  o.dist.node_name = cfg.node.name;
  o.dist.cookie = cfg.node.cookie;
  o.dist.listen_address = cfg.listen.address;
  o.dist.port_min = cfg.listen.port_min;
  o.dist.port_max = cfg.listen.port_max;
  o.dist.epmd_port = cfg.epmd.port;
  o.dist.connection.net_ticktime_ms = cfg.net_ticktime * 1000;
  o.epmd.port = cfg.epmd.port;
  switch (cfg.epmd.mode) {
    case EpmdMode::embedded: o.epmd.mode = dist::EpmdMode::embedded; break;
    case EpmdMode::external: o.epmd.mode = dist::EpmdMode::external; break;
    case EpmdMode::automatic: o.epmd.mode = dist::EpmdMode::automatic; break;
  }
  o.link.max_message = static_cast<size_t>(cfg.limits.max_message_size);
  return o;
}

// Pings systemd's watchdog while net_kernel answers, when systemd asked for pings.
std::unique_ptr<Watchdog> start_watchdog(const Notifier& notifier, runtime::Runtime& rt) {
  auto interval = watchdog_interval(std::getenv("WATCHDOG_USEC"), std::getenv("WATCHDOG_PID"),
                                    static_cast<long>(::getpid()));
  if (!notifier.enabled() || !interval) return nullptr;
  // Up to the whole watchdog period (two intervals): past it systemd has fired anyway.
  int64_t timeout_ms = std::max<int64_t>(1, interval->count() * 2 / 1000);
  return std::make_unique<Watchdog>(notifier, *interval,
                                    [&rt, timeout_ms] { return runtime_answers(rt, timeout_ms); });
}

}  // namespace

int run_node(const Config& cfg) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  sigaddset(&signals, SIGUSR1);  // stop_node below: an application asks the node to stop
  // Blocked before any thread starts, so no worker or loop thread ever receives them and
  // sigwait below is the only place they arrive.
  if (int rc = pthread_sigmask(SIG_BLOCK, &signals, nullptr); rc != 0) {
    log_error(std::string("cannot block signals: ") + std::strerror(rc));
    return 1;
  }

  Notifier notifier = Notifier::from_environment();
  ControlServer control;
  if (auto s = control.open(default_control_socket(cfg, std::getenv("RUNTIME_DIRECTORY"))); !s) {
    log_error("node " + cfg.node.name + " cannot start: " + s.error());
    return 1;
  }

  // Limits on untrusted input apply before anything can decode a term.
  term::set_atom_limit(static_cast<uint32_t>(cfg.limits.max_atoms));

  // Distribution first: the creation EPMD gives us is part of every pid the runtime makes.
  auto dist = std::make_unique<dist::Distribution>(dist_options(cfg));
  auto creation = dist->start();
  if (!creation) {
    log_error("node " + cfg.node.name + " cannot start distribution: " + creation.error());
    dist.reset();
    return 1;
  }

  runtime::RuntimeConfig rt_config;
  rt_config.node_name = cfg.node.name;
  rt_config.creation = creation.value();
  rt_config.workers = cfg.effective_schedulers();
  auto rt = std::make_unique<runtime::Runtime>(rt_config);

  auto svc = std::make_unique<services::Services>();
  svc->install(*dist, *rt);
  dist->attach(*rt);
  if (auto s = svc->start(*rt); !s) {
    log_error("node " + cfg.node.name + " cannot start: " + s.error());
    dist->stop();
    rt.reset();
    return 1;
  }

  // Applications: plugins, manifests, the application controller. A permanent application
  // that stops (or a transient one, abnormally) stops the node: its worker thread records
  // why and wakes the sigwait below.
  static std::mutex stop_mu;
  static std::string stop_reason;
  auto stop_node = [](const std::string& why) {
    {
      std::lock_guard lock(stop_mu);
      if (stop_reason.empty()) stop_reason = why;
    }
    ::kill(::getpid(), SIGUSR1);
  };
  ApplicationsOptions ao;
  ao.plugins_dir = cfg.plugins_dir;
  ao.manifests_dir = cfg.manifests_dir;
  auto apps = std::make_unique<Applications>(*rt, svc->functions(), ao, stop_node);
  auto boot = apps->boot();
  if (boot.fatal) {
    log_error("node " + cfg.node.name + " cannot start: a permanent application did not start");
    apps.reset();
    dist->stop();
    rt.reset();
    return 1;
  }

  AppControl control_handler(*rt, *dist, *apps);
  control.serve(control_handler);
  auto watchdog = start_watchdog(notifier, *rt);

  const std::string running = "running with " + std::to_string(rt->worker_count()) +
                              " schedulers, distribution on port " + std::to_string(dist->port());
  log_info("node " + cfg.node.name + " " + running);
  log_info("control socket " + control.path().string());
  // READY once the node is registered and its applications are up.
  const std::string ready = "READY=1\n" + notify_status(running);
  notifier.send(ready);

  int status = 0;
  for (;;) {
    int sig = 0;
    if (int rc = sigwait(&signals, &sig); rc != 0) {
      log_error(std::string("sigwait failed: ") + std::strerror(rc));
      status = 1;
      break;
    }
    if (sig == SIGHUP) {
      notifier.send(notify_reloading());
      log_notice("SIGHUP received: reloading plugins and manifests");
      apps->reload();
      notifier.send(ready);
      continue;
    }
    if (sig == SIGUSR1) {
      std::lock_guard lock(stop_mu);
      if (stop_reason.empty()) continue;  // not one of ours
      log_error("node " + cfg.node.name + " stopping: " + stop_reason);
      status = 1;
      break;
    }
    log_info(std::string("received ") + (sig == SIGTERM ? "SIGTERM" : "SIGINT") +
             ", shutting down");
    break;
  }

  notifier.send("STOPPING=1");
  watchdog.reset();
  control.stop();
  // Applications first, in reverse start order, while the node is still connected (their
  // terminate callbacks may talk to other nodes).
  apps.reset();

  // Reverse start order: connections and the EPMD registration, then the processes (the
  // services' among them), then what the services' handlers referred to.
  dist->stop();
  rt.reset();
  svc.reset();
  dist.reset();

  log_info("node " + cfg.node.name + " stopped");
  return status;
}

}  // namespace ergod::cli
