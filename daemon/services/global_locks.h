// global:set_lock/1,2,3, del_lock/1,2 and trans/2,3,4 for rpc and erpc callers, as global.erl
// runs them on an OTP node: {set_lock, Id} to global_name_server on each node (a refusal
// releases what was taken; Retries more tries after a random sleep, 1/4 s doubling to 8 s),
// the transaction's fun under the lock, then {del_lock, Id}. The calls come from a helper
// process, which holds the lock: it ends as soon as the answer is sent, as the process
// running an rpc call does on OTP, so the lock goes with it (set_lock over rpc is only a
// test of the lock, there as here).
// A trans fun runs as erlang:apply/2 runs it on ergod (functions.h): an export fun of a
// registered function, any other fun fails as on a node without its module.
// Bad arguments fail with global.erl's exception and frames, without its file and line.
// Not here: the lock table (global.h), names (global_registrar.h).
// Threads: add_global_lock_functions from the controlling thread; the functions run on a
// worker in the erpc/rex process, which waits (ApplyResult::later) for the helper.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "services/functions.h"

namespace ergod::services {

// fns must outlive every call (trans runs its fun through it). visible_nodes: nodes(), for
// the default [node() | nodes()].
void add_global_lock_functions(FunctionRegistry& fns, std::function<std::vector<std::string>()> visible_nodes);

}  // namespace ergod::services
