// rex: the registered `rex` gen_server of rpc.erl, for callers that still use it: old-style
// gen_server calls {call, M, F, A, GroupLeader} (answered with the value, or {badrpc, ...} as
// rpc's worker would) and casts {cast, M, F, A, GroupLeader}. OTP 25's rpc:call and
// rpc:cast go through erpc (erpc.h) instead. Functions come from the FunctionRegistry and
// run inside rex (they must not block).
// Threads: start() from a non-worker thread (it blocks until rex is registered).
#pragma once

#include "runtime/runtime.h"
#include "services/functions.h"

namespace ergod::services {

// Starts and registers `rex`; returns its pid, or none on failure.
Term start_rex(runtime::Runtime& rt, const FunctionRegistry& fns);

}  // namespace ergod::services
