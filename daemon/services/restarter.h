// A minimal one_for_one restarter for one permanent child gen_server: it start_links the
// child, traps exits, and when the child exits (for any reason) starts a new one. More than
// `intensity` restarts within `period_ms` ends the restarter with reason shutdown, as a
// supervisor gives up. It stands in for the supervisor behavior until that exists; it has no
// child specs, no shutdown timeouts and no which_children.
// Threads: start_restarter() from a non-worker thread; the factory runs on a worker.
#pragma once

#include <functional>
#include <memory>

#include "behaviors/gen_server.h"

namespace ergod::services {

struct RestarterSpec {
  std::function<std::unique_ptr<behaviors::GenServer>()> make_child;
  behaviors::StartOptions child_options;  // the child's registered name
  std::optional<term::Atom> name;         // the restarter's own registered name
  unsigned intensity = 1000;
  int64_t period_ms = 1000;
};

// Starts the restarter and its first child; returns the restarter's pid, or none when the
// first child did not start.
term::Term start_restarter(runtime::Runtime& rt, RestarterSpec spec);

}  // namespace ergod::services
