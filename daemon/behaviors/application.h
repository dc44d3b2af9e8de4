// Applications: OTP's application controller and application master on the runtime.
//
// An application is a named unit with a top supervisor (any GenServer the spec builds), a start
// type and dependencies. Its master process starts the top supervisor linked to it and watches
// it: when the top supervisor ends on its own, the start type decides, as in OTP:
//   permanent  -> the node stops (stop_node is called with why);
//   transient  -> the node stops unless the reason is normal;
//   temporary  -> it is only logged.
// An application stopped on request (stop()) never stops the node. Applications start after
// those they depend on, and stop_all() stops them in reverse start order, each top supervisor
// shutting its children down in reverse order within their shutdown timeouts.
//
// Not here: manifests, plugins, the daemon's reload (daemon/cli builds ApplicationSpecs).
// Threads: every member may be called from any non-worker thread (start/stop block until
// the application is up/down); stop_node is called on a worker thread and must not block.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "behaviors/gen_server.h"

namespace ergod::behaviors {

enum class StartType { permanent, transient, temporary };
std::string_view to_string(StartType t);

struct ApplicationSpec {
  std::string name;
  std::string version;
  std::string description;
  StartType start_type = StartType::temporary;  // OTP's default
  std::vector<std::string> depends_on;
  // Builds the top supervisor; called on every start.
  std::function<std::unique_ptr<GenServer>()> make_top;
  std::optional<Atom> top_name;  // the top supervisor's registered name
};

struct ApplicationInfo {
  std::string name, version, description;
  StartType start_type = StartType::temporary;
  bool running = false;
  Term top;          // the top supervisor's pid while running
  Term exit_reason;  // why it last stopped on its own (none if never)
};

class ApplicationController {
 public:
  using StopNode = std::function<void(const std::string& why)>;
  ApplicationController(Runtime& rt, StopNode stop_node);
  // Stops whatever still runs (stop_all).
  ~ApplicationController();
  ApplicationController(const ApplicationController&) = delete;
  ApplicationController& operator=(const ApplicationController&) = delete;

  // Makes an application known (not started). Replaces a stopped one of the same name; an
  // error when one of that name runs.
  Status load(ApplicationSpec spec);
  // Forgets a stopped application.
  Status unload(const std::string& name);
  // Starts name after its dependencies (started first when loaded and not running). An error
  // names what failed: an unknown application or dependency, a cycle, or the top supervisor's
  // start error. Starting a running application is an error (already_started), as OTP's.
  Status start(const std::string& name);
  // Starts every loaded application that is not running, dependencies first. Returns the
  // errors, one line per application that did not start.
  std::vector<std::string> start_all();
  // Stops a running application (its top supervisor shuts down); blocks until it is down.
  Status stop(const std::string& name);
  // Stops every running application in reverse start order.
  void stop_all();

  std::vector<ApplicationInfo> which_applications() const;
  std::vector<std::string> start_order() const;  // running applications, first started first
  bool is_loaded(const std::string& name) const;
  bool is_running(const std::string& name) const;

 private:
  struct App;
  Status start_locked(const std::string& name, std::vector<std::string>& path);
  void on_exit(const std::string& name, const Term& master, const Term& reason);

  Runtime& rt_;
  StopNode stop_node_;
  App* find(const std::string& name) const;  // under mu_

  // op_mu_ serialises operations (start, stop, load) and is held while they wait for
  // processes; mu_ guards the state below and is never held while waiting, so a master's
  // exit report (on a worker) never waits for an operation in progress.
  std::recursive_mutex op_mu_;
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<App>> apps_;  // in load order
  std::vector<std::string> started_;        // running ones, in start order
};

}  // namespace ergod::behaviors
