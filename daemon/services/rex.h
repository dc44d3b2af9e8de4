// rex: the registered `rex` gen_server of rpc.erl, for callers that still use it. OTP 25's
// rpc:call and rpc:cast go through erpc (erpc.h); rex still serves, as rpc.erl's does:
//   gen_server calls  {call, M, F, A, GL} and {block_call, M, F, A, GL} (rpc:block_call):
//                     the value, or {badrpc, ...} as rpc's execute_call answers
//   gen_server cast   {cast, M, F, A, GL}
//   messages          {From, {sbcast, Name, Msg}} (rpc:sbcast): Name ! Msg, then
//                     From ! {rex, node(), node()}, or {rex, node(), {nonexisting_name, Name}}
//                     when the send raised badarg; {From, {send, Name, Msg}}: Name ! {From, Msg}
//                     (the same nonexisting_name answer on failure, nothing otherwise);
//                     {From, {call, M, F, A, GL}} (hidden C nodes): From ! {rex, Result};
//                     {From, features_request}: From ! {features_reply, node(), [erpc]}
// Any other call gets no answer and other messages are dropped: rpc.erl's clauses say "Ignore !".
// Functions come from the FunctionRegistry and run inside rex (they must not block).
// Threads: start() from a non-worker thread (it blocks until rex is registered).
#pragma once

#include "runtime/runtime.h"
#include "services/functions.h"

namespace ergod::services {

// Starts and registers `rex`; returns its pid, or none on failure.
Term start_rex(runtime::Runtime& rt, const FunctionRegistry& fns);

}  // namespace ergod::services
