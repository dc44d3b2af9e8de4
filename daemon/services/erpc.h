// The erpc server side: SPAWN_REQUESTs from other nodes (erpc:call, rpc:call in OTP 25,
// spawn_request/spawn on a remote node). ergod runs no Erlang code: a request for
// erpc:execute_call(Ref, M, F, A) spawns a short-lived process that runs M:F(A) from the
// FunctionRegistry and exits with the reason erpc reads from the requester's monitor:
// {Ref, return, V} | {Ref, throw, T} | {Ref, exit, R} | {Ref, error, R, Stack}. Any other
// M:F/A is run the same way as a plain spawned function (normal exit, or its error).
//
// The SPAWN_REPLY (the new pid, with the link/monitor flags set up as asked) is always sent:
// the requesting node's runtime needs it to set up its side of the monitor, whatever the
// `reply` option says (that option only decides whether the requester's process sees a message).
//
// Threads: handle() runs on the dist loop thread (Distribution's spawn handler); it spawns
// and returns at once. The registry and runtime must outlive the Distribution.
#pragma once

#include "dist/distribution.h"
#include "runtime/runtime.h"
#include "services/functions.h"

namespace ergod::services {

class ErpcServer {
 public:
  ErpcServer(runtime::Runtime& rt, dist::Distribution& dist, const FunctionRegistry& fns)
      : rt_(rt), dist_(dist), fns_(fns) {}
  void handle(const dist::SpawnRequest& req);

 private:
  runtime::Runtime& rt_;
  dist::Distribution& dist_;
  const FunctionRegistry& fns_;
};

}  // namespace ergod::services
