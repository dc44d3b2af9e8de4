// See node.h. Signals are taken synchronously with sigwait on the main thread rather than
// in a handler: the shutdown path can then log, take locks and stop the runtime normally.
#include "cli/node.h"

#include <signal.h>

#include <cstring>
#include <string>

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

  // runtime starts here: the scheduler with cfg.effective_schedulers() worker threads, then
  // the dist layer (EPMD per cfg.epmd, the listener per cfg.listen), then the applications
  // from cfg.manifests_dir. Start-up failures log and return non-zero.

  log_info("node " + cfg.node.name + " running");

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

  // runtime stops here: applications in reverse start order, then dist, then the scheduler.

  log_info("node " + cfg.node.name + " stopped");
  return 0;
}

}  // namespace ergod::cli
