// What `ergod ctl` sees of a running node: the ControlHandler that node.cpp serves, answering
// status, processes and connections from the Runtime and the Distribution. The application
// commands keep ControlHandler's "no application controller yet" until the application
// controller overrides them (derive from NodeControl, or give it a delegate).
// Threads: the handler's functions run on the control server's thread (not a worker), so
// they may make blocking runtime calls. The runtime and distribution must outlive it.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "cli/control.h"

namespace ergod::runtime {
class Runtime;
}
namespace ergod::dist {
class Distribution;
}

namespace ergod::cli {

class NodeControl : public ControlHandler {
 public:
  NodeControl(runtime::Runtime& rt, dist::Distribution& dist);

  // "key: value" lines: node, version, pid, uptime_seconds, schedulers, processes,
  // dist_port, connections.
  Result<std::string> status() override;
  // "processes: N", then one "NAME PID" line per registered name, sorted by name.
  Result<std::string> processes() override;
  // One connected node per line, sorted.
  Result<std::string> connections() override;

 protected:
  runtime::Runtime& rt_;
  dist::Distribution& dist_;
  std::chrono::steady_clock::time_point started_;
};

// The watchdog's liveness check: a gen_server call to net_kernel ({is_auth, node()}) from a
// temporary process, answered within timeout_ms. It needs a free scheduler to run both
// processes, so a wedged or saturated runtime fails it. Not on a worker thread.
bool runtime_answers(runtime::Runtime& rt, int64_t timeout_ms);

}  // namespace ergod::cli
