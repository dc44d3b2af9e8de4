// global_name_server: ergod's side of OTP's global (kernel/src/global.erl), so that an OTP node
// connecting to ergod completes global's connection protocol (global:sync() returns) and
// global:register_name/trans on that node get their lock, register and del_lock answers.
// ergod registers no names of its own; names other nodes register (register calls,
// exchange/resolved, new_nodes) are kept, monitored and handed on to nodes that join later.
// Protocol version 6 (the subset is in daemon/services/README.md); the locker is in
// global_locker.h.
// Threads: watch_nodes_for_global() from the controlling thread before Distribution::attach;
// start_global() from a non-worker thread.
#pragma once

#include "dist/distribution.h"
#include "runtime/runtime.h"
#include "services/functions.h"

namespace ergod::services {

// Forwards the Distribution's node up/down events to global_name_server as
// {nodeup, Node, #{}} and {nodedown, Node, #{}} (net_kernel:monitor_nodes's messages), sent
// before any traffic of the new connection and after the last of the old one.
// also_call, when set, sees every event first (on the dist loop thread).
void watch_nodes_for_global(dist::Distribution& dist, runtime::Runtime& rt,
                            std::function<void(const std::string& node, bool up)> also_call = {});

term::Term start_global(runtime::Runtime& rt);

// The pid global has registered as name on node (this node's own view), or a none Term. Any
// thread: as OTP's global:whereis_name reads global's ETS table, so that
// gen_server:call({global, Name}, ...) resolves without asking global_name_server.
term::Term global_whereis(term::Atom node, const term::Term& name);

// Whether id ({ResourceId, LockRequesterId}) could be set on node now: the resource is free or
// held by that requester (global.erl's can_set_lock, a read of the lock table; any thread).
bool global_can_set_lock(term::Atom node, const term::Term& id);

// The names global has for pid on node (this node's own view; global.erl's global_pid_names).
std::vector<term::Term> global_names_of(term::Atom node, const term::Term& pid);

}  // namespace ergod::services

namespace ergod::services {

// global:whereis_name/1 and global:registered_names/0 for rpc and erpc, from this node's view
// of global's names (as OTP's read global's ETS table). register_name, sync and the rest are
// global_registrar.h's.
void add_global_functions(FunctionRegistry& fns);

}  // namespace ergod::services
