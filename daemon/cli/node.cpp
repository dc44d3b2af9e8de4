// See node.h. Signals are taken synchronously with sigwait on the main thread rather than
// in a handler: the shutdown path can then log, take locks and stop the runtime normally.
#include "cli/node.h"

#include <signal.h>

#include <cstring>
#include <memory>
#include <string>

#include "runtime/runtime.h"
#include "term/atom.h"

namespace ergod::cli {

int run_node(const Config& cfg) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  // Blocked before any thread starts, so no worker or loop thread ever receives them and
  // sigwait below is the only place they arrive.
  if (int rc = pthread_sigmask(SIG_BLOCK, &signals, nullptr); rc != 0) {
    log_error(std::string("cannot block signals: ") + std::strerror(rc));
    return 1;
  }

  // Limits on untrusted input apply before anything can decode a term.
  term::set_atom_limit(static_cast<uint32_t>(cfg.limits.max_atoms));

  // The process runtime: its worker threads start here and run until shutdown. The dist
  // layer (EPMD, listener) and the applications start after it, once they exist.
  runtime::RuntimeConfig rt_config;
  rt_config.node_name = cfg.node.name;
  rt_config.workers = cfg.effective_schedulers();
  auto rt = std::make_unique<runtime::Runtime>(rt_config);

  log_info("node " + cfg.node.name + " running with " + std::to_string(rt->worker_count()) +
           " schedulers");

  for (;;) {
    int sig = 0;
    if (int rc = sigwait(&signals, &sig); rc != 0) {
      log_error(std::string("sigwait failed: ") + std::strerror(rc));
      return 1;
    }
    if (sig == SIGHUP) {
      // reload of manifests hooks in here; until applications exist there is nothing to reload.
      log_notice("SIGHUP received; nothing to reload yet");
      continue;
    }
    log_info(std::string("received ") + (sig == SIGTERM ? "SIGTERM" : "SIGINT") +
             ", shutting down");
    break;
  }

  // Applications stop in reverse start order (once they exist), then the runtime's workers.
  rt.reset();

  log_info("node " + cfg.node.name + " stopped");
  return 0;
}

}  // namespace ergod::cli
