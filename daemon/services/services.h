// Services: the registered processes that make ergod a full member of an Erlang cluster, and
// their start-up order: net_kernel, rex (with erpc's spawn handler and the FunctionRegistry),
// kernel_safe_sup with the pg scope, and global_name_server. (The echo example is a plugin:
// plugins/echo.)
// Not here: the services themselves (one file each).
//
// Threads: the controlling thread (the daemon's main thread), in this order:
//   Services s(opts); s.install(dist, rt)  -- before dist.attach(rt): sets the spawn handler
//   dist.attach(rt); s.start(rt)          -- starts the processes
// and at shutdown: dist.stop(), then the runtime, then the Services object.
#pragma once

#include <array>
#include <memory>
#include <string_view>

#include "dist/distribution.h"
#include "runtime/runtime.h"
#include "services/bifs.h"
#include "services/erpc.h"
#include "services/functions.h"

namespace ergod::services {

// The names Services::start registers (pg's scope and its supervisor included): no
// application may take them.
inline constexpr std::array<std::string_view, 5> kRegisteredNames = {"net_kernel", "rex", "pg",
                                                                     "global_name_server", "kernel_safe_sup"};

// kernel_safe_sup with the pg scope `pg` (restarted when it crashes); dist may be null (no
// peers to discover). Returns {ok, Pid} or {error, Reason}.
Term start_kernel_safe_sup(runtime::Runtime& rt, dist::Distribution* dist);

class Services {
 public:
  // Registers the erlang BIFs (bifs.h) and the erpc spawn handler.
  void install(dist::Distribution& dist, runtime::Runtime& rt);
  // Starts every service process; an error names the one that did not start.
  Status start(runtime::Runtime& rt);

  FunctionRegistry& functions() { return functions_; }

 private:
  FunctionRegistry functions_;
  NodeBook nodes_;
  std::unique_ptr<ErpcServer> erpc_;
  dist::Distribution* dist_ = nullptr;
};

}  // namespace ergod::services
